using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using static TorchSharp.torch;

namespace MLNetRiemannian.Numerics
{
    /// <summary>
    /// Element-wise passes over parameter-sized tensors in managed SIMD (<see cref="TensorPrimitives"/> over the tensors'
    /// own memory, <c>Tensor.bytes</c>), each reading and writing every element once, where the same work as torch
    /// operations costs several passes and fresh buffers. The tensors must be contiguous CPU Float32 or Float64 tensors
    /// (<see cref="Applies"/>); each pass runs on the calling thread, row by row, so a row stays in the L1 cache for the
    /// several operations it fuses.
    /// </summary>
    internal static class FusedPasses
    {
        /// <summary>Whether the passes apply to every tensor given: contiguous, on the CPU, Float32 or Float64, one dtype.</summary>
        public static bool Applies(params Tensor[] tensors)
        {
            var dtype = tensors[0].dtype;
            foreach (var t in tensors)
                if (t.dtype != dtype || t.dtype is not (ScalarType.Float32 or ScalarType.Float64) || t.device_type != TorchSharp.DeviceType.CPU || !t.is_contiguous())
                    return false;
            return true;
        }

        /// <summary>The elements of a contiguous CPU tensor of element type <typeparamref name="T"/>, writable.</summary>
        public static Span<T> Elements<T>(Tensor t) where T : struct => MemoryMarshal.Cast<byte, T>(t.bytes);

        /// <summary>
        /// The sums of squares of every row and every column of <c>[W, b]</c> (<c>[out, in + 1]</c>), written into
        /// <paramref name="rowSums"/> <c>[out]</c> and <paramref name="columnSums"/> <c>[in + 1]</c> (the last for b), all of
        /// W's type. One read of W; nothing allocated (a managed array per step would be garbage of the layer's width).
        /// </summary>
        public static void SquaredSums(Tensor weight, Tensor bias, Tensor rowSums, Tensor columnSums)
        {
            if (weight.dtype == ScalarType.Float32) SquaredSums<float>(weight, bias, rowSums, columnSums);
            else SquaredSums<double>(weight, bias, rowSums, columnSums);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void SquaredSums<T>(Tensor weight, Tensor bias, Tensor rowSums, Tensor columnSums) where T : unmanaged, IFloatingPointIeee754<T>
        {
            int outputs = (int)weight.shape[0], inputs = (int)weight.shape[1];
            ReadOnlySpan<T> w = Elements<T>(weight), b = Elements<T>(bias);
            Span<T> rows = Elements<T>(rowSums), columns = Elements<T>(columnSums);
            if (rows.Length != outputs || columns.Length != inputs + 1) throw new ArgumentException("The sums' lengths must be out and in + 1.", nameof(columnSums));
            columns.Clear();
            var columnPart = columns.Slice(0, inputs);
            for (int i = 0; i < outputs; i++)
            {
                var row = w.Slice(i * inputs, inputs);
                T square = b[i] * b[i];
                rows[i] = TensorPrimitives.SumOfSquares(row) + square;
                columns[inputs] += square;
                TensorPrimitives.FusedMultiplyAdd(row, row, columnPart, columnPart);
            }
        }

        /// <summary>
        /// <c>U ← diag(ρ) (G − U) diag(γ[..in])</c>, <c>u_b ← γ[in]·ρ ∘ (g_b − u_b)</c> in place in U: a Kronecker
        /// <c>D⁻¹ = diag(ρ) ⊗ diag(γ)</c> applied to a difference of parameter-shaped pairs in one pass (the Woodbury
        /// direction <c>D⁻¹(g − Kᵀv)</c> with <c>Kᵀv</c> in U). ρ <c>[out]</c>, γ <c>[in + 1]</c>, all of one type.
        /// </summary>
        public static void KroneckerOfDifference(Tensor gradientWeight, Tensor gradientBias, Tensor weight, Tensor bias, Tensor rows, Tensor columns)
        {
            if (weight.dtype == ScalarType.Float32) KroneckerOfDifference<float>(gradientWeight, gradientBias, weight, bias, rows, columns);
            else KroneckerOfDifference<double>(gradientWeight, gradientBias, weight, bias, rows, columns);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void KroneckerOfDifference<T>(Tensor gradientWeight, Tensor gradientBias, Tensor weight, Tensor bias, Tensor rows, Tensor columns)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int outputs = (int)weight.shape[0], inputs = (int)weight.shape[1];
            Span<T> w = Elements<T>(weight), b = Elements<T>(bias);
            ReadOnlySpan<T> gw = Elements<T>(gradientWeight), gb = Elements<T>(gradientBias), rho = Elements<T>(rows), gamma = Elements<T>(columns);
            var columnPart = gamma.Slice(0, inputs);
            for (int i = 0; i < outputs; i++)
            {
                var row = w.Slice(i * inputs, inputs);
                TensorPrimitives.Subtract(gw.Slice(i * inputs, inputs), row, row);
                TensorPrimitives.Multiply(row, columnPart, row);
                TensorPrimitives.Multiply(row, rho[i], row);
                b[i] = (gb[i] - b[i]) * rho[i] * gamma[inputs];
            }
        }

        /// <summary>Whether every element of <paramref name="t"/> is finite (neither NaN nor infinite). One read.</summary>
        public static bool AllFinite(Tensor t) => t.dtype == ScalarType.Float32 ? AllFinite(Elements<float>(t)) : AllFinite(Elements<double>(t));

        // Σ x·0 is 0 for finite x and NaN as soon as one x is NaN or infinite; chunks keep the zeros in the L1 cache.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static bool AllFinite<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
        {
            const int Chunk = 1024;
            Span<T> zeros = stackalloc T[Math.Min(Chunk, Math.Max(values.Length, 1))];
            zeros.Clear();
            for (int start = 0; start < values.Length; start += Chunk)
            {
                var part = values.Slice(start, Math.Min(Chunk, values.Length - start));
                if (!T.IsFinite(TensorPrimitives.Dot(part, zeros.Slice(0, part.Length)))) return false;
            }
            return true;
        }

        /// <summary>
        /// <c>m ← m + (1 − β)(u − m)</c> (the average of the directions), then <c>w ← decay·w − rate·m</c> (decay 1: no
        /// decoupled weight decay): one pass over w, m and u, all of one shape and type.
        /// </summary>
        public static void AverageAndStep(Tensor parameter, Tensor average, Tensor direction, double momentum, double rate, double decay = 1)
        {
            if (parameter.dtype == ScalarType.Float32) AverageAndStep<float>(parameter, average, direction, momentum, rate, decay);
            else AverageAndStep<double>(parameter, average, direction, momentum, rate, decay);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void AverageAndStep<T>(Tensor parameter, Tensor average, Tensor direction, double momentum, double rate, double decay)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            const int Chunk = 4096;
            Span<T> w = Elements<T>(parameter), m = Elements<T>(average);
            ReadOnlySpan<T> u = Elements<T>(direction);
            T weight = T.CreateTruncating(1 - momentum), step = T.CreateTruncating(-rate), keep = T.CreateTruncating(decay);
            for (int start = 0; start < w.Length; start += Chunk)
            {
                int n = Math.Min(Chunk, w.Length - start);
                Span<T> wc = w.Slice(start, n), mc = m.Slice(start, n);
                TensorPrimitives.Lerp(mc, u.Slice(start, n), weight, mc);
                if (decay != 1) TensorPrimitives.Multiply(wc, keep, wc);   // the chunk is in the L1 cache for the next line
                TensorPrimitives.FusedMultiplyAdd(mc, step, wc, wc);
            }
        }
    }
}
