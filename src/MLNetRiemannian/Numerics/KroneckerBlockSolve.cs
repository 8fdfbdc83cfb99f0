using System;
using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using static TorchSharp.torch;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace MLNetRiemannian.Numerics
{
    /// <summary>
    /// The Woodbury direction of a dense layer whose factor is <c>R_b = √ω_b·I</c> (the output layer under the identity
    /// output metric) and whose <c>D⁻¹ = diag(ρ) ⊗ diag(γ)</c>, in managed code (docs/method.md section 3.4):
    /// <c>S</c> is block diagonal, <c>S_i = I_B + ρ_i M</c> with <c>M = Ω^{1/2} X̃ diag(γ) X̃ᵀ Ω^{1/2}</c>, so
    /// <c>v_i = S_i⁻¹ (K D⁻¹ g)_i</c> is one <c>B × B</c> Cholesky solve per output, and <c>u = D⁻¹(g − Kᵀv)</c>.
    /// </summary>
    /// <remarks>
    /// The same arithmetic as the torch path (one eigendecomposition of M shared by the blocks), for the small systems
    /// where a torch call's fixed cost is most of the work: about 35 tensor operations become three products over the
    /// layer's weights (each row once in the L1 cache) and <c>out</c> Cholesky factorizations of <c>B × B</c> in Float64.
    /// The products run in the layer's type (as the torch path's do); M and the blocks in Float64.
    /// </remarks>
    internal static class KroneckerBlockSolve
    {
        /// <summary>Most multiply-adds of the blocks' factorizations (out · B³/3) for which the managed solve is used.</summary>
        public const long MaximumBlockWork = 1L << 20;

        /// <summary>
        /// Whether <see cref="TryDirection"/> applies: every tensor contiguous on the CPU, of one Float32 or Float64 type,
        /// and the blocks small (<see cref="MaximumBlockWork"/>).
        /// </summary>
        public static bool Applies(Tensor input, Tensor root, Tensor gradientWeight, Tensor gradientBias, Tensor rows, Tensor columns, Tensor weight, Tensor bias)
        {
            long batch = input.shape[0], outputs = gradientWeight.shape[0];
            return FusedPasses.Applies(input, root, gradientWeight, gradientBias, rows, columns, weight, bias)
                   && outputs * batch * batch * batch / 3 <= MaximumBlockWork;
        }

        /// <summary>
        /// Writes <c>u = D⁻¹(g − Kᵀv)</c> into (<paramref name="weight"/>, <paramref name="bias"/>) and returns true; returns
        /// false, having written nothing, when a block's factorization meets a pivot that is not positive and finite (a
        /// non-finite input, or rounding that left <c>I + ρ_i M</c> indefinite): the caller then takes the torch path, which
        /// says which.
        /// </summary>
        /// <param name="input">X, <c>[B, in]</c>.</param>
        /// <param name="root">√ω, <c>[B]</c>.</param>
        /// <param name="gradientWeight">g_W, <c>[out, in]</c>.</param>
        /// <param name="gradientBias">g_b, <c>[out]</c>.</param>
        /// <param name="rows">ρ, <c>[out]</c>.</param>
        /// <param name="columns">γ, <c>[in + 1]</c> (the last for the bias).</param>
        /// <param name="weight">u_W, <c>[out, in]</c>, written.</param>
        /// <param name="bias">u_b, <c>[out]</c>, written.</param>
        public static bool TryDirection(Tensor input, Tensor root, Tensor gradientWeight, Tensor gradientBias, Tensor rows, Tensor columns, Tensor weight, Tensor bias) =>
            input.dtype == ScalarType.Float32
                ? TryDirection<float>(input, root, gradientWeight, gradientBias, rows, columns, weight, bias)
                : TryDirection<double>(input, root, gradientWeight, gradientBias, rows, columns, weight, bias);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static bool TryDirection<T>(Tensor input, Tensor root, Tensor gradientWeight, Tensor gradientBias, Tensor rows, Tensor columns, Tensor weight, Tensor bias)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int batch = (int)input.shape[0], inputs = (int)input.shape[1], outputs = (int)gradientWeight.shape[0];
            ReadOnlySpan<T> x = FusedPasses.Elements<T>(input), omega = FusedPasses.Elements<T>(root);
            ReadOnlySpan<T> gw = FusedPasses.Elements<T>(gradientWeight), gb = FusedPasses.Elements<T>(gradientBias);
            ReadOnlySpan<T> rho = FusedPasses.Elements<T>(rows), gamma = FusedPasses.Elements<T>(columns);
            var gammaWeights = gamma.Slice(0, inputs);
            double gammaBias = double.CreateTruncating(gamma[inputs]);

            var scaledPool = ArrayPool<T>.Shared.Rent(batch * inputs);
            var doublePool = ArrayPool<double>.Shared.Rent(2 * batch * batch + 2 * outputs * batch + batch);
            try
            {
                // X diag(γ), [B, in].
                var scaled = scaledPool.AsSpan(0, batch * inputs);
                for (int b = 0; b < batch; b++) TensorPrimitives.Multiply(x.Slice(b * inputs, inputs), gammaWeights, scaled.Slice(b * inputs, inputs));

                var all = doublePool.AsSpan();
                Span<double> m = all.Slice(0, batch * batch), block = all.Slice(batch * batch, batch * batch);
                Span<double> rhs = all.Slice(2 * batch * batch, outputs * batch), p = all.Slice(2 * batch * batch + outputs * batch, outputs * batch);
                Span<double> w = all.Slice(2 * batch * batch + 2 * outputs * batch, batch);
                for (int b = 0; b < batch; b++) w[b] = double.CreateTruncating(omega[b]);

                // M[b, c] = √ω_b √ω_c (x_b diag(γ) x_cᵀ + γ_bias).
                for (int b = 0; b < batch; b++)
                    for (int c = 0; c <= b; c++)
                        m[b * batch + c] = m[c * batch + b] = w[b] * w[c] * (double.CreateTruncating(RowKernels.Dot(scaled.Slice(b * inputs, inputs), x.Slice(c * inputs, inputs))) + gammaBias);

                // (K D⁻¹ g)_{b,i} = √ω_b ρ_i (x_b diag(γ) g_iᵀ + γ_bias g_{b,i}), held per output: rhs[i, b].
                for (int i = 0; i < outputs; i++)
                {
                    var g = gw.Slice(i * inputs, inputs);
                    double r = double.CreateTruncating(rho[i]), bi = gammaBias * double.CreateTruncating(gb[i]);
                    for (int b = 0; b < batch; b++)
                        rhs[i * batch + b] = w[b] * r * (double.CreateTruncating(RowKernels.Dot(scaled.Slice(b * inputs, inputs), g)) + bi);
                }

                // v_i = (I + ρ_i M)⁻¹ rhs_i, then P[i, b] = √ω_b v_{i,b}.
                for (int i = 0; i < outputs; i++)
                {
                    double r = double.CreateTruncating(rho[i]);
                    for (int e = 0; e < batch * batch; e++) block[e] = r * m[e];
                    for (int b = 0; b < batch; b++) block[b * batch + b] += 1;
                    var v = p.Slice(i * batch, batch);
                    rhs.Slice(i * batch, batch).CopyTo(v);
                    if (!SmallCholesky.Solve(block, batch, v)) return false;
                    for (int b = 0; b < batch; b++) v[b] *= w[b];
                }

                // u_i = ρ_i (g_i − Σ_b P[i, b] x_b) ∘ γ, u_b,i = ρ_i γ_bias (g_b,i − Σ_b P[i, b]).
                Span<T> uw = FusedPasses.Elements<T>(weight), ub = FusedPasses.Elements<T>(bias);
                for (int i = 0; i < outputs; i++)
                {
                    var row = uw.Slice(i * inputs, inputs);
                    gw.Slice(i * inputs, inputs).CopyTo(row);
                    double sum = 0;
                    for (int b = 0; b < batch; b++)
                    {
                        double pb = p[i * batch + b];
                        sum += pb;
                        RowKernels.MultiplyAdd(x.Slice(b * inputs, inputs), T.CreateTruncating(-pb), row);
                    }
                    TensorPrimitives.Multiply(row, gammaWeights, row);
                    TensorPrimitives.Multiply(row, rho[i], row);
                    ub[i] = T.CreateTruncating(double.CreateTruncating(rho[i]) * gammaBias * (double.CreateTruncating(gb[i]) - sum));
                }
                return true;
            }
            finally
            {
                ArrayPool<T>.Shared.Return(scaledPool);
                ArrayPool<double>.Shared.Return(doublePool);
            }
        }
    }
}
