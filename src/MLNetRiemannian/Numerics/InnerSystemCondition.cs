using System;
using static TorchSharp.torch;

namespace MLNetRiemannian.Numerics
{
    /// <summary>
    /// An estimate of the condition number <c>λ_max / λ_min</c> of the symmetric positive definite inner system
    /// <c>S = I + K D⁻¹ Kᵀ</c>: the extreme Ritz values of S on a Krylov space of up to <see cref="MaximumIterations"/>
    /// dimensions (Lanczos vectors, fully reorthogonalized). Ritz values lie inside the spectrum, so the estimate errs
    /// low, and it is exact once the space reaches S's size. Costs one matrix-vector product per dimension.
    /// </summary>
    internal static class InnerSystemCondition
    {
        private const int MaximumIterations = 40;

        /// <param name="s">S, <c>[n, n]</c>.</param>
        public static double Estimate(Tensor s)
        {
            using var scope = NewDisposeScope();
            var matrix = s.to_type(ScalarType.Float64);
            long n = matrix.shape[0];
            int steps = (int)Math.Min(n, MaximumIterations);
            var basis = zeros(n, steps, dtype: ScalarType.Float64);
            // A fixed, generic start (not orthogonal to any eigenvector in practice) keeps the estimate deterministic.
            var q = linspace(1, 2, n, dtype: ScalarType.Float64);
            double negligible = 1e-10 * matrix.diagonal().abs().max().item<double>();
            int k = 0;
            while (k < steps)
            {
                double norm = q.norm().item<double>();
                if (k > 0 && norm <= negligible) break; // the Krylov space is invariant: done
                basis[.., k] = q / norm;
                var previous = basis.narrow(1, 0, ++k);
                var w = matrix.mv(previous[.., k - 1]);
                // Full reorthogonalization, twice: one classical Gram-Schmidt pass leaves w's part in the span at
                // rounding times 1/|w's residual|, which compounds over the steps when S is close to I.
                q = w - previous.mv(previous.t().mv(w));
                q.sub_(previous.mv(previous.t().mv(q)));
            }
            // Rayleigh-Ritz on the Krylov basis Q: the eigenvalues of Qᵀ S Q.
            var krylov = basis.narrow(1, 0, k);
            var ritz = linalg.eigvalsh(krylov.t().mm(matrix).mm(krylov));
            return (ritz.max() / ritz.min()).item<double>();
        }
    }
}
