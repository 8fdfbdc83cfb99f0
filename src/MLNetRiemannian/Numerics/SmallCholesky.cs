using System;
using System.Runtime.CompilerServices;

namespace MLNetRiemannian.Numerics
{
    /// <summary>
    /// A Cholesky solve in Float64 for the inner systems the Woodbury paths factorize (<see cref="KroneckerBlockSolve"/>,
    /// <see cref="KroneckerWoodbury"/>): a few dozen to a few hundred rows, where a torch call's fixed cost, and on more
    /// than one thread the wake-up of libtorch's workers, is more than the arithmetic. Each entry of the factor is one
    /// dot product of two contiguous rows (<see cref="RowKernels.Dot{T}"/>).
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
                // L[j, :j] is complete: L[j,j] = √(A[j,j] − L[j,:j]·L[j,:j]), then L[i,j] = (A[i,j] − L[i,:j]·L[j,:j]) / L[j,j].
                ReadOnlySpan<double> rowJ = a.Slice(j * n, j);
                double d = a[j * n + j] - RowKernels.Dot(rowJ, rowJ);
                if (!(d > 0) || !double.IsFinite(d)) return false;
                double l = Math.Sqrt(d);
                a[j * n + j] = l;
                for (int i = j + 1; i < n; i++) a[i * n + j] = (a[i * n + j] - RowKernels.Dot(a.Slice(i * n, j), rowJ)) / l;
            }
            for (int i = 0; i < n; i++) v[i] = (v[i] - RowKernels.Dot(a.Slice(i * n, i), v)) / a[i * n + i];
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
