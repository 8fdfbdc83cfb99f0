using System;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// A user-supplied metric: a function from a batch of outputs <c>[B, d]</c> and targets to symmetric positive
    /// definite matrices <c>[B, d, d]</c>, factored here by a batched Cholesky decomposition.
    /// </summary>
    public sealed class CustomOutputMetric : OutputMetric
    {
        private readonly Func<Tensor, Tensor, Tensor> _metric;

        /// <summary>Wraps <paramref name="metric"/>: <c>(outputs [B, d], targets) → M [B, d, d]</c>.</summary>
        public CustomOutputMetric(Func<Tensor, Tensor, Tensor> metric)
        {
            ArgumentNullException.ThrowIfNull(metric);
            _metric = metric;
        }

        /// <inheritdoc/>
        /// <exception cref="InvalidOperationException">The function returned the wrong shape, or a matrix that is not positive definite even with jitter.</exception>
        public override Tensor Factor(Tensor output, Tensor target) => Factor(output, target, new NumericalEvents());

        internal override Tensor Factor(Tensor output, Tensor target, NumericalEvents events)
        {
            using var scope = NewDisposeScope();
            long b = output.shape[0], d = output.shape[1];
            var m = _metric(output, target);
            if (m.dim() != 3 || m.shape[0] != b || m.shape[1] != d || m.shape[2] != d)
                throw new InvalidOperationException(
                    $"The custom output metric must return a [{b}, {d}, {d}] tensor for outputs [{b}, {d}]; it returned [{string.Join(", ", m.shape)}].");
            m = m.to_type(output.dtype);
            if (!m.isfinite().all().item<bool>()) throw new NonFiniteStepException("custom output metric");
            Tensor lower;
            try
            {
                lower = RobustCholesky.Factor(m, "custom output metric", events);
            }
            catch (ArithmeticException e) when (e is not NonFiniteStepException)
            {
                var (_, info) = linalg.cholesky_ex(m, check_errors: false);
                long sample = info.nonzero()[0, 0].item<long>();
                throw new InvalidOperationException(
                    $"The custom output metric is not positive definite for sample {sample} of the batch, even with jitter " +
                    $"(Cholesky failed at leading minor {info[sample].item<int>()}). Return symmetric positive definite matrices, e.g. add ε·I.", e);
            }
            // M = C Cᵀ with C lower triangular, so L = Cᵀ satisfies Lᵀ L = M.
            return lower.mT.MoveToOuterDisposeScope();
        }
    }
}
