using System;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// k sampled rows of the softmax cross-entropy Gauss-Newton metric <c>M = diag(p) − p pᵀ + ε·I</c>:
    /// <c>R_b[j] = (e_{y_j} − p_b + √ε · s_j) / √k</c> with labels <c>y_j ~ p_b</c> and sign vectors
    /// <c>s_j ∈ {±1}^d</c>, all drawn independently.
    /// </summary>
    /// <remarks>
    /// Unbiased: <c>E_{y~p}[(e_y − p)(e_y − p)ᵀ] = diag(p) − p pᵀ</c> (the softmax Hessian is the covariance of the
    /// one-hot label under the model), <c>E[s sᵀ] = I</c>, and the cross terms vanish because s has mean 0 and is
    /// independent of y; so <c>E[R_bᵀ R_b] = M_b</c>, ε·I included, with k rows in all. Never exact for k &lt; d; at
    /// <c>k ≥ d</c> the closed-form exact factor is used instead.
    /// </remarks>
    internal sealed class SampledLabelFactor : OutputFactor
    {
        private readonly int _rank;
        private readonly double _epsilon;
        private readonly Generator _generator;

        public SampledLabelFactor(GaussNewtonMetric metric, int rank, Generator generator) : base(metric)
        {
            _rank = rank;
            _epsilon = metric.Epsilon;
            _generator = generator;
        }

        public override int Rows(int outputs) => Math.Min(_rank, outputs);

        public override bool IsExact(int outputs) => _rank >= outputs;

        internal override Tensor Draw(Tensor output, Tensor target, NumericalEvents events)
        {
            long batch = output.shape[0], d = output.shape[1];
            if (_rank >= d) return Metric.Factor(output, target, events);
            using var scope = NewDisposeScope();
            var p = nn.functional.softmax(output, 1);
            var labels = multinomial(p.to_type(ScalarType.Float64), _rank, replacement: true, generator: _generator); // [B, k]
            var signs = randint(0, 2, new[] { batch, (long)_rank, d }, dtype: output.dtype, generator: _generator).mul_(2).sub_(1);
            var rows = signs.mul_(Math.Sqrt(_epsilon)).sub_(p.unsqueeze(1)).scatter_add_(2, labels.unsqueeze(2), ones(batch, _rank, 1, dtype: output.dtype));
            return rows.mul_(1 / Math.Sqrt(_rank)).MoveToOuterDisposeScope();
        }
    }
}
