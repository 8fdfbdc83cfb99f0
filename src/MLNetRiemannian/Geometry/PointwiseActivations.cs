using System;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>Rectified linear unit, <c>max(x, 0)</c>; σ'(x) = 1 for x &gt; 0, else 0.</summary>
    public sealed class ReLU : Activation
    {
        /// <inheritdoc cref="Activation(int)"/>
        public ReLU(int size) : base(size) { }
        /// <inheritdoc/>
        public override ActivationKind Kind => ActivationKind.ReLU;
        /// <inheritdoc/>
        public override Tensor Forward(Tensor input) => nn.functional.relu(input);
        /// <inheritdoc/>
        protected override Tensor Derivative(Tensor input) => input.gt(0).to_type(input.dtype);

        /// <summary>
        /// The factor times the 0/1 mask in one managed pass where the tensors allow it (the same products, so the same
        /// bits): torch's mask, its conversion and the product were three operations, each a parallel region and a
        /// batch-sized tensor, on every step's gradient row.
        /// </summary>
        private protected override Tensor PullbackFactor(Tensor factor, Tensor input)
        {
            if (factor.dim() != 3 || !FusedPasses.Applies(factor, input)) return base.PullbackFactor(factor, input);
            var into = empty_like(factor);
            FusedPasses.TimesPositiveMask(factor, input, into);
            return into;
        }
    }

    /// <summary>Leaky rectifier with negative slope 0.01; σ'(x) = 1 for x &gt; 0, else 0.01.</summary>
    public sealed class LeakyReLU : Activation
    {
        /// <summary>The slope for negative inputs.</summary>
        public const double NegativeSlope = 0.01;
        /// <inheritdoc cref="Activation(int)"/>
        public LeakyReLU(int size) : base(size) { }
        /// <inheritdoc/>
        public override ActivationKind Kind => ActivationKind.LeakyReLU;
        /// <inheritdoc/>
        public override Tensor Forward(Tensor input) => nn.functional.leaky_relu(input, NegativeSlope);
        /// <inheritdoc/>
        protected override Tensor Derivative(Tensor input)
        {
            using var scope = NewDisposeScope();
            return input.gt(0).to_type(input.dtype).mul_(1 - NegativeSlope).add_(NegativeSlope).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Hyperbolic tangent; σ'(x) = 1 − tanh²(x).</summary>
    public sealed class Tanh : Activation
    {
        /// <inheritdoc cref="Activation(int)"/>
        public Tanh(int size) : base(size) { }
        /// <inheritdoc/>
        public override ActivationKind Kind => ActivationKind.Tanh;
        /// <inheritdoc/>
        public override Tensor Forward(Tensor input) => input.tanh();
        /// <inheritdoc/>
        protected override Tensor Derivative(Tensor input)
        {
            using var scope = NewDisposeScope();
            return input.tanh().pow_(2).neg_().add_(1).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Logistic sigmoid; σ'(x) = σ(x)(1 − σ(x)).</summary>
    public sealed class Sigmoid : Activation
    {
        /// <inheritdoc cref="Activation(int)"/>
        public Sigmoid(int size) : base(size) { }
        /// <inheritdoc/>
        public override ActivationKind Kind => ActivationKind.Sigmoid;
        /// <inheritdoc/>
        public override Tensor Forward(Tensor input) => input.sigmoid();
        /// <inheritdoc/>
        protected override Tensor Derivative(Tensor input)
        {
            using var scope = NewDisposeScope();
            var s = input.sigmoid();
            return (s * (1 - s)).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Exact GELU, <c>x·Φ(x)</c>; σ'(x) = Φ(x) + x·φ(x).</summary>
    public sealed class Gelu : Activation
    {
        private static readonly double InverseSqrt2 = 1 / Math.Sqrt(2);
        private static readonly double InverseSqrt2Pi = 1 / Math.Sqrt(2 * Math.PI);
        /// <inheritdoc cref="Activation(int)"/>
        public Gelu(int size) : base(size) { }
        /// <inheritdoc/>
        public override ActivationKind Kind => ActivationKind.Gelu;
        /// <inheritdoc/>
        public override Tensor Forward(Tensor input) => nn.functional.gelu(input);
        /// <inheritdoc/>
        protected override Tensor Derivative(Tensor input)
        {
            using var scope = NewDisposeScope();
            var cdf = (input * InverseSqrt2).erf_().add_(1).mul_(0.5);
            var pdf = input.square().mul_(-0.5).exp_().mul_(InverseSqrt2Pi);
            return cdf.add_(input * pdf).MoveToOuterDisposeScope();
        }
    }
}
