using System.Collections.Generic;
using System.Linq;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// What one forward pass leaves for the pullback: each module's input, pushed in forward order and popped in
    /// reverse, and, once pulled back, each atom's (input, factor) pair.
    /// </summary>
    internal sealed class ForwardTrace
    {
        private readonly Stack<InputBatch> _inputs = new();
        private readonly List<AtomPullback> _atoms = new();
        private readonly List<DiagonalPullback> _diagonals = new();

        /// <summary>The atoms reached by the pullback, last layer first.</summary>
        public IReadOnlyList<AtomPullback> Atoms => _atoms;

        /// <summary>The <see cref="Diagonal"/> modules reached by the pullback, last first.</summary>
        public IReadOnlyList<DiagonalPullback> Diagonals => _diagonals;

        public void Push(Tensor input) => _inputs.Push(new DenseInput(input));

        public void Push(InputBatch input) => _inputs.Push(input);

        /// <summary>The last input pushed, which a module that is not a <see cref="Dense"/> always pushed dense.</summary>
        public Tensor Pop() => ((DenseInput)_inputs.Pop()).Values;

        /// <summary>The last input pushed, dense or sparse.</summary>
        public InputBatch PopInput() => _inputs.Pop();

        public void Record(Dense atom, InputBatch input, Tensor factor) => _atoms.Add(new AtomPullback(atom, input, factor));

        public void Record(Diagonal module, InputBatch input, Tensor factor) => _diagonals.Add(new DiagonalPullback(module, input, factor));

        /// <summary>
        /// A second trace of the same forward pass restricted to its first <paramref name="rows"/> samples (views, no
        /// copies), for pulling back a factor that only those samples carry. Take it before the first pullback pops.
        /// </summary>
        public ForwardTrace Narrowed(long rows)
        {
            var narrowed = new ForwardTrace();
            foreach (var input in _inputs.Reverse()) // bottom of the stack first, so the copy pops in the same order
                narrowed.Push(input.Narrow(rows));
            return narrowed;
        }
    }

    /// <summary>
    /// One atom's share of the pullback: its input batch <c>x</c> <c>[B, in]</c> (dense or sparse) and the output metric's factor
    /// pulled back to its output, <c>R</c> <c>[B, k, out]</c> (docs/method.md section 2.2).
    /// </summary>
    internal readonly record struct AtomPullback(Dense Atom, InputBatch Input, Tensor Factor);

    /// <summary>
    /// One <see cref="Diagonal"/> module's share of the pullback: its input batch <c>x</c> <c>[B, n]</c> (dense or sparse)
    /// and the factor pulled back to its output, <c>R</c> <c>[B, k, n]</c>.
    /// </summary>
    internal readonly record struct DiagonalPullback(Diagonal Module, InputBatch Input, Tensor Factor);
}
