using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace MLNetRiemannian.Numerics
{
    /// <summary>
    /// Element-wise passes over parameter-sized tensors in managed SIMD (<see cref="Vector{T}"/> loops over the tensors'
    /// own memory, <c>Tensor.bytes</c>, compiled optimized from their first call: see <see cref="RowKernels"/> for why not
    /// TensorPrimitives here), each reading and writing every element once, where the same work as torch
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
            var shape = weight.shape; // one native call and array, not one per dimension
            int outputs = (int)shape[0], inputs = (int)shape[1];
            ReadOnlySpan<T> w = Elements<T>(weight), b = Elements<T>(bias);
            Span<T> rows = Elements<T>(rowSums), columns = Elements<T>(columnSums);
            if (rows.Length != outputs || columns.Length != inputs + 1) throw new ArgumentException("The sums' lengths must be out and in + 1.", nameof(columnSums));
            columns.Clear();
            var columnPart = columns.Slice(0, inputs);
            for (int i = 0; i < outputs; i++)
            {
                var row = w.Slice(i * inputs, inputs);
                T square = b[i] * b[i];
                // Σ_j w_ij² for the row and columns_j += w_ij², in one read of the row.
                T sum = T.Zero;
                int j = 0;
                if (Vector.IsHardwareAccelerated && inputs >= Vector<T>.Count)
                {
                    var vr = MemoryMarshal.Cast<T, Vector<T>>(row);
                    var vc = MemoryMarshal.Cast<T, Vector<T>>(columnPart);
                    var lanes = Vector<T>.Zero;
                    for (int v = 0; v < vr.Length; v++)
                    {
                        var squares = vr[v] * vr[v];
                        lanes += squares;
                        vc[v] += squares;
                    }
                    sum = Vector.Sum(lanes);
                    j = vr.Length * Vector<T>.Count;
                }
                for (; j < inputs; j++)
                {
                    T squareJ = row[j] * row[j];
                    sum += squareJ;
                    columnPart[j] += squareJ;
                }
                rows[i] = sum + square;
                columns[inputs] += square;
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
            var shape = weight.shape; // one native call and array, not one per dimension
            int outputs = (int)shape[0], inputs = (int)shape[1];
            Span<T> w = Elements<T>(weight), b = Elements<T>(bias);
            ReadOnlySpan<T> gw = Elements<T>(gradientWeight), gb = Elements<T>(gradientBias), rho = Elements<T>(rows), gamma = Elements<T>(columns);
            var columnPart = gamma.Slice(0, inputs);
            for (int i = 0; i < outputs; i++)
            {
                var row = w.Slice(i * inputs, inputs);
                var g = gw.Slice(i * inputs, inputs);
                T r = rho[i];
                int j = 0;
                if (Vector.IsHardwareAccelerated && inputs >= Vector<T>.Count)
                {
                    var vw = MemoryMarshal.Cast<T, Vector<T>>(row);
                    var vg = MemoryMarshal.Cast<T, Vector<T>>(g);
                    var vgamma = MemoryMarshal.Cast<T, Vector<T>>(columnPart);
                    for (int v = 0; v < vw.Length; v++) vw[v] = (vg[v] - vw[v]) * vgamma[v] * r;
                    j = vw.Length * Vector<T>.Count;
                }
                for (; j < inputs; j++) row[j] = (g[j] - row[j]) * columnPart[j] * r;
                b[i] = (gb[i] - b[i]) * rho[i] * gamma[inputs];
            }
        }

        /// <summary>
        /// Sets every element of <paramref name="t"/> to 0 in place: a contiguous CPU tensor's memory is cleared in managed
        /// code, which creates no tensor (<c>zero_()</c> hands back a new handle to the same memory), any other through torch.
        /// </summary>
        public static void Clear(Tensor t)
        {
            if (t.device_type == TorchSharp.DeviceType.CPU && t.is_contiguous()) t.bytes.Clear();
            else t.zero_();
        }

        /// <summary>Whether every element of <paramref name="t"/> is finite (neither NaN nor infinite). One read.</summary>
        public static bool AllFinite(Tensor t) => t.dtype == ScalarType.Float32 ? AllFinite(Elements<float>(t)) : AllFinite(Elements<double>(t));

        /// <summary>Whether every value of <paramref name="values"/> is finite. One read.</summary>
        public static bool AllFinite(ReadOnlySpan<float> values) => AllFinite<float>(values);

        // Σ x·0 is 0 for finite x and NaN as soon as one x is NaN or infinite.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static bool AllFinite<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
        {
            T sum = T.Zero;
            int j = 0;
            if (Vector.IsHardwareAccelerated && values.Length >= Vector<T>.Count)
            {
                var vx = MemoryMarshal.Cast<T, Vector<T>>(values);
                var lanes = Vector<T>.Zero;
                for (int v = 0; v < vx.Length; v++) lanes += vx[v] * Vector<T>.Zero;
                sum = Vector.Sum(lanes);
                j = vx.Length * Vector<T>.Count;
            }
            for (; j < values.Length; j++) sum += values[j] * T.Zero;
            return T.IsFinite(sum);
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
            Span<T> w = Elements<T>(parameter), m = Elements<T>(average);
            ReadOnlySpan<T> u = Elements<T>(direction);
            if (m.Length != w.Length || u.Length != w.Length) throw new ArgumentException("The parameter, its average and the direction must have one shape.", nameof(direction));
            T weight = T.CreateTruncating(1 - momentum), step = T.CreateTruncating(-rate), keep = T.CreateTruncating(decay);
            int j = 0;
            if (Vector.IsHardwareAccelerated && w.Length >= Vector<T>.Count)
            {
                var vw = MemoryMarshal.Cast<T, Vector<T>>(w);
                var vm = MemoryMarshal.Cast<T, Vector<T>>(m);
                var vu = MemoryMarshal.Cast<T, Vector<T>>(u);
                var (vWeight, vStep, vKeep) = (new Vector<T>(weight), new Vector<T>(step), new Vector<T>(keep));
                for (int v = 0; v < vw.Length; v++)
                {
                    var averaged = vm[v] + vWeight * (vu[v] - vm[v]);
                    vm[v] = averaged;
                    vw[v] = vKeep * vw[v] + vStep * averaged;
                }
                j = vw.Length * Vector<T>.Count;
            }
            for (; j < w.Length; j++)
            {
                T averaged = m[j] + weight * (u[j] - m[j]);
                m[j] = averaged;
                w[j] = keep * w[j] + step * averaged;
            }
        }
    
        /// <summary>
        /// <c>a ← a + w·(x − a)</c> in place (an exponential moving average's update with weight w = 1 − β): one pass over a
        /// and x, of one shape and type. A small network's parameters are a few thousand numbers, where a torch call's fixed
        /// cost is most of the work.
        /// </summary>
        public static void MoveToward(Tensor average, Tensor value, double weight)
        {
            if (average.dtype == ScalarType.Float32) MoveToward<float>(average, value, weight);
            else MoveToward<double>(average, value, weight);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void MoveToward<T>(Tensor average, Tensor value, double weight) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Span<T> a = Elements<T>(average);
            ReadOnlySpan<T> x = Elements<T>(value);
            if (x.Length != a.Length) throw new ArgumentException("The average and the value must have one shape.", nameof(value));
            T w = T.CreateTruncating(weight);
            int j = 0;
            if (Vector.IsHardwareAccelerated && a.Length >= Vector<T>.Count)
            {
                var va = MemoryMarshal.Cast<T, Vector<T>>(a);
                var vx = MemoryMarshal.Cast<T, Vector<T>>(x);
                var vw = new Vector<T>(w);
                for (int v = 0; v < va.Length; v++) va[v] += vw * (vx[v] - va[v]);
                j = va.Length * Vector<T>.Count;
            }
            for (; j < a.Length; j++) a[j] += w * (x[j] - a[j]);
        }

        /// <summary>
        /// <c>into[b, i, :] = factor[b, i, :] ∘ 1[x_b &gt; 0]</c>: every row of a factor <c>[B, k, n]</c> times its sample's
        /// ReLU derivative <c>[B, n]</c> (1 where the input is above 0, else 0), as products, so that a non-finite entry stays
        /// non-finite and the bits are those of torch's <c>factor * x.gt(0)</c>. One pass, no mask tensor.
        /// </summary>
        public static void TimesPositiveMask(Tensor factor, Tensor input, Tensor into)
        {
            if (factor.dtype == ScalarType.Float32) TimesPositiveMask<float>(factor, input, into);
            else TimesPositiveMask<double>(factor, input, into);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void TimesPositiveMask<T>(Tensor factor, Tensor input, Tensor into) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var shape = factor.shape; // one native call and array, not one per dimension
            int batch = (int)shape[0], rows = (int)shape[1], width = (int)shape[2];
            if (input.numel() != (long)batch * width || into.numel() != factor.numel())
                throw new ArgumentException("The factor [B, k, n], the input [B, n] and the result must agree.", nameof(input));
            ReadOnlySpan<T> r = Elements<T>(factor), x = Elements<T>(input);
            Span<T> result = Elements<T>(into);
            T[]? rented = null;
            Span<T> m = width <= 1024 ? stackalloc T[width] : (rented = System.Buffers.ArrayPool<T>.Shared.Rent(width)).AsSpan(0, width);
            try
            {
                for (int b = 0; b < batch; b++)
                {
                    var xb = x.Slice(b * width, width);
                    for (int j = 0; j < width; j++) m[j] = xb[j] > T.Zero ? T.One : T.Zero;
                    for (int i = 0; i < rows; i++)
                    {
                        int start = (b * rows + i) * width;
                        System.Numerics.Tensors.TensorPrimitives.Multiply(r.Slice(start, width), m, result.Slice(start, width));
                    }
                }
            }
            finally
            {
                if (rented is not null) System.Buffers.ArrayPool<T>.Shared.Return(rented);
            }
        }
    }
}
