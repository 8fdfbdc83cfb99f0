using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// A pointwise nonlinearity σ as a module without parameters (docs/method.md section 6): its Jacobian is
    /// <c>diag(σ'(x))</c>, so pulling a factor back multiplies every row by σ'(x) elementwise.
    /// </summary>
    public abstract class Activation : RiemannianModule
    {
        /// <summary>Creates an activation acting on vectors of width <paramref name="size"/>.</summary>
        protected Activation(int size)
        {
            if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "Activation width must be positive.");
            InputSize = size;
        }

        /// <summary>Which nonlinearity this is.</summary>
        public abstract ActivationKind Kind { get; }

        /// <inheritdoc/>
        public sealed override int InputSize { get; }

        /// <inheritdoc/>
        public sealed override int OutputSize => InputSize;

        /// <inheritdoc/>
        public sealed override IReadOnlyList<Dense> Atoms => Array.Empty<Dense>();

        /// <summary>Creates the activation of kind <paramref name="kind"/> for width <paramref name="size"/>.</summary>
        public static Activation Create(ActivationKind kind, int size) => kind switch
        {
            ActivationKind.ReLU => new ReLU(size),
            ActivationKind.LeakyReLU => new LeakyReLU(size),
            ActivationKind.Tanh => new Tanh(size),
            ActivationKind.Sigmoid => new Sigmoid(size),
            ActivationKind.Gelu => new Gelu(size),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown activation."),
        };

        /// <summary>σ'(x), elementwise.</summary>
        protected abstract Tensor Derivative(Tensor input);

        internal sealed override Tensor Forward(Tensor input, ForwardTrace trace)
        {
            trace.Push(input);
            return Forward(input);
        }

        internal sealed override Tensor? Pullback(Tensor? factor, ForwardTrace trace, bool toInput)
        {
            var input = trace.Pop();
            if (factor is null || !toInput) return null;
            return PullbackFactor(factor, input);
        }

        /// <summary>Each sample's factor rows times σ'(x): <paramref name="factor"/> <c>[B, k, n]</c>, <paramref name="input"/> <c>[B, n]</c>.</summary>
        private protected virtual Tensor PullbackFactor(Tensor factor, Tensor input) => factor * Derivative(input).unsqueeze(1);
    }
}
