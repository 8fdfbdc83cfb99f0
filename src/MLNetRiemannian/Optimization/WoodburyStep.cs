using System;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Optimization
{
    /// <summary>
    /// Algorithm 1, step 2, for one dense layer: <c>u = G⁻¹ g</c> with <c>G = Kᵀ K + D</c>, through the Woodbury
    /// identity <c>G⁻¹ = D⁻¹ − D⁻¹ Kᵀ (I + K D⁻¹ Kᵀ)⁻¹ K D⁻¹</c>, so that only a <c>(B·k) × (B·k)</c> system is solved.
    /// </summary>
    /// <remarks>
    /// K (<c>B·k × out·(in+1)</c>, rows <c>R_b[i,:] ⊗ x̃_b</c>) is never formed for scalar and Kronecker masses; with
    /// <c>x̃ = [x; 1]</c> and <c>D⁻¹ = diag(ρ) ⊗ diag(γ)</c> (docs/method.md section 3.2):
    /// <list type="bullet">
    /// <item><c>(K D⁻¹ Kᵀ)[(b,i),(b',j)] = (R_b diag(ρ) R_{b'}ᵀ)[i,j] · (x̃_b diag(γ) x̃_{b'})</c>: two GEMMs and a product;</item>
    /// <item><c>(K V)_b = R_b (V_W x_b + V_b)</c>: one GEMM and a batched matrix-vector product;</item>
    /// <item><c>Kᵀ v = (Σ_b R_bᵀ v_b x̃_bᵀ) = Pᵀ X̃</c> with <c>P_b = v_bᵀ R_b</c>: one GEMM.</item>
    /// </list>
    /// A general diagonal mass forms K explicitly for <c>K D⁻¹ Kᵀ</c> only. Each mass builds its own Grams
    /// (<see cref="MassInverse"/>); the input may be sparse (<see cref="InputBatch"/>), every product with it stays a GEMM.
    /// </remarks>
    internal static class WoodburyStep
    {
        /// <summary>
        /// Returns <c>G⁻¹ g</c> for the layer, shaped like its (weight, bias).
        /// </summary>
        /// <param name="atom">The layer (its mass gives D).</param>
        /// <param name="input">x, <c>[B, in]</c>, dense or sparse.</param>
        /// <param name="factor">R, <c>[B, k, out]</c>: the output metric's factor pulled back to the layer's output, each sample's rows already scaled by the square root of its weight in the batch mean.</param>
        /// <param name="gradientWeight">∂ℓ/∂W, <c>[out, in]</c>.</param>
        /// <param name="gradientBias">∂ℓ/∂b, <c>[out]</c>.</param>
        /// <param name="precision">Precision of the inner system.</param>
        /// <param name="events">Counts jitter retries and Float64 fallbacks of the inner Cholesky factorization.</param>
        /// <param name="reportCondition">When given, receives the estimated condition number of S (diagnostics; costs extra work).</param>
        public static (Tensor Weight, Tensor Bias) Direction(
            Dense atom, InputBatch input, Tensor factor, Tensor gradientWeight, Tensor gradientBias, SolvePrecision precision, NumericalEvents events,
            Action<double>? reportCondition = null)
        {
            using var scope = NewDisposeScope();
            var layerType = gradientWeight.dtype;
            var solveType = precision == SolvePrecision.Double ? ScalarType.Float64 : layerType;
            var mass = atom.MassInverse;
            long batch = factor.shape[0], rows = factor.shape[1], outputs = factor.shape[2], n = batch * rows;

            var (aWeight, aBias) = mass.Apply(gradientWeight, gradientBias); // A = D⁻¹ g
            var r = factor.to_type(solveType).contiguous();
            var x = input.ToType(solveType);

            // S = I + K D⁻¹ Kᵀ (Algorithm 1, step 2).
            var s = mass.Gram(r, x);
            s.diagonal().add_(1);

            // K A: T_b = A_W x_b + A_b, then (K A)_b = R_b T_b.
            var t = x.TimesTransposed(aWeight.to_type(solveType)).add_(aBias.to_type(solveType));
            var rhs = r.bmm(t.unsqueeze(2)).view(n, 1);

            var cholesky = RobustCholesky.Factor(s, $"inner system of the {atom.InputSize}→{atom.OutputSize} layer", events);
            reportCondition?.Invoke(InnerSystemCondition.Estimate(s));
            var v = cholesky_solve(rhs.to_type(cholesky.dtype), cholesky, upper: false).to_type(solveType).view(batch, 1, rows);

            // Kᵀ v = Pᵀ X̃ with P_b = v_bᵀ R_b.
            var p = v.bmm(r).view(batch, outputs);
            var (kWeight, kBias) = mass.Apply(x.TransposedTimes(p).to_type(layerType), p.sum(dim: 0).to_type(layerType));
            return (aWeight.sub_(kWeight).MoveToOuterDisposeScope(), aBias.sub_(kBias).MoveToOuterDisposeScope());
        }

        /// <summary>
        /// <see cref="Direction"/> for a layer whose factor is <c>R_b = √ω_b · I</c>: the output layer under the identity
        /// output metric. Then <c>S</c> is block diagonal over the outputs, <c>S_i = I_B + ρ_i · Ω^{1/2} X̃ diag(γ) X̃ᵀ Ω^{1/2}</c>
        /// (<c>D⁻¹ = diag(ρ) ⊗ diag(γ)</c>; a scalar mass has one block for all), so one <c>B × B</c> Cholesky
        /// factorization (or <c>d</c> of them, batched) replaces the <c>B·d × B·d</c> one.
        /// </summary>
        /// <param name="atom">The layer; its mass must be scalar or Kronecker.</param>
        /// <param name="input">x, <c>[B, in]</c>, dense or sparse.</param>
        /// <param name="scale">√ω, <c>[B]</c>: the square roots of the samples' weights in the batch mean.</param>
        /// <param name="gradientWeight">∂ℓ/∂W, <c>[out, in]</c>.</param>
        /// <param name="gradientBias">∂ℓ/∂b, <c>[out]</c>.</param>
        /// <param name="precision">Precision of the inner system.</param>
        /// <param name="events">Counts jitter retries and Float64 fallbacks of the inner Cholesky factorization.</param>
        /// <param name="reportCondition">When given, receives the condition number of S (exact here, from the blocks' eigenvalues).</param>
        public static (Tensor Weight, Tensor Bias) DirectionForIdentityFactor(
            Dense atom, InputBatch input, Tensor scale, Tensor gradientWeight, Tensor gradientBias, SolvePrecision precision, NumericalEvents events,
            Action<double>? reportCondition = null)
        {
            using var scope = NewDisposeScope();
            var layerType = gradientWeight.dtype;
            var solveType = precision == SolvePrecision.Double ? ScalarType.Float64 : layerType;
            var mass = atom.MassInverse;
            var x = input.ToType(solveType);
            var root = scale.to_type(solveType).unsqueeze(1);

            var (aWeight, aBias) = mass.Apply(gradientWeight, gradientBias); // A = D⁻¹ g
            // (K A)_{b,i} = √ω_b (A_W x_b + A_b)_i, [B, d].
            var rhs = x.TimesTransposed(aWeight.to_type(solveType)).add_(aBias.to_type(solveType)).mul_(root);
            // S_i = I + ρ_i Ω^{1/2} X̃ diag(γ) X̃ᵀ Ω^{1/2}: one block for all outputs (a scalar mass) or one per output.
            var system = mass.IdentityFactorSystem(x, root);
            var cholesky = RobustCholesky.Factor(system, $"inner system of the {atom.InputSize}→{atom.OutputSize} layer", events);
            reportCondition?.Invoke(Condition(system));
            var v = system.dim() == 2
                ? cholesky_solve(rhs.to_type(cholesky.dtype), cholesky, upper: false).to_type(solveType)
                : cholesky_solve(rhs.t().unsqueeze(2).to_type(cholesky.dtype), cholesky, upper: false).squeeze(2).t().to_type(solveType);

            // Kᵀ v = Pᵀ X̃ with P_b = √ω_b v_b.
            var p = v.mul_(root);
            var (kWeight, kBias) = mass.Apply(x.TransposedTimes(p).to_type(layerType), p.sum(dim: 0).to_type(layerType));
            return (aWeight.sub_(kWeight).MoveToOuterDisposeScope(), aBias.sub_(kBias).MoveToOuterDisposeScope());
        }

        /// <summary>λ_max / λ_min over one symmetric matrix or a batch of them (the blocks of a block-diagonal one).</summary>
        private static double Condition(Tensor blocks)
        {
            var eigenvalues = linalg.eigvalsh(blocks.to_type(ScalarType.Float64));
            return (eigenvalues.max() / eigenvalues.min()).item<double>();
        }
    }
}
