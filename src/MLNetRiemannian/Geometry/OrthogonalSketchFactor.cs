using System;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// A random orthogonal sketch of the metric's exact factor: <c>R_b = √(r/k) · Q_bᵀ L_b</c>, where <c>L_b</c>
    /// <c>[r, d]</c> is the exact factor and <c>Q_b</c> <c>[r, k]</c> has orthonormal columns spanning a uniformly
    /// random k-dimensional subspace, drawn independently per sample. Since <c>E[Q Qᵀ] = (k/r)·I</c>,
    /// <c>E[R_bᵀ R_b] = L_bᵀ L_b = M_b</c>; at <c>k ≥ r</c> the exact factor itself is used. For the identity metric
    /// this is <c>R_b = √(d/k)·Q_bᵀ</c>.
    /// </summary>
    /// <remarks>
    /// Sound for any metric, a user's included, because it only rotates and subsamples a factor whose Gram is M: the
    /// estimate is unbiased whatever M is, and its spread shrinks as k approaches r. It still costs the exact factor's
    /// construction (for a custom metric, its Cholesky) per curvature sample.
    /// </remarks>
    internal sealed class OrthogonalSketchFactor : OutputFactor
    {
        private readonly int _rank;
        private readonly Generator _generator;

        public OrthogonalSketchFactor(OutputMetric metric, int rank, Generator generator) : base(metric)
        {
            _rank = rank;
            _generator = generator;
        }

        public override int Rows(int outputs) => Math.Min(_rank, outputs);

        public override bool IsExact(int outputs) => _rank >= outputs;

        internal override Tensor Draw(Tensor output, Tensor target, NumericalEvents events)
        {
            using var scope = NewDisposeScope();
            var exact = Metric.Factor(output, target, events); // [B, r, d]
            long batch = exact.shape[0], r = exact.shape[1];
            if (_rank >= r) return exact.MoveToOuterDisposeScope();
            // The Q of a Gaussian matrix's QR spans a uniformly distributed subspace (whatever the sign convention).
            var gaussian = randn(new[] { batch, r, (long)_rank }, dtype: exact.dtype, generator: _generator);
            var (q, _) = linalg.qr(gaussian);
            return q.mT.bmm(exact).mul_(Math.Sqrt((double)r / _rank)).MoveToOuterDisposeScope();
        }
    }
}
