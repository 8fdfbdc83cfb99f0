using System;
using System.Collections.Generic;
using System.Linq;
using MLNetRiemannian.Geometry;
using static TorchSharp.torch;

namespace MLNetRiemannian.Optimization
{
    /// <summary>
    /// One parameter block of a module: its owner, a name and a shape (a dense layer's weight <c>[out, in]</c> and bias
    /// <c>[out]</c>; a module added later registers its own, e.g. an input scale's <c>[in]</c> or an embedding's
    /// <c>[rows, width]</c>), and where it sits in a <see cref="ParameterLayout"/>.
    /// </summary>
    internal sealed record ParameterBlock(object Owner, string Name, long[] Shape, long Offset)
    {
        /// <summary>Elements in the block.</summary>
        public long Count => Shape.Aggregate(1L, (a, b) => a * b);
    }

    /// <summary>
    /// Where every parameter block of a network sits in one flat buffer, laid out once per fit in the network's order:
    /// each block contiguous and row-major, so a view of it is an ordinary contiguous tensor (a GEMM can write into it,
    /// a managed SIMD pass can read it), and a pass over all blocks is one pass over the flat buffer. A column-sparse
    /// update of a block touches the columns it names in its view.
    /// </summary>
    internal sealed class ParameterLayout
    {
        private readonly Dictionary<(object Owner, string Name), ParameterBlock> _index = new();

        /// <param name="blocks">(owner, name, shape) of every block, in order.</param>
        public ParameterLayout(IEnumerable<(object Owner, string Name, long[] Shape)> blocks)
        {
            var list = new List<ParameterBlock>();
            long offset = 0;
            foreach (var (owner, name, shape) in blocks)
            {
                var block = new ParameterBlock(owner, name, shape, offset);
                list.Add(block);
                _index.Add((owner, name), block);
                offset += block.Count;
            }
            Blocks = list;
            Length = offset;
        }

        /// <summary>The weight <c>[out, in]</c> and bias <c>[out]</c> of every dense layer, in the network's order.</summary>
        public static ParameterLayout Of(IReadOnlyList<Dense> atoms) => new(atoms.SelectMany(a => new (object, string, long[])[]
        {
            (a, nameof(Dense.Weight), a.Weight.shape), (a, nameof(Dense.Bias), a.Bias.shape),
        }));

        public IReadOnlyList<ParameterBlock> Blocks { get; }

        /// <summary>Elements in all blocks together.</summary>
        public long Length { get; }

        /// <summary>The block <paramref name="name"/> of <paramref name="owner"/>.</summary>
        public ParameterBlock this[object owner, string name] => _index[(owner, name)];
    }

    /// <summary>
    /// A flat buffer of <see cref="ParameterLayout.Length"/> elements, allocated (zeroed) once per fit, with a view per
    /// block: what a step writes its gradient, direction or momentum into instead of fresh tensors.
    /// </summary>
    internal sealed class ParameterBuffer : IDisposable
    {
        private readonly Dictionary<ParameterBlock, Tensor> _views = new();

        public ParameterBuffer(ParameterLayout layout, ScalarType dtype)
        {
            Layout = layout;
            Flat = zeros(layout.Length, dtype: dtype).DetachFromDisposeScope();
            foreach (var block in layout.Blocks)
                _views[block] = Flat.narrow(0, block.Offset, block.Count).view(block.Shape).DetachFromDisposeScope();
        }

        public ParameterLayout Layout { get; }

        /// <summary>All blocks, <c>[Length]</c>.</summary>
        public Tensor Flat { get; }

        /// <summary>The view of <paramref name="block"/>, shaped as the block (owned by the buffer: do not dispose).</summary>
        public Tensor this[ParameterBlock block] => _views[block];

        /// <summary>A dense layer's (weight, bias) views.</summary>
        public (Tensor Weight, Tensor Bias) Of(Dense atom) => (_views[Layout[atom, nameof(Dense.Weight)]], _views[Layout[atom, nameof(Dense.Bias)]]);

        public void Dispose()
        {
            foreach (var view in _views.Values) view.Dispose();
            Flat.Dispose();
        }
    }
}
