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
    /// The direction is assembled as <c>u = D⁻¹ (g − Kᵀ v)</c> with <c>v = S⁻¹ K D⁻¹ g</c>, so <c>D⁻¹</c> touches the
    /// <c>out × in</c> gradient once, and for a Kronecker mass <c>K D⁻¹ g</c> scales the B input rows instead.
    /// A general diagonal mass forms K explicitly for <c>K D⁻¹ Kᵀ</c> only. Each mass builds its own Grams
    /// (<see cref="MassInverse"/>); the input may be sparse (<see cref="InputBatch"/>), every product with it stays a GEMM.
    /// </remarks>
    internal static class WoodburyStep
    {
        /// <summary>
        /// Returns <c>G⁻¹ g</c> for the layer, shaped like its (weight, bias).
        /// </summary>
        /// <param name="atom">The layer.</param>
        /// <param name="mass">The step's <c>D⁻¹</c> for the layer.</param>
        /// <param name="input">x, <c>[B, in]</c>, dense or sparse.</param>
        /// <param name="factor">R, <c>[B, k, out]</c>: the output metric's factor pulled back to the layer's output, each sample's rows already scaled by the square root of its weight in the batch mean.</param>
        /// <param name="gradientWeight">∂ℓ/∂W, <c>[out, in]</c>.</param>
        /// <param name="gradientBias">∂ℓ/∂b, <c>[out]</c>.</param>
        /// <param name="precision">Precision of the inner system.</param>
        /// <param name="events">Counts jitter retries and Float64 fallbacks of the inner Cholesky factorization.</param>
        /// <param name="reportCondition">When given, receives the estimated condition number of S (diagnostics; costs extra work).</param>
        /// <param name="into">
        /// When given, u is written into this pair (of the gradient's shapes and type, not the gradient itself) and returned,
        /// so the step allocates nothing of parameter size; else u is a new pair in the caller's dispose scope.
        /// </param>
        public static (Tensor Weight, Tensor Bias) Direction(
            Dense atom, MassInverse mass, InputBatch input, Tensor factor, Tensor gradientWeight, Tensor gradientBias, SolvePrecision precision, NumericalEvents events,
            Action<double>? reportCondition = null, (Tensor Weight, Tensor Bias)? into = null)
        {
            using var scope = NewDisposeScope();
            var layerType = gradientWeight.dtype;
            if (ManagedPathApplies(reportCondition, precision, layerType) && factor.dtype == layerType)
            {
                var u = into ?? (empty_like(gradientWeight), empty_like(gradientBias));
                if (mass.TryDirection(input, factor.contiguous(), gradientWeight, gradientBias, u.Weight, u.Bias)) return into ?? Outward(u);
            }
            var solveType = precision == SolvePrecision.Double ? ScalarType.Float64 : layerType;
            long batch = factor.shape[0], rows = factor.shape[1], outputs = factor.shape[2], n = batch * rows;

            var r = factor.to_type(solveType).contiguous();
            var x = input.ToType(solveType);
            var g = (gradientWeight.to_type(solveType), gradientBias.to_type(solveType));

            // S = I + K D⁻¹ Kᵀ (Algorithm 1, step 2).
            var s = mass.Gram(r, x);
            s.diagonal().add_(1);

            // K D⁻¹ g: T_b = (D⁻¹g)_W x_b + (D⁻¹g)_b, then (K D⁻¹ g)_b = R_b T_b.
            var t = mass.InputProduct(x, g.Item1, g.Item2);
            var rhs = r.bmm(t.unsqueeze(2)).view(n, 1);

            var cholesky = RobustCholesky.Factor(s, $"inner system of the {atom.InputSize}→{atom.OutputSize} layer", events);
            reportCondition?.Invoke(InnerSystemCondition.Estimate(s));
            var v = cholesky_solve(rhs.to_type(cholesky.dtype), cholesky, upper: false).to_type(solveType).view(batch, 1, rows);

            // u = D⁻¹ (g − Kᵀ v), Kᵀ v = Pᵀ X̃ with P_b = v_bᵀ R_b: D⁻¹ is applied once, to the difference.
            var p = v.bmm(r).view(batch, outputs);
            return Finish(mass, x, g, p, (gradientWeight, gradientBias), into);
        }

        /// <summary>
        /// <c>D⁻¹ (g − Pᵀ X̃)</c> in the layer's dtype: into <paramref name="into"/> when given (<c>Pᵀ X̃</c> by a GEMM into
        /// it, then <c>D⁻¹</c> of the difference in one pass), else moved to the caller's dispose scope.
        /// </summary>
        private static (Tensor Weight, Tensor Bias) Finish(MassInverse mass, InputBatch x, (Tensor Weight, Tensor Bias) g, Tensor p,
            (Tensor Weight, Tensor Bias) gradient, (Tensor Weight, Tensor Bias)? into)
        {
            var layerType = gradient.Weight.dtype;
            if (into is { } u)
            {
                if (p.dtype != layerType) (x, p) = (x.ToType(layerType), p.to_type(layerType));
                x.TransposedTimesInto(u.Weight, p);
                u.Bias.copy_(p.sum(dim: 0));
                mass.ApplyToDifference(gradient.Weight, gradient.Bias, u.Weight, u.Bias);
                return u;
            }
            return Outward(mass.ApplyInPlace(x.MinusTransposedTimes(g.Weight, p).to_type(layerType), (g.Bias - p.sum(dim: 0)).to_type(layerType)));
        }

        /// <summary>A pair moved to the caller's dispose scope.</summary>
        private static (Tensor Weight, Tensor Bias) Outward((Tensor Weight, Tensor Bias) u) => (u.Weight.MoveToOuterDisposeScope(), u.Bias.MoveToOuterDisposeScope());

        /// <summary>
        /// Whether the mass's managed path (<see cref="MassInverse.TryDirection"/>, <see cref="MassInverse.TryIdentityFactorDirection"/>)
        /// may serve: it does the same arithmetic in the layer's type (the output layer's blocks in Float64), so it serves the
        /// layer's own precision or a Float64 layer; diagnostics (which want S's condition number) take the torch path.
        /// </summary>
        private static bool ManagedPathApplies(Action<double>? reportCondition, SolvePrecision precision, ScalarType layerType) =>
            reportCondition is null && (precision == SolvePrecision.Single || layerType == ScalarType.Float64);

        /// <summary>
        /// <see cref="Direction"/> for a layer whose factor is <c>R_b = √ω_b · I</c>: the output layer under the identity
        /// output metric. Then <c>S</c> is block diagonal over the outputs, <c>S_i = I_B + ρ_i · Ω^{1/2} X̃ diag(γ) X̃ᵀ Ω^{1/2}</c>
        /// (<c>D⁻¹ = diag(ρ) ⊗ diag(γ)</c>; a scalar mass has one block for all). The blocks share <c>M = Ω^{1/2} X̃ diag(γ)
        /// X̃ᵀ Ω^{1/2} = QΛQᵀ</c>, so one eigendecomposition of a <c>B × B</c> matrix solves them all,
        /// <c>S_i⁻¹ = Q (I + ρ_i Λ)⁻¹ Qᵀ</c>, in place of the <c>B·d × B·d</c> factorization.
        /// </summary>
        /// <param name="atom">The layer.</param>
        /// <param name="mass">The step's <c>D⁻¹</c> for the layer: scalar or Kronecker.</param>
        /// <param name="input">x, <c>[B, in]</c>, dense or sparse.</param>
        /// <param name="scale">√ω, <c>[B]</c>: the square roots of the samples' weights in the batch mean.</param>
        /// <param name="gradientWeight">∂ℓ/∂W, <c>[out, in]</c>.</param>
        /// <param name="gradientBias">∂ℓ/∂b, <c>[out]</c>.</param>
        /// <param name="precision">Precision of the inner system.</param>
        /// <param name="reportCondition">When given, receives the condition number of S (exact here, from the blocks' eigenvalues).</param>
        /// <param name="into">As for <see cref="Direction"/>.</param>
        public static (Tensor Weight, Tensor Bias) DirectionForIdentityFactor(
            Dense atom, MassInverse mass, InputBatch input, Tensor scale, Tensor gradientWeight, Tensor gradientBias, SolvePrecision precision,
            Action<double>? reportCondition = null, (Tensor Weight, Tensor Bias)? into = null)
        {
            using var scope = NewDisposeScope();
            var layerType = gradientWeight.dtype;
            if (ManagedPathApplies(reportCondition, precision, layerType))
            {
                var u = into ?? (empty_like(gradientWeight), empty_like(gradientBias));
                if (mass.TryIdentityFactorDirection(input, scale.to_type(layerType), gradientWeight, gradientBias, u.Weight, u.Bias)) return into ?? Outward(u);
            }
            var solveType = precision == SolvePrecision.Double ? ScalarType.Float64 : layerType;
            var x = input.ToType(solveType);
            var root = scale.to_type(solveType).unsqueeze(1);

            var g = (gradientWeight.to_type(solveType), gradientBias.to_type(solveType));
            // (K D⁻¹ g)_{b,i} = √ω_b T_{b,i}, [B, d].
            var rhs = mass.InputProduct(x, g.Item1, g.Item2).mul_(root);
            // S_i = I + ρ_i M, M = Ω^{1/2} X̃ diag(γ) X̃ᵀ Ω^{1/2} = Q Λ Qᵀ, so S_i⁻¹ = Q (I + ρ_i Λ)⁻¹ Qᵀ: one eigendecomposition
            // of the shared B × B matrix solves every output's block (no factorization per block, and no jitter: I + ρ_i Λ ≥ I).
            var (shared, rowScale) = mass.IdentityFactorSystem(x, root);
            var (eigenvalues, eigenvectors) = Eigen(shared, $"inner system of the {atom.InputSize}→{atom.OutputSize} layer");
            // M is positive semi-definite; rounding can leave its smallest eigenvalues a little below 0.
            eigenvalues.clamp_min_(0);
            var denominators = rowScale is null ? eigenvalues.add(1).unsqueeze(1) : eigenvalues.unsqueeze(1).mul(rowScale.unsqueeze(0)).add_(1);
            if (reportCondition is not null)
                reportCondition((denominators.max() / denominators.min()).to_type(ScalarType.Float64).item<double>());
            var v = eigenvectors.mm(eigenvectors.t().mm(rhs).div_(denominators));

            // u = D⁻¹ (g − Kᵀ v), Kᵀ v = Pᵀ X̃ with P_b = √ω_b v_b.
            return Finish(mass, x, g, v.mul_(root), (gradientWeight, gradientBias), into);
        }

        /// <summary>
        /// The eigenvalues (ascending) and eigenvectors of a symmetric matrix; a non-finite one is a refused step
        /// (<see cref="NonFiniteStepException"/> naming <paramref name="what"/>).
        /// </summary>
        private static (Tensor Values, Tensor Vectors) Eigen(Tensor symmetric, string what)
        {
            try
            {
                return linalg.eigh(symmetric);
            }
            catch (Exception e) when (e is not NonFiniteStepException && !symmetric.isfinite().all().item<bool>())
            {
                throw new NonFiniteStepException(what);
            }
        }
    }
}
