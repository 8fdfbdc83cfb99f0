using System;
using System.Linq;
using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// Parallel composition (docs/method.md section 6): the input is split into consecutive pieces, child i maps piece i,
    /// and the outputs are concatenated. The Jacobian is block diagonal over the children; the factor rows are shared, so
    /// the output metric's cross terms between children still reach the layers below.
    /// </summary>
    public sealed class Parallel : CompoundModule
    {
        /// <summary>Places <paramref name="children"/> side by side over consecutive pieces of the input.</summary>
        /// <exception cref="ArgumentException">No children.</exception>
        public Parallel(params RiemannianModule[] children) : base(children, "parallel")
        {
            InputSize = children.Sum(c => c.InputSize);
            OutputSize = children.Sum(c => c.OutputSize);
        }

        /// <inheritdoc/>
        public override int InputSize { get; }

        /// <inheritdoc/>
        public override int OutputSize { get; }

        /// <inheritdoc/>
        public override Tensor Forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var outputs = new Tensor[ChildArray.Length];
            long offset = 0;
            for (int i = 0; i < ChildArray.Length; i++)
            {
                outputs[i] = ChildArray[i].Forward(input.narrow(1, offset, ChildArray[i].InputSize));
                offset += ChildArray[i].InputSize;
            }
            return cat(outputs, 1).MoveToOuterDisposeScope();
        }

        internal override Tensor Forward(Tensor input, ForwardTrace trace)
        {
            var outputs = new Tensor[ChildArray.Length];
            long offset = 0;
            for (int i = 0; i < ChildArray.Length; i++)
            {
                outputs[i] = ChildArray[i].Forward(input.narrow(1, offset, ChildArray[i].InputSize), trace);
                offset += ChildArray[i].InputSize;
            }
            return cat(outputs, 1);
        }

        internal override Tensor? Pullback(Tensor? factor, ForwardTrace trace, bool toInput)
        {
            // The trace is a stack: visit the children in reverse of the forward order.
            var inputs = new Tensor?[ChildArray.Length];
            long offset = OutputSize;
            for (int i = ChildArray.Length - 1; i >= 0; i--)
            {
                offset -= ChildArray[i].OutputSize;
                bool needed = toInput || ChildArray[i].HasParameters;
                var piece = factor is not null && needed ? factor.narrow(2, offset, ChildArray[i].OutputSize) : null;
                inputs[i] = ChildArray[i].Pullback(piece, trace, toInput);
            }
            return toInput && factor is not null ? cat(inputs.Select(t => t!).ToArray(), 2) : null;
        }
    }
}
