using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// A per-sample loss <c>l(ŷ, y)</c> on the network's output, with what the step needs of it: its gradient in ŷ
    /// and a factor of its Hessian in ŷ (the Gauss-Newton output metric, docs/method.md section 5.2).
    /// </summary>
    public abstract class Loss
    {
        private protected Loss() { }

        /// <summary><c>l(ŷ_b, y_b)</c> for each sample: <c>[B]</c>.</summary>
        public abstract Tensor Value(Tensor output, Tensor target);

        /// <summary><c>∂l/∂ŷ_b</c> for each sample: <c>[B, d]</c>.</summary>
        public abstract Tensor Gradient(Tensor output, Tensor target);

        /// <summary>
        /// <see cref="Value"/> and <see cref="Gradient"/> together, <c>([B], [B, d])</c>: the step needs both of the same
        /// output, and a loss can share their work.
        /// </summary>
        internal virtual (Tensor Values, Tensor Gradient) ValueAndGradient(Tensor output, Tensor target) => (Value(output, target), Gradient(output, target));

        /// <summary>
        /// <c>L_b</c> <c>[B, r, d]</c> with <c>L_bᵀ L_b = ∂²l/∂ŷ² + ε·I</c>, computed in closed form (no Cholesky).
        /// </summary>
        public abstract Tensor GaussNewtonFactor(Tensor output, Tensor target, double epsilon);

        /// <summary>
        /// A sampling scheme for <paramref name="metric"/> (this loss's Gauss-Newton metric) that uses the loss's
        /// structure, with k = <paramref name="rank"/> rows per sample; null (the default) leaves it to the metric's
        /// generic orthogonal sketch.
        /// </summary>
        internal virtual OutputFactor? SampledGaussNewtonFactor(GaussNewtonMetric metric, int rank, Generator generator) => null;

        /// <summary>A label smoothing α checked to be in [0, 1), for the classification losses' constructors.</summary>
        private protected static double CheckedSmoothing(double labelSmoothing) => labelSmoothing >= 0 && labelSmoothing < 1 ? labelSmoothing
            : throw new System.ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, $"Invalid label smoothing: {labelSmoothing}. It must be in [0, 1).");
    }
}
