using System.Collections.Generic;
using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// What one forward pass leaves for the pullback: each module's input, pushed in forward order and popped in
    /// reverse, and, once pulled back, each atom's (input, factor) pair.
    /// </summary>
    internal sealed class ForwardTrace
    {
        private readonly Stack<Tensor> _inputs = new();
        private readonly List<AtomPullback> _atoms = new();

        /// <summary>The atoms reached by the pullback, last layer first.</summary>
        public IReadOnlyList<AtomPullback> Atoms => _atoms;

        public void Push(Tensor input) => _inputs.Push(input);

        public Tensor Pop() => _inputs.Pop();

        public void Record(Dense atom, Tensor input, Tensor factor) => _atoms.Add(new AtomPullback(atom, input, factor));
    }

    /// <summary>
    /// One atom's share of the pullback: its input batch <c>x</c> <c>[B, in]</c> and the output metric's factor
    /// pulled back to its output, <c>R</c> <c>[B, k, out]</c> (paper.md section 3).
    /// </summary>
    internal readonly record struct AtomPullback(Dense Atom, Tensor Input, Tensor Factor);
}
