using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// Cross-entropy of softmax(ŷ) against a class index (targets: Int64 <c>[B]</c>), or, with label smoothing α, against
    /// <c>q = (1 − α)·e_y + α/K</c> for K classes: <c>l = logsumexp(ŷ) − qᵀŷ</c>, <c>∂l/∂ŷ = p − q</c>. Its Hessian in the
    /// logits is <c>diag(p) − p pᵀ</c> whatever α (it does not depend on the target), singular along the all-ones direction.
    /// </summary>
    public sealed class SoftmaxCrossEntropyLoss : Loss
    {
        /// <summary>The plain cross-entropy (no label smoothing).</summary>
        public SoftmaxCrossEntropyLoss() { }

        /// <summary>The cross-entropy against labels smoothed by <paramref name="labelSmoothing"/> α in [0, 1).</summary>
        /// <exception cref="System.ArgumentOutOfRangeException">α is outside [0, 1).</exception>
        public SoftmaxCrossEntropyLoss(double labelSmoothing) => LabelSmoothing = CheckedSmoothing(labelSmoothing);

        /// <summary>α: the share of each label spread evenly over the classes.</summary>
        public double LabelSmoothing { get; }

        /// <inheritdoc/>
        public override Tensor Value(Tensor output, Tensor target)
        {
            using var scope = NewDisposeScope();
            var picked = output.gather(1, target.unsqueeze(1)).squeeze(1);
            var value = logsumexp(output, 1, false) - picked * (1 - LabelSmoothing);
            if (LabelSmoothing > 0) value.add_(output.mean(new long[] { 1 }), -LabelSmoothing);
            return value.MoveToOuterDisposeScope();
        }

        /// <inheritdoc/>
        public override Tensor Gradient(Tensor output, Tensor target)
        {
            using var scope = NewDisposeScope();
            var p = nn.functional.softmax(output, 1);
            if (LabelSmoothing > 0) p.sub_(LabelSmoothing / output.shape[1]);
            return p.scatter_add_(1, target.unsqueeze(1), full(target.shape[0], 1, LabelSmoothing - 1, p.dtype)).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// Both in one managed pass over a contiguous CPU output (Float32 or Float64) and Int64 targets, each row's
        /// log-sum-exp taken once in Float64 (<see cref="SoftmaxCrossEntropyPass"/>); torch operations otherwise.
        /// </summary>
        internal override (Tensor Values, Tensor Gradient) ValueAndGradient(Tensor output, Tensor target)
        {
            if (!SoftmaxCrossEntropyPass.Applies(output, target)) return base.ValueAndGradient(output, target);
            var (values, gradient) = (empty(output.shape[0], dtype: output.dtype), empty_like(output));
            SoftmaxCrossEntropyPass.Run(output, target, LabelSmoothing, values, gradient);
            return (values, gradient);
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
