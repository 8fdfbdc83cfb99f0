using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// Binary cross-entropy of sigmoid(ŷ) against a 0/1 target y (one output; targets: float <c>[B]</c>), or, with label
    /// smoothing α, against <c>y' = (1 − α)·y + α/2</c> (two classes): <c>l = softplus(ŷ) − y'ŷ</c>, <c>∂l/∂ŷ = p − y'</c>.
    /// Its Hessian in the logit is <c>p(1 − p)</c> whatever α.
    /// </summary>
    public sealed class SigmoidCrossEntropyLoss : Loss
    {
        /// <summary>The plain binary cross-entropy (no label smoothing).</summary>
        public SigmoidCrossEntropyLoss() { }

        /// <summary>The binary cross-entropy against labels smoothed by <paramref name="labelSmoothing"/> α in [0, 1).</summary>
        /// <exception cref="System.ArgumentOutOfRangeException">α is outside [0, 1).</exception>
        public SigmoidCrossEntropyLoss(double labelSmoothing) => LabelSmoothing = CheckedSmoothing(labelSmoothing);

        /// <summary>α: the share of each label spread evenly over the two classes.</summary>
        public double LabelSmoothing { get; }

        /// <inheritdoc/>
        public override Tensor Value(Tensor output, Tensor target)
        {
            using var scope = NewDisposeScope();
            var z = output.squeeze(1);
            return (nn.functional.softplus(z) - Smoothed(target, z.dtype) * z).MoveToOuterDisposeScope();
        }

        /// <inheritdoc/>
        public override Tensor Gradient(Tensor output, Tensor target)
        {
            using var scope = NewDisposeScope();
            return (output.sigmoid() - Smoothed(target, output.dtype).unsqueeze(1)).MoveToOuterDisposeScope();
        }

        // y' = (1 − α)·y + α/2.
        private Tensor Smoothed(Tensor target, ScalarType dtype) =>
            LabelSmoothing > 0 ? target.to_type(dtype).mul(1 - LabelSmoothing).add_(LabelSmoothing / 2) : target.to_type(dtype);

        /// <inheritdoc/>
        public override Tensor GaussNewtonFactor(Tensor output, Tensor target, double epsilon)
        {
            using var scope = NewDisposeScope();
            var p = output.sigmoid();
            return (p * (1 - p)).add_(epsilon).sqrt_().unsqueeze(2).MoveToOuterDisposeScope();
        }
    }
}
