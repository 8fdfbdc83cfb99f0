using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// Binary cross-entropy of sigmoid(ŷ) against a 0/1 target (one output; targets: float <c>[B]</c>). Its Hessian in
    /// the logit is <c>p(1 − p)</c>.
    /// </summary>
    public sealed class SigmoidCrossEntropyLoss : Loss
    {
        /// <inheritdoc/>
        public override Tensor Value(Tensor output, Tensor target)
        {
            using var scope = NewDisposeScope();
            var z = output.squeeze(1);
            return (nn.functional.softplus(z) - target.to_type(z.dtype) * z).MoveToOuterDisposeScope();
        }

        /// <inheritdoc/>
        public override Tensor Gradient(Tensor output, Tensor target)
        {
            using var scope = NewDisposeScope();
            return (output.sigmoid() - target.to_type(output.dtype).unsqueeze(1)).MoveToOuterDisposeScope();
        }

        /// <inheritdoc/>
        public override Tensor GaussNewtonFactor(Tensor output, Tensor target, double epsilon)
        {
            using var scope = NewDisposeScope();
            var p = output.sigmoid();
            return (p * (1 - p)).add_(epsilon).sqrt_().unsqueeze(2).MoveToOuterDisposeScope();
        }
    }
}
