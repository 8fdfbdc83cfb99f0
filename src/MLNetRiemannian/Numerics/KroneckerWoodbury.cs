using System;
using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using static TorchSharp.torch;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace MLNetRiemannian.Numerics
{
    /// <summary>
    /// The Woodbury direction <c>u = D⁻¹(g − Kᵀ S⁻¹ K D⁻¹ g)</c> of a dense layer with a Kronecker
    /// <c>D⁻¹ = diag(ρ) ⊗ diag(γ)</c> and a dense input (docs/method.md sections 3.1–3.2), with the three products that
    /// are GEMMs in torch and everything between them in managed code over the tensors' memory, the inner system S
    /// assembled and factorized in Float64 (<see cref="SmallCholesky"/>): 12 tensors created for the 784→256 layer where
    /// the general path creates 46, for the same arithmetic. A small layer (at most <see cref="MaximumManagedWork"/> multiply-adds, e.g.
    /// 12→256 under one output) takes no tensor operation at all: its products run in managed code too, because there
    /// each torch call's fixed cost (a few microseconds, and a parallel region) is more than its arithmetic.
    /// </summary>
    internal static class KroneckerWoodbury
    {
        /// <summary>
        /// The most multiply-adds (S's Gram <c>n²·out/2</c>, the two products with the weights <c>2·B·in·out</c> and the
        /// factorization <c>n³/3</c>, with n = B·k) for which the whole solve runs in managed code (<see cref="ManagedProducts"/>).
        /// </summary>
        public const long MaximumManagedWork = 1L << 19;

        /// <summary>Whether a layer of these sizes takes the all-managed solve (<see cref="MaximumManagedWork"/>).</summary>
        /// <param name="batch">B, the curvature rows.</param>
        /// <param name="k">Factor rows per sample.</param>
        /// <param name="inputs">The layer's inputs.</param>
        /// <param name="outputs">The layer's outputs.</param>
        public static bool ManagedProducts(long batch, long k, long inputs, long outputs)
        {
            long n = batch * k;
            return n * n * outputs / 2 + 2 * batch * inputs * outputs + n * n * n / 3 <= MaximumManagedWork;
        }

        /// <summary>Whether <see cref="TryDirection(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)"/> applies: every tensor contiguous on the CPU and of one Float32 or Float64 type.</summary>
        public static bool Applies(Tensor input, Tensor factor, Tensor gradientWeight, Tensor gradientBias, Tensor rows, Tensor columns, Tensor weight, Tensor bias) =>
            FusedPasses.Applies(input, factor, gradientWeight, gradientBias, rows, columns, weight, bias);

        /// <summary>
        /// Writes u into (<paramref name="weight"/>, <paramref name="bias"/>) and returns true; returns false, having
        /// written nothing, when the inner system's Cholesky factorization fails in Float64 (rounding, or a non-finite
        /// input): the caller then takes the general path, which retries with jitter or says what was not finite.
        /// </summary>
        /// <param name="input">x, <c>[B, in]</c>.</param>
        /// <param name="factor">R, <c>[B, k, out]</c>.</param>
        /// <param name="gradientWeight">g_W, <c>[out, in]</c>.</param>
        /// <param name="gradientBias">g_b, <c>[out]</c>.</param>
        /// <param name="rows">ρ, <c>[out]</c>.</param>
        /// <param name="columns">γ, <c>[in + 1]</c> (the last for the bias).</param>
        /// <param name="weight">u_W, <c>[out, in]</c>, written.</param>
        /// <param name="bias">u_b, <c>[out]</c>, written.</param>
        public static bool TryDirection(Tensor input, Tensor factor, Tensor gradientWeight, Tensor gradientBias, Tensor rows, Tensor columns, Tensor weight, Tensor bias) =>
            TryDirection(input, factor, gradientWeight, gradientBias, rows, columns, weight, bias,
                ManagedProducts(input.shape[0], factor.shape[1], input.shape[1], factor.shape[2]));

        /// <summary><see cref="TryDirection(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)"/> with the
        /// products' place chosen by the caller (tests take both).</summary>
        internal static bool TryDirection(Tensor input, Tensor factor, Tensor gradientWeight, Tensor gradientBias, Tensor rows, Tensor columns, Tensor weight, Tensor bias,
            bool managedProducts) => (input.dtype == ScalarType.Float32, managedProducts) switch
            {
                (true, true) => TryDirectionManaged<float>(input, factor, gradientWeight, gradientBias, rows, columns, weight, bias),
                (true, false) => TryDirection<float>(input, factor, gradientWeight, gradientBias, rows, columns, weight, bias),
                (false, true) => TryDirectionManaged<double>(input, factor, gradientWeight, gradientBias, rows, columns, weight, bias),
                (false, false) => TryDirection<double>(input, factor, gradientWeight, gradientBias, rows, columns, weight, bias),
            };

        // The same arithmetic with no tensor operation: the products in the layer's type, S and its factorization in Float64.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static bool TryDirectionManaged<T>(Tensor input, Tensor factor, Tensor gradientWeight, Tensor gradientBias, Tensor rows, Tensor columns, Tensor weight, Tensor bias)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int batch = (int)input.shape[0], inputs = (int)input.shape[1], k = (int)factor.shape[1], outputs = (int)factor.shape[2], n = batch * k;
            ReadOnlySpan<T> x = FusedPasses.Elements<T>(input), r = FusedPasses.Elements<T>(factor), gw = FusedPasses.Elements<T>(gradientWeight);
            ReadOnlySpan<T> gb = FusedPasses.Elements<T>(gradientBias), rho = FusedPasses.Elements<T>(rows), gamma = FusedPasses.Elements<T>(columns);
            var gammaWeights = gamma.Slice(0, inputs);
            T gammaBias = gamma[inputs];

            var pool = ArrayPool<T>.Shared.Rent(batch * inputs + n * outputs + 2 * inputs * outputs + batch * outputs);
            var doublePool = ArrayPool<double>.Shared.Rent(batch * batch + n * n + n);
            try
            {
                var all = pool.AsSpan();
                Span<T> xg = all.Slice(0, batch * inputs), rr = all.Slice(batch * inputs, n * outputs);
                Span<T> transposed = all.Slice(batch * inputs + n * outputs, inputs * outputs), update = all.Slice(batch * inputs + n * outputs + inputs * outputs, inputs * outputs);
                Span<T> p = all.Slice(batch * inputs + n * outputs + 2 * inputs * outputs, batch * outputs);
                var doubles = doublePool.AsSpan();
                Span<double> gram = doubles.Slice(0, batch * batch), s = doubles.Slice(batch * batch, n * n), v = doubles.Slice(batch * batch + n * n, n);

                // X diag(γ) [B, in], R diag(ρ) [n, out], and the input Gram x̃_b diag(γ) x̃_cᵀ.
                ScaleRows(x, gammaWeights, xg);
                ScaleRows(r, rho, rr);
                InputGram(xg, x, gammaBias, batch, inputs, gram);

                // S = I + K D⁻¹ Kᵀ, its lower triangle: S[(b,i),(c,j)] = (R_b diag(ρ) R_cᵀ)[i,j] · gram[b,c].
                for (int row = 0; row < n; row++)
                {
                    var scaled = rr.Slice(row * outputs, outputs);
                    for (int column = 0; column <= row; column++)
                        s[row * n + column] = double.CreateTruncating(RowKernels.Dot(scaled, r.Slice(column * outputs, outputs))) * gram[(row / k) * batch + column / k];
                    s[row * n + row] += 1;
                }

                // K D⁻¹ g: T_b = ρ ∘ (g_W diag(γ) x_bᵀ + γ_bias g_b), accumulated over the inputs from g_Wᵀ's rows; then R_b T_b.
                for (int o = 0; o < outputs; o++)
                    for (int j = 0; j < inputs; j++) transposed[j * outputs + o] = gw[o * inputs + j];
                for (int b = 0; b < batch; b++)
                {
                    var tb = p.Slice(b * outputs, outputs);
                    TensorPrimitives.Multiply(gb, gammaBias, tb);
                    for (int j = 0; j < inputs; j++) RowKernels.MultiplyAdd(transposed.Slice(j * outputs, outputs), xg[b * inputs + j], tb);
                }
                FactorTimes(p, rho, r, batch, k, v);

                if (!SmallCholesky.Solve(s, n, v)) return false;

                // Kᵀv = Pᵀ X̃ with P_b = v_bᵀ R_b; its weight part accumulated as (Pᵀ X)ᵀ over the inputs, its bias part summed.
                FactorTransposedTimes(r, v, batch, k, p);
                update.Clear();
                for (int b = 0; b < batch; b++)
                    for (int j = 0; j < inputs; j++)
                        RowKernels.MultiplyAdd(p.Slice(b * outputs, outputs), x[b * inputs + j], update.Slice(j * outputs, outputs));
                Span<T> uw = FusedPasses.Elements<T>(weight), ub = FusedPasses.Elements<T>(bias);
                for (int o = 0; o < outputs; o++)
                    for (int j = 0; j < inputs; j++) uw[o * inputs + j] = update[j * outputs + o];
                SumRows(p, ub);
                FusedPasses.KroneckerOfDifference(gradientWeight, gradientBias, weight, bias, rows, columns);
                return true;
            }
            finally
            {
                ArrayPool<T>.Shared.Return(pool);
                ArrayPool<double>.Shared.Return(doublePool);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static bool TryDirection<T>(Tensor input, Tensor factor, Tensor gradientWeight, Tensor gradientBias, Tensor rows, Tensor columns, Tensor weight, Tensor bias)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            using var scope = NewDisposeScope();
            int batch = (int)input.shape[0], inputs = (int)input.shape[1], k = (int)factor.shape[1], outputs = (int)factor.shape[2], n = batch * k;
            var dtype = input.dtype;
            ReadOnlySpan<T> x = FusedPasses.Elements<T>(input), r = FusedPasses.Elements<T>(factor), gb = FusedPasses.Elements<T>(gradientBias);
            ReadOnlySpan<T> rho = FusedPasses.Elements<T>(rows), gamma = FusedPasses.Elements<T>(columns);
            var gammaWeights = gamma.Slice(0, inputs);
            T gammaBias = gamma[inputs];

            // X diag(γ), [B, in]: the column factor scales the B input rows, not the out × in gradient.
            var scaledInput = empty(batch, inputs, dtype: dtype);
            Span<T> xg = FusedPasses.Elements<T>(scaledInput);
            ScaleRows(x, gammaWeights, xg);

            // S = I + K D⁻¹ Kᵀ, S[(b,i),(c,j)] = (R_b diag(ρ) R_cᵀ)[i,j] · (x̃_b diag(γ) x̃_cᵀ): the first factor by one GEMM,
            // then S's lower triangle in Float64 with the input Gram's entries and the identity, factorized and solved there
            // (SmallCholesky), as the all-managed path does. Torch's Cholesky and solve of the 160 × 160 system (784→256,
            // 16 rows × 10 outputs) took 0.36–0.54 ms a step in Fashion-MNIST's fit loop, most of it waking libtorch's
            // second thread, against about 0.2 ms here.
            var scaledFactor = empty(n, outputs, dtype: dtype);
            Span<T> rr = FusedPasses.Elements<T>(scaledFactor);
            ScaleRows(r, rho, rr);
            var flatFactor = factor.view(n, outputs);
            ReadOnlySpan<T> sv = FusedPasses.Elements<T>(scaledFactor.mm(flatFactor.t()));

            // K D⁻¹ g: T_b = ρ ∘ (x_b diag(γ) g_Wᵀ + γ_bias g_b) by one GEMM, then (K D⁻¹ g)_b = R_b T_b. The GEMM runs as
            // g_W (X diag(γ))ᵀ, [out, B], g_W untransposed: 784→256 at B = 16 on 2 threads took 57–64 µs against 69–110
            // for X diag(γ) g_Wᵀ; its B columns are laid out as rows in managed code (B·out values).
            ReadOnlySpan<T> productTransposed = FusedPasses.Elements<T>(gradientWeight.mm(scaledInput.t()));

            var p = empty(batch, outputs, dtype: dtype);
            Span<T> pv = FusedPasses.Elements<T>(p), ub = FusedPasses.Elements<T>(bias);
            var productPool = ArrayPool<T>.Shared.Rent(batch * outputs);
            var doublePool = ArrayPool<double>.Shared.Rent(batch * batch + n * n + n);
            try
            {
                var doubles = doublePool.AsSpan();
                Span<double> gram = doubles.Slice(0, batch * batch), system = doubles.Slice(batch * batch, n * n), v = doubles.Slice(batch * batch + n * n, n);
                InputGram<T>(xg, x, gammaBias, batch, inputs, gram);
                for (int row = 0; row < n; row++)
                {
                    var line = sv.Slice(row * n, row + 1);
                    var gramRow = gram.Slice((row / k) * batch, batch);
                    var into = system.Slice(row * n, row + 1);
                    for (int column = 0; column <= row; column++) into[column] = double.CreateTruncating(line[column]) * gramRow[column / k];
                    into[row] += 1;
                }

                Span<T> t = productPool.AsSpan(0, batch * outputs);
                for (int o = 0; o < outputs; o++)
                    for (int b = 0; b < batch; b++) t[b * outputs + o] = productTransposed[o * batch + b];
                for (int b = 0; b < batch; b++)
                {
                    var tb = t.Slice(b * outputs, outputs);
                    TensorPrimitives.MultiplyAdd(gb, gammaBias, tb, tb);
                }
                FactorTimes<T>(t, rho, r, batch, k, v);

                if (!SolveInnerSystem<T>(system, n, v, dtype)) return false;

                // Kᵀv = Pᵀ X̃ with P_b = v_bᵀ R_b: P in managed code, its weight part by one GEMM into u, its bias part summed.
                FactorTransposedTimes<T>(r, v, batch, k, pv);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(productPool);
                ArrayPool<double>.Shared.Return(doublePool);
            }
            SumRows(pv, ub);
            // Pᵀ laid out contiguously: the GEMM with a transposed view as its left operand took about twice as long
            // (784→256 at B = 16 on 2 threads: 0.21–0.32 ms against 0.12–0.15).
            var transposed = empty(outputs, batch, dtype: dtype);
            Span<T> pt = FusedPasses.Elements<T>(transposed);
            for (int b = 0; b < batch; b++)
                for (int o = 0; o < outputs; o++) pt[o * batch + b] = pv[b * outputs + o];
            // u is cleared first (so its old values, even non-finite ones, are ignored) and the product added with β = 1:
            // MKL's β = 0 path took twice as long on this thin product (784→256 at B = 16 on 2 threads: 131–151 µs against 66).
            FusedPasses.Clear(weight);
            weight.addmm_(transposed, input, beta: 1, alpha: 1);
            FusedPasses.KroneckerOfDifference(gradientWeight, gradientBias, weight, bias, rows, columns);
            return true;
        }

        /// <summary>
        /// The most rows of S factorized in managed code. Beyond, LAPACK's blocked factorization is the faster: in a tight
        /// loop on 2 threads, factorization and solve took 0.15–0.20 ms managed against torch's (Float32) 0.13–0.20 at 160
        /// rows, 0.52 against 0.48 at 256, 1.7 against 1.2 at 384, 8.9 against 3.2 at 640; inside a step, where torch's
        /// call first wakes its second thread, torch's took 0.36–0.54 ms at 160.
        /// </summary>
        public const int MaximumManagedFactorization = 256;

        /// <summary>
        /// Solves <c>S v = rhs</c> in place in <paramref name="v"/> from S's lower triangle (row-major, <c>[n, n]</c>, Float64):
        /// <see cref="SmallCholesky"/> up to <see cref="MaximumManagedFactorization"/> rows, torch's Cholesky in the layer's
        /// type beyond. False when the factorization fails or the solution is not finite.
        /// </summary>
        private static bool SolveInnerSystem<T>(Span<double> system, int n, Span<double> v, ScalarType dtype) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (n <= MaximumManagedFactorization) return SmallCholesky.Solve(system, n, v);
            using var scope = NewDisposeScope();
            var s = empty(n, n, dtype: dtype);
            var rhs = empty(n, 1, dtype: dtype);
            Span<T> sv = FusedPasses.Elements<T>(s), rv = FusedPasses.Elements<T>(rhs);
            for (int row = 0; row < n; row++)
            {
                for (int column = 0; column <= row; column++) sv[row * n + column] = T.CreateTruncating(system[row * n + column]);
                rv[row] = T.CreateTruncating(v[row]);
            }
            var (lower, info) = linalg.cholesky_ex(s, check_errors: false); // reads the lower triangle only
            if (FusedPasses.Elements<int>(info)[0] != 0) return false;
            ReadOnlySpan<T> solution = FusedPasses.Elements<T>(cholesky_solve(rhs, lower, upper: false));
            for (int i = 0; i < n; i++)
            {
                if (!T.IsFinite(solution[i])) return false;
                v[i] = double.CreateTruncating(solution[i]);
            }
            return true;
        }

        /// <summary>The input Gram <c>gram[b,c] = x̃_b diag(γ) x̃_cᵀ</c> (γ's last entry for the bias column), <c>[B, B]</c> in Float64, from X diag(γ) and X.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void InputGram<T>(ReadOnlySpan<T> scaledInput, ReadOnlySpan<T> input, T gammaBias, int batch, int inputs, Span<double> gram)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int b = 0; b < batch; b++)
                for (int c = 0; c <= b; c++)
                    gram[b * batch + c] = gram[c * batch + b] = double.CreateTruncating(RowKernels.Dot(scaledInput.Slice(b * inputs, inputs), input.Slice(c * inputs, inputs)) + gammaBias);
        }

        /// <summary>
        /// <c>K D⁻¹ g</c> from <c>T_b = g_W diag(γ) x_bᵀ + γ_bias g_b</c> (the rows of <paramref name="t"/>, <c>[B, out]</c>, scaled by ρ in
        /// place): <c>v_(b,i) = R_(b,i) · (ρ ∘ T_b)</c>, <c>[B·k]</c> in Float64.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void FactorTimes<T>(Span<T> t, ReadOnlySpan<T> rho, ReadOnlySpan<T> factor, int batch, int k, Span<double> v)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int outputs = rho.Length;
            for (int b = 0; b < batch; b++)
            {
                var tb = t.Slice(b * outputs, outputs);
                TensorPrimitives.Multiply(tb, rho, tb);
                for (int i = 0; i < k; i++) v[b * k + i] = double.CreateTruncating(RowKernels.Dot(factor.Slice((b * k + i) * outputs, outputs), tb));
            }
        }

        /// <summary><c>P_b = v_bᵀ R_b</c> for each sample b, into the rows of <paramref name="p"/> (<c>[B, out]</c>, overwritten).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void FactorTransposedTimes<T>(ReadOnlySpan<T> factor, ReadOnlySpan<double> v, int batch, int k, Span<T> p)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int outputs = p.Length / batch;
            p.Clear();
            for (int b = 0; b < batch; b++)
            {
                var pb = p.Slice(b * outputs, outputs);
                for (int i = 0; i < k; i++) RowKernels.MultiplyAdd(factor.Slice((b * k + i) * outputs, outputs), T.CreateTruncating(v[b * k + i]), pb);
            }
        }

        /// <summary>Each row of <paramref name="rows"/> (rows of <paramref name="factor"/>'s length) times <paramref name="factor"/>, elementwise, into the same row of <paramref name="into"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void ScaleRows<T>(ReadOnlySpan<T> rows, ReadOnlySpan<T> factor, Span<T> into) where T : unmanaged, IFloatingPointIeee754<T>
        {
            int width = factor.Length;
            for (int start = 0; start < into.Length; start += width) TensorPrimitives.Multiply(rows.Slice(start, width), factor, into.Slice(start, width));
        }

        /// <summary>The sum of the rows of <paramref name="rows"/> (rows of <paramref name="into"/>'s length), into <paramref name="into"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void SumRows<T>(ReadOnlySpan<T> rows, Span<T> into) where T : unmanaged, IFloatingPointIeee754<T>
        {
            into.Clear();
            for (int start = 0; start < rows.Length; start += into.Length) TensorPrimitives.Add(into, rows.Slice(start, into.Length), into);
        }
    }
}