using System;
using System.Buffers;
using System.Numerics;
using static TorchSharp.torch;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace MLNetRiemannian.Numerics
{
    /// <summary>
    /// The Woodbury direction <c>u = D⁻¹(g − Kᵀ S⁻¹ K D⁻¹ g)</c> of a dense layer with a Kronecker
    /// <c>D⁻¹ = diag(ρ) ⊗ diag(γ)</c> and a dense input (docs/method.md sections 3.1–3.2), with the three products that
    /// are GEMMs and the Cholesky factorization in torch and everything between them in managed code over the tensors'
    /// memory: about 14 tensor operations where the general path takes 46, for the same arithmetic.
    /// </summary>
    internal static class KroneckerWoodbury
    {
        /// <summary>Whether <see cref="TryDirection"/> applies: every tensor contiguous on the CPU and of one Float32 or Float64 type.</summary>
        public static bool Applies(Tensor input, Tensor factor, Tensor gradientWeight, Tensor gradientBias, Tensor rows, Tensor columns, Tensor weight, Tensor bias) =>
            FusedPasses.Applies(input, factor, gradientWeight, gradientBias, rows, columns, weight, bias);

        /// <summary>
        /// Writes u into (<paramref name="weight"/>, <paramref name="bias"/>) and returns true; returns false, having
        /// written nothing, when the inner system's Cholesky factorization fails in the layer's type (rounding, or a
        /// non-finite input): the caller then takes the general path, which retries with jitter or says what was not finite.
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
            input.dtype == ScalarType.Float32
                ? TryDirection<float>(input, factor, gradientWeight, gradientBias, rows, columns, weight, bias)
                : TryDirection<double>(input, factor, gradientWeight, gradientBias, rows, columns, weight, bias);

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
            for (int b = 0; b < batch; b++) TensorPrimitives.Multiply(x.Slice(b * inputs, inputs), gammaWeights, xg.Slice(b * inputs, inputs));

            // S = I + K D⁻¹ Kᵀ, S[(b,i),(c,j)] = (R_b diag(ρ) R_cᵀ)[i,j] · (x̃_b diag(γ) x̃_cᵀ): one GEMM, then the input
            // Gram's entries and the identity in one pass over S.
            var scaledFactor = empty(n, outputs, dtype: dtype);
            Span<T> rr = FusedPasses.Elements<T>(scaledFactor);
            for (int row = 0; row < n; row++) TensorPrimitives.Multiply(r.Slice(row * outputs, outputs), rho, rr.Slice(row * outputs, outputs));
            var flatFactor = factor.view(n, outputs);
            var s = scaledFactor.mm(flatFactor.t());
            var gramPool = ArrayPool<T>.Shared.Rent(batch * batch);
            try
            {
                var gram = gramPool.AsSpan(0, batch * batch);
                for (int b = 0; b < batch; b++)
                    for (int c = 0; c <= b; c++)
                        gram[b * batch + c] = gram[c * batch + b] = TensorPrimitives.Dot(xg.Slice(b * inputs, inputs), x.Slice(c * inputs, inputs)) + gammaBias;
                Span<T> sv = FusedPasses.Elements<T>(s);
                for (int b = 0; b < batch; b++)
                    for (int i = 0; i < k; i++)
                    {
                        var line = sv.Slice((b * k + i) * n, n);
                        for (int c = 0; c < batch; c++) TensorPrimitives.Multiply(line.Slice(c * k, k), gram[b * batch + c], line.Slice(c * k, k));
                        line[b * k + i] += T.One;
                    }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(gramPool);
            }

            // K D⁻¹ g: T_b = ρ ∘ (x_b diag(γ) g_Wᵀ + γ_bias g_b) by one GEMM, then (K D⁻¹ g)_b = R_b T_b.
            var product = scaledInput.mm(gradientWeight.t());
            Span<T> t = FusedPasses.Elements<T>(product);
            var rhs = empty(n, 1, dtype: dtype);
            Span<T> rv = FusedPasses.Elements<T>(rhs);
            for (int b = 0; b < batch; b++)
            {
                var tb = t.Slice(b * outputs, outputs);
                TensorPrimitives.MultiplyAdd(gb, gammaBias, tb, tb);
                TensorPrimitives.Multiply(tb, rho, tb);
                for (int i = 0; i < k; i++) rv[b * k + i] = TensorPrimitives.Dot(r.Slice((b * k + i) * outputs, outputs), tb);
            }

            var (lower, info) = linalg.cholesky_ex(s, check_errors: false);
            if (FusedPasses.Elements<int>(info)[0] != 0) return false;
            var v = cholesky_solve(rhs, lower, upper: false);
            ReadOnlySpan<T> vv = FusedPasses.Elements<T>(v);

            // Kᵀv = Pᵀ X̃ with P_b = v_bᵀ R_b: P in managed code, its weight part by one GEMM into u, its bias part summed.
            var p = zeros(batch, outputs, dtype: dtype);
            Span<T> pv = FusedPasses.Elements<T>(p), ub = FusedPasses.Elements<T>(bias);
            for (int b = 0; b < batch; b++)
            {
                var pb = pv.Slice(b * outputs, outputs);
                for (int i = 0; i < k; i++) TensorPrimitives.MultiplyAdd(r.Slice((b * k + i) * outputs, outputs), vv[b * k + i], pb, pb);
            }
            ub.Clear();
            for (int b = 0; b < batch; b++) TensorPrimitives.Add(ub, pv.Slice(b * outputs, outputs), ub);
            // β = 0 ignores u's old values, even non-finite ones.
            weight.addmm_(p.t(), input, beta: 0, alpha: 1);
            FusedPasses.KroneckerOfDifference(gradientWeight, gradientBias, weight, bias, rows, columns);
            return true;
        }
    }
}
