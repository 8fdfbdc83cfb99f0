using System;
using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// <c>M = ∂²l/∂ŷ² + ε·I</c>: the loss's Hessian in the outputs (the generalized Gauss-Newton metric), regularized
    /// because the softmax Hessian is singular.
    /// </summary>
    public sealed class GaussNewtonMetric : OutputMetric
    {
        /// <summary>Creates the Gauss-Newton metric of <paramref name="loss"/>.</summary>
        /// <param name="loss">The training loss.</param>
        /// <param name="epsilon">ε ≥ 0 added to the diagonal.</param>
        public GaussNewtonMetric(Loss loss, double epsilon)
        {
            ArgumentNullException.ThrowIfNull(loss);
            if (!(epsilon >= 0) || double.IsInfinity(epsilon))
                throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"Invalid Gauss-Newton ε: {epsilon}. It must be finite and ≥ 0.");
            Loss = loss;
            Epsilon = epsilon;
        }

        /// <summary>The loss whose Hessian this is.</summary>
        public Loss Loss { get; }

        /// <summary>ε.</summary>
        public double Epsilon { get; }

        /// <inheritdoc/>
        public override Tensor Factor(Tensor output, Tensor target) => Loss.GaussNewtonFactor(output, target, Epsilon);

        /// <summary>The loss's own sampling scheme (sampled labels for softmax cross-entropy), else an orthogonal sketch.</summary>
        private protected override OutputFactor SampledFactor(int rank, Generator generator) =>
            Loss.SampledGaussNewtonFactor(this, rank, generator) ?? base.SampledFactor(rank, generator);
    }
}
