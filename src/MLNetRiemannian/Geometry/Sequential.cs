using System;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// Sequential composition <c>f_n ∘ … ∘ f_1</c> (docs/method.md section 6): the output metric of each module is the
    /// pullback of the next one's, so the metric's factor is carried backward through the children.
    /// </summary>
    public sealed class Sequential : CompoundModule
    {
        /// <summary>Composes <paramref name="children"/>, applied first to last.</summary>
        /// <exception cref="ArgumentException">No children, or a child's input width differs from the previous output width.</exception>
        public Sequential(params RiemannianModule[] children) : base(children, "sequential")
        {
            for (int i = 1; i < children.Length; i++)
            {
                if (children[i].InputSize != children[i - 1].OutputSize)
                    throw new ArgumentException(
                        $"Module {i} ({children[i].GetType().Name}) takes {children[i].InputSize} inputs but module {i - 1} " +
                        $"({children[i - 1].GetType().Name}) gives {children[i - 1].OutputSize}.", nameof(children));
            }
        }

        /// <inheritdoc/>
        public override int InputSize => ChildArray[0].InputSize;

        /// <inheritdoc/>
        public override int OutputSize => ChildArray[^1].OutputSize;

        /// <inheritdoc/>
        public override Tensor Forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var z = input;
            foreach (var child in ChildArray)
                z = child.Forward(z);
            return z.MoveToOuterDisposeScope();
        }

        internal override Tensor Forward(Tensor input, ForwardTrace trace)
        {
            var z = input;
            foreach (var child in ChildArray)
                z = child.Forward(z, trace);
            return z;
        }

        internal override Tensor Forward(InputBatch input)
        {
            if (input is DenseInput dense) return Forward(dense.Values);
            using var scope = NewDisposeScope();
            int first = BatchModules(ref input, null);
            var z = ChildArray[first].Forward(input);
            for (int i = first + 1; i < ChildArray.Length; i++)
                z = ChildArray[i].Forward(z);
            return z.MoveToOuterDisposeScope();
        }

        internal override Tensor Forward(InputBatch input, ForwardTrace trace)
        {
            int first = BatchModules(ref input, trace);
            var z = ChildArray[first].Forward(input, trace);
            for (int i = first + 1; i < ChildArray.Length; i++)
                z = ChildArray[i].Forward(z, trace);
            return z;
        }

        /// <summary>
        /// Passes a sparse <paramref name="input"/> through the leading children that keep it a batch (a
        /// <see cref="Diagonal"/> input scale), so the first dense layer still multiplies it sparse; returns the index of
        /// the first child left to apply.
        /// </summary>
        private int BatchModules(ref InputBatch input, ForwardTrace? trace)
        {
            int i = 0;
            for (; i < ChildArray.Length - 1 && ChildArray[i].ForwardBatch(input, trace) is { } kept; i++) input = kept;
            return i;
        }

        internal override Tensor? Pullback(Tensor? factor, ForwardTrace trace, bool toInput)
        {
            for (int i = ChildArray.Length - 1; i >= 0; i--)
            {
                // Child i must hand a factor down only if something below it still needs one.
                bool below = toInput || HasAtomsBefore(i);
                factor = ChildArray[i].Pullback(factor, trace, below);
            }
            return factor;
        }

        private bool HasAtomsBefore(int index)
        {
            for (int i = 0; i < index; i++)
                if (ChildArray[i].HasParameters) return true;
            return false;
        }
    }
}
