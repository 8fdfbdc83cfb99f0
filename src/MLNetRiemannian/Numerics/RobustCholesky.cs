using System;
using static TorchSharp.torch;

namespace MLNetRiemannian.Numerics
{
    /// <summary>
    /// A batched Cholesky factorization that survives rounding: on failure it adds jitter <c>ε·mean(diag)·I</c>
    /// with ε = 1e-6, 1e-5, 1e-4, then retries in Float64, then throws. Non-finite input is reported as such, since
    /// no jitter repairs it.
    /// </summary>
    internal static class RobustCholesky
    {
        private static readonly double[] Jitters = { 1e-6, 1e-5, 1e-4 };

        /// <summary>Lower factor <c>C</c> with <c>C Cᵀ = m</c> (+ jitter), <c>m</c>: <c>[.., n, n]</c>, in <c>m</c>'s dtype.</summary>
        /// <param name="m">Symmetric matrices; not modified.</param>
        /// <param name="what">Names the matrix in errors, e.g. "inner system of the 784→256 layer".</param>
        /// <param name="events">Where retries and fallbacks are counted.</param>
        public static Tensor Factor(Tensor m, string what, NumericalEvents events)
        {
            var (lower, info) = linalg.cholesky_ex(m, check_errors: false);
            if (info.max().item<int>() == 0) return lower;
            if (!m.isfinite().all().item<bool>()) throw new NonFiniteStepException(what);

            var diagonal = m.diagonal(0, -2, -1);
            double scale = diagonal.abs().mean().to_type(ScalarType.Float64).item<double>();
            var identity = eye(m.shape[^1], dtype: m.dtype);
            foreach (double jitter in Jitters)
            {
                events.JitterRetries++;
                (lower, info) = linalg.cholesky_ex(m + identity * (jitter * scale), check_errors: false);
                if (info.max().item<int>() == 0) return lower;
            }
            if (m.dtype != ScalarType.Float64)
            {
                events.DoublePrecisionFallbacks++;
                var wide = m.to_type(ScalarType.Float64) + eye(m.shape[^1], dtype: ScalarType.Float64) * (Jitters[^1] * scale);
                (lower, info) = linalg.cholesky_ex(wide, check_errors: false);
                if (info.max().item<int>() == 0) return lower.to_type(m.dtype);
            }
            throw new ArithmeticException(
                $"The {what} is not positive definite even with jitter {Jitters[^1]}·mean(diag) in Float64 " +
                $"(Cholesky failed at minor {info.max().item<int>()}). Use a larger mass or GaussNewtonEpsilon, or a better conditioned output metric.");
        }
    }
}
