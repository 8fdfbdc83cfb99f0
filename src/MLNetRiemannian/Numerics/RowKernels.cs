using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MLNetRiemannian.Numerics
{
    /// <summary>
    /// A dot product and a scaled add over one short row, inlined into the managed Woodbury solves' inner loops
    /// (<see cref="KroneckerWoodbury"/>, <see cref="KroneckerBlockSolve"/>), which run them thousands of times a step over
    /// rows of a few dozen to a few hundred elements.
    /// </summary>
    /// <remarks>
    /// Why not <c>TensorPrimitives</c> here, as everywhere else: its kernels are methods of another assembly that the
    /// runtime first runs unoptimized and replaces only after they have been called often enough and the process has
    /// stopped compiling new code for a while — most of a small table's fit, in a fresh process, ran them unoptimized
    /// (a CPU profile of a Servo fit: the solve 12 % of the samples, in them). These inline into callers compiled
    /// optimized from their first call (<see cref="MethodImplOptions.AggressiveOptimization"/>). The sum's order differs
    /// from a sequential one (lanes, then a horizontal sum), as TensorPrimitives' does.
    /// </remarks>
    internal static class RowKernels
    {
        /// <summary>Σ_j a_j·b_j over <paramref name="a"/>'s length (<paramref name="b"/> at least as long).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T>
        {
            int n = a.Length, j = 0;
            if (b.Length < n) throw new ArgumentException($"The second row has {b.Length} elements, fewer than the first's {n}.", nameof(b));
            T sum = T.Zero;
            if (Vector.IsHardwareAccelerated && n >= Vector<T>.Count)
            {
                var va = MemoryMarshal.Cast<T, Vector<T>>(a);
                var vb = MemoryMarshal.Cast<T, Vector<T>>(b.Slice(0, n));
                var lanes = Vector<T>.Zero;
                for (int v = 0; v < va.Length; v++) lanes += va[v] * vb[v];
                sum = Vector.Sum(lanes);
                j = va.Length * Vector<T>.Count;
            }
            for (; j < n; j++) sum += a[j] * b[j];
            return sum;
        }

        /// <summary><c>y += α·x</c> over <paramref name="x"/>'s length (<paramref name="y"/> at least as long).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void MultiplyAdd<T>(ReadOnlySpan<T> x, T alpha, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        {
            int n = x.Length, j = 0;
            if (y.Length < n) throw new ArgumentException($"The destination has {y.Length} elements, fewer than the row's {n}.", nameof(y));
            if (Vector.IsHardwareAccelerated && n >= Vector<T>.Count)
            {
                var vx = MemoryMarshal.Cast<T, Vector<T>>(x);
                var vy = MemoryMarshal.Cast<T, Vector<T>>(y.Slice(0, n));
                var a = new Vector<T>(alpha);
                for (int v = 0; v < vx.Length; v++) vy[v] += a * vx[v];
                j = vx.Length * Vector<T>.Count;
            }
            for (; j < n; j++) y[j] += alpha * x[j];
        }
    }
}
