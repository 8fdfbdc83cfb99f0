using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace MLNetRiemannian.Numerics
{
    /// <summary>
    /// The column-sparse step's element-wise work (docs/method.md section 12) on a few columns of an <c>[out, in]</c>
    /// layer, in managed code over the tensors' own memory: a gather, the arithmetic and a scatter through torch would be
    /// a dozen operations and their temporaries per step for a few thousand values. The tensors must pass
    /// <see cref="FusedPasses.Applies"/> (contiguous CPU Float32 or Float64 of one type); each pass runs on the calling thread.
    /// </summary>
    internal static class ColumnPasses
    {
        /// <summary>Whether the passes apply: <see cref="FusedPasses.Applies"/>, and each tensor under 2 GiB (a span's reach).</summary>
        public static bool Applies(params Tensor[] tensors) =>
            FusedPasses.Applies(tensors) && Array.TrueForAll(tensors, t => t.numel() * t.ElementSize < int.MaxValue);

        /// <summary>
        /// Brings columns up to date (<c>ColumnSparseLayer</c>): for each listed column j and every row i,
        /// <c>w[i,j] ← w[i,j] − moveBy[n]·m[i,j]</c>, then <c>m[i,j] ← decay[n]·m[i,j]</c>, n the column's place in
        /// the list. <paramref name="weight"/> and <paramref name="average"/> are <c>[out, in]</c>.
        /// </summary>
        public static void CatchUp(Tensor weight, Tensor average, ReadOnlySpan<long> columns, ReadOnlySpan<double> moveBy, ReadOnlySpan<double> decay)
        {
            if (weight.dtype == ScalarType.Float32) CatchUp<float>(weight, average, columns, moveBy, decay);
            else CatchUp<double>(weight, average, columns, moveBy, decay);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void CatchUp<T>(Tensor weight, Tensor average, ReadOnlySpan<long> columns, ReadOnlySpan<double> moveBy, ReadOnlySpan<double> decay)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int outputs = (int)weight.shape[0];
            long inputs = weight.shape[1];
            Span<T> w = FusedPasses.Elements<T>(weight), m = FusedPasses.Elements<T>(average);
            for (int n = 0; n < columns.Length; n++)
            {
                T b = T.CreateTruncating(moveBy[n]), d = T.CreateTruncating(decay[n]);
                for (long at = columns[n], i = 0; i < outputs; i++, at += inputs)
                {
                    w[(int)at] -= b * m[(int)at];
                    m[(int)at] *= d;
                }
            }
        }

        /// <summary><c>v[j] ← factor[n]·v[j]</c> for each listed entry j (n its place in the list) of a vector.</summary>
        public static void Scale(Tensor vector, ReadOnlySpan<long> entries, ReadOnlySpan<double> factor)
        {
            if (vector.dtype == ScalarType.Float32) Scale<float>(vector, entries, factor);
            else Scale<double>(vector, entries, factor);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Scale<T>(Tensor vector, ReadOnlySpan<long> entries, ReadOnlySpan<double> factor) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Span<T> v = FusedPasses.Elements<T>(vector);
            for (int n = 0; n < entries.Length; n++) v[(int)entries[n]] *= T.CreateTruncating(factor[n]);
        }

        /// <summary>
        /// The adaptive mass's update on the listed columns: <c>m ← m + (1 − β)(u − m)</c>, then <c>w ← w − rate·m</c>,
        /// for <paramref name="weight"/> and <paramref name="average"/> <c>[out, in]</c> on the columns and u
        /// (<paramref name="direction"/>) <c>[out, k]</c> over them, k the columns' count.
        /// </summary>
        public static void AverageAndStep(Tensor weight, Tensor average, ReadOnlySpan<long> columns, Tensor direction, double momentum, double rate)
        {
            if (weight.dtype == ScalarType.Float32) AverageAndStep<float>(weight, average, columns, direction, momentum, rate);
            else AverageAndStep<double>(weight, average, columns, direction, momentum, rate);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void AverageAndStep<T>(Tensor weight, Tensor average, ReadOnlySpan<long> columns, Tensor direction, double momentum, double rate)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int outputs = (int)weight.shape[0], k = columns.Length;
            long inputs = weight.shape[1];
            Span<T> w = FusedPasses.Elements<T>(weight), m = FusedPasses.Elements<T>(average);
            ReadOnlySpan<T> u = FusedPasses.Elements<T>(direction);
            T share = T.CreateTruncating(1 - momentum), step = T.CreateTruncating(rate);
            for (int i = 0; i < outputs; i++)
            {
                long row = i * inputs;
                var ui = u.Slice(i * k, k);
                for (int n = 0; n < k; n++)
                {
                    int at = (int)(row + columns[n]);
                    T mean = m[at] + (ui[n] - m[at]) * share;
                    m[at] = mean;
                    w[at] -= step * mean;
                }
            }
        }
    }
}
