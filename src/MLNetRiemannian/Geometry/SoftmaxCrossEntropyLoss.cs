using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// Cross-entropy of softmax(ŷ) against a class index (targets: Int64 <c>[B]</c>). Its Hessian in the logits is
    /// <c>diag(p) − p pᵀ</c>, singular along the all-ones direction.
    /// </summary>
    public sealed class SoftmaxCrossEntropyLoss : Loss
    {
        /// <inheritdoc/>
        public override Tensor Value(Tensor output, Tensor target)
        {
            using var scope = NewDisposeScope();
            var picked = output.gather(1, target.unsqueeze(1)).squeeze(1);
            return (logsumexp(output, 1, false) - picked).MoveToOuterDisposeScope();
        }

        /// <inheritdoc/>
        public override Tensor Gradient(Tensor output, Tensor target)
        {
            using var scope = NewDisposeScope();
            var p = nn.functional.softmax(output, 1);
            return p.scatter_add_(1, target.unsqueeze(1), full(target.shape[0], 1, -1.0, p.dtype)).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// With <c>δ = p + ε</c> and <c>q = p/√δ</c>: <c>diag(δ) − p pᵀ = D^{1/2} (I − q qᵀ) D^{1/2}</c>, and
        /// <c>I − β q qᵀ</c> with <c>β = 1/(1 + √(1 − |q|²))</c> squares to <c>I − q qᵀ</c>, so
        /// <c>L = (I − β q qᵀ) diag(√δ)</c>. At ε = 0 this is the exact factor <c>diag(√p) − √p pᵀ</c>.
        /// </summary>
        public override Tensor GaussNewtonFactor(Tensor output, Tensor target, double epsilon)
        {
            using var scope = NewDisposeScope();
            var p = nn.functional.softmax(output, 1);
            var rootDelta = (p + epsilon).sqrt_();
            var q = p / rootDelta;
            var beta = (1 - q.square().sum(1, true)).clamp_min_(0).sqrt_().add_(1).reciprocal_();
            var qq = q.unsqueeze(2) * (q * beta).unsqueeze(1);
            var identity = eye(p.shape[1], dtype: p.dtype);
            return ((identity - qq) * rootDelta.unsqueeze(1)).MoveToOuterDisposeScope();
        }

        /// <summary>Sampled labels: <c>diag(p) − p pᵀ</c> is the covariance of the one-hot label drawn from p.</summary>
        internal override OutputFactor SampledGaussNewtonFactor(GaussNewtonMetric metric, int rank, Generator generator) =>
            new SampledLabelFactor(metric, rank, generator);
    }
}
