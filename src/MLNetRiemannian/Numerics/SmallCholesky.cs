using System;
using System.Runtime.CompilerServices;

namespace MLNetRiemannian.Numerics
{
    /// <summary>
    /// A Cholesky solve in Float64 for the small inner systems the managed Woodbury paths factorize
    /// (<see cref="KroneckerBlockSolve"/>, <see cref="KroneckerWoodbury"/>): a few dozen rows, where a torch call's fixed
    /// cost is more than the arithmetic.
    /// </summary>
    internal static class SmallCholesky
    {
        /// <summary>
        /// Solves <c>A v = rhs</c> in place in <paramref name="v"/> for a symmetric positive definite <c>A</c> <c>[n, n]</c>
        /// (row-major; its lower triangle is read and overwritten by the Cholesky factor). False when a pivot is not
        /// positive and finite, or the solution is not finite: <paramref name="v"/> then holds no solution.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static bool Solve(Span<double> a, int n, Span<double> v)
        {
            for (int j = 0; j < n; j++)
            {
                double d = a[j * n + j];
                for (int k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
                if (!(d > 0) || !double.IsFinite(d)) return false;
                double l = Math.Sqrt(d);
                a[j * n + j] = l;
                for (int i = j + 1; i < n; i++)
                {
                    double s = a[i * n + j];
                    for (int k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
                    a[i * n + j] = s / l;
                }
            }
            for (int i = 0; i < n; i++)
            {
                double s = v[i];
                for (int k = 0; k < i; k++) s -= a[i * n + k] * v[k];
                v[i] = s / a[i * n + i];
            }
            for (int i = n - 1; i >= 0; i--)
            {
                double s = v[i];
                for (int k = i + 1; k < n; k++) s -= a[k * n + i] * v[k];
                v[i] = s / a[i * n + i];
            }
            for (int i = 0; i < n; i++) if (!double.IsFinite(v[i])) return false;
            return true;
        }
    }
}
