using System;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// <c>D⁻¹</c> of one dense layer as the step uses it (docs/method.md section 3), one subclass per kind of mass: each
    /// applies itself to a parameter-shaped pair and builds the Gram matrices of the Woodbury system, so the step never
    /// asks which kind it holds. Owns its tensors.
    /// </summary>
    internal abstract class MassInverse : IDisposable
    {
        /// <summary>True when <c>K D⁻¹ Kᵀ</c> needs K formed explicitly (a general diagonal), so the block solve of an identity factor does not apply.</summary>
        public virtual bool IsExplicit => false;

        /// <summary>True when <c>D⁻¹ = diag(ρ) ⊗ diag(γ)</c> has a row factor ρ that varies over the outputs (a Kronecker mass), so an identity-factor block solve has one block per output.</summary>
        public virtual bool HasRowFactor => false;

        public static MassInverse Scalar(double inverse) => new ScalarMassInverse(inverse);

        public static MassInverse Kronecker(float[] rows, float[] columns, ScalarType dtype) =>
            new KroneckerMassInverse(Reciprocal(rows, dtype, rows.Length), Reciprocal(columns, dtype, columns.Length));

        public static MassInverse Diagonal(float[] weight, float[] bias, int outputSize, int inputSize, ScalarType dtype) =>
            new DiagonalMassInverse(Reciprocal(weight, dtype, outputSize, inputSize), Reciprocal(bias, dtype, outputSize));

        /// <summary>μ, the smallest entry of D: the reciprocal of the largest entry of <c>D⁻¹</c> (docs/method.md sections 4 and 9.1).</summary>
        public abstract double MinimumMass { get; }

        /// <summary>Applies <c>D⁻¹</c> to a parameter-shaped pair (weight <c>[out, in]</c>, bias <c>[out]</c>).</summary>
        public abstract (Tensor Weight, Tensor Bias) Apply(Tensor weight, Tensor bias);

        /// <summary>
        /// <see cref="Apply"/> on tensors the caller gives up: the result may be the same tensors, scaled in place.
        /// </summary>
        public virtual (Tensor Weight, Tensor Bias) ApplyInPlace(Tensor weight, Tensor bias) => Apply(weight, bias);

        /// <summary>
        /// <c>U ← D⁻¹ (G − U)</c> in place in the pair U (weight <c>[out, in]</c>, bias <c>[out]</c>), G of the same shapes
        /// and type and not changed: the Woodbury direction from the gradient and <c>Kᵀv</c>, into a buffer.
        /// </summary>
        public virtual void ApplyToDifference(Tensor gradientWeight, Tensor gradientBias, Tensor weight, Tensor bias)
        {
            var (w, b) = ApplyInPlace(weight.neg_().add_(gradientWeight), bias.neg_().add_(gradientBias));
            if (!ReferenceEquals(w, weight)) weight.copy_(w);
            if (!ReferenceEquals(b, bias)) bias.copy_(b);
        }

        /// <summary>
        /// <c>T_b = (D⁻¹g)_W x_b + (D⁻¹g)_b</c> for every row, <c>[B, out]</c>, without forming <c>D⁻¹g</c> where the mass
        /// allows: the Woodbury right-hand side is <c>(K D⁻¹ g)_b = R_b T_b</c>.
        /// </summary>
        /// <param name="input">x, <c>[B, in]</c>.</param>
        /// <param name="weight">g_W, <c>[out, in]</c>, of the input's dtype.</param>
        /// <param name="bias">g_b, <c>[out]</c>, of the input's dtype.</param>
        public virtual Tensor InputProduct(InputBatch input, Tensor weight, Tensor bias)
        {
            var (a, b) = Apply(weight, bias);
            return input.TimesTransposed(a).add_(b);
        }

        /// <summary>
        /// <c>K D⁻¹ Kᵀ</c>, <c>[B·k, B·k]</c>, for K's rows <c>R_b[i,:] ⊗ x̃_b</c>.
        /// </summary>
        /// <param name="factor">R, <c>[B, k, out]</c>, contiguous.</param>
        /// <param name="input">x, <c>[B, in]</c>, of R's dtype.</param>
        public abstract Tensor Gram(Tensor factor, InputBatch input);

        /// <summary>
        /// The inner system for a factor <c>R_b = √ω_b · I</c> (docs/method.md section 3.4), as its shared part and the
        /// outputs' scales: <c>S_i = I_B + ρ_i M</c> with <c>M = Ω^{1/2} X̃ diag(γ) X̃ᵀ Ω^{1/2}</c> <c>[B, B]</c> and ρ
        /// <c>[out]</c> (null for a scalar mass, whose 1/μ is in M: one block for every output).
        /// </summary>
        /// <param name="input">x, <c>[B, in]</c>.</param>
        /// <param name="root">√ω, <c>[B, 1]</c>, of the input's dtype.</param>
        /// <exception cref="ArgumentException">The mass has no Kronecker structure (<see cref="IsExplicit"/>).</exception>
        public abstract (Tensor Shared, Tensor? RowScale) IdentityFactorSystem(InputBatch input, Tensor root);

        /// <summary>
        /// Writes the Woodbury direction <c>D⁻¹(g − Kᵀ S⁻¹ K D⁻¹ g)</c> for the factor <paramref name="factor"/> into
        /// (<paramref name="weight"/>, <paramref name="bias"/>) by the managed path of <see cref="KroneckerWoodbury"/> and
        /// returns true, where this mass and the tensors allow it; false (nothing written) sends the caller to the general path.
        /// </summary>
        /// <param name="input">x, <c>[B, in]</c>.</param>
        /// <param name="factor">R, <c>[B, k, out]</c>, contiguous.</param>
        /// <param name="gradientWeight">g_W, <c>[out, in]</c>.</param>
        /// <param name="gradientBias">g_b, <c>[out]</c>.</param>
        /// <param name="weight">u_W, <c>[out, in]</c>, of the gradient's type.</param>
        /// <param name="bias">u_b, <c>[out]</c>.</param>
        public virtual bool TryDirection(InputBatch input, Tensor factor, Tensor gradientWeight, Tensor gradientBias, Tensor weight, Tensor bias) => false;

        /// <summary>
        /// Writes the direction <c>D⁻¹(g − Kᵀv)</c> for a factor <c>R_b = √ω_b · I</c> into (<paramref name="weight"/>,
        /// <paramref name="bias"/>) by a managed solve of the small blocks (<see cref="KroneckerBlockSolve"/>) and returns
        /// true, where this mass and the tensors allow it; false (nothing written) sends the caller to the torch solve.
        /// </summary>
        /// <param name="input">x, <c>[B, in]</c>.</param>
        /// <param name="root">√ω, <c>[B]</c>.</param>
        /// <param name="gradientWeight">g_W, <c>[out, in]</c>.</param>
        /// <param name="gradientBias">g_b, <c>[out]</c>.</param>
        /// <param name="weight">u_W, <c>[out, in]</c>, of the gradient's type.</param>
        /// <param name="bias">u_b, <c>[out]</c>.</param>
        public virtual bool TryIdentityFactorDirection(InputBatch input, Tensor root, Tensor gradientWeight, Tensor gradientBias, Tensor weight, Tensor bias) => false;

        private static Tensor Reciprocal(float[] values, ScalarType dtype, params long[] shape)
        {
            using var scope = NewDisposeScope();
            return tensor(values, shape).to_type(ScalarType.Float64).reciprocal_().to_type(dtype).DetachFromDisposeScope();
        }

        public abstract void Dispose();
    }

    /// <summary><c>D⁻¹ = (1/μ) I</c>: both Grams are plain products scaled by 1/μ.</summary>
    internal sealed class ScalarMassInverse : MassInverse
    {
        public ScalarMassInverse(double inverse) => Inverse = inverse;

        /// <summary>1/μ.</summary>
        public double Inverse { get; }

        public override double MinimumMass => 1 / Inverse;

        public override (Tensor Weight, Tensor Bias) Apply(Tensor weight, Tensor bias) => (weight * Inverse, bias * Inverse);

        public override (Tensor Weight, Tensor Bias) ApplyInPlace(Tensor weight, Tensor bias) => (weight.mul_(Inverse), bias.mul_(Inverse));

        public override Tensor InputProduct(InputBatch input, Tensor weight, Tensor bias) => input.TimesTransposed(weight).add_(bias).mul_(Inverse);

        public override Tensor Gram(Tensor factor, InputBatch input)
        {
            var flat = Flat(factor);
            return Combine(flat.mm(flat.t()).mul_(Inverse), factor, input.Gram(null));
        }

        public override (Tensor Shared, Tensor? RowScale) IdentityFactorSystem(InputBatch input, Tensor root) =>
            (input.Gram(null).mul_(Inverse).mul_(root).mul_(root.t()), null);

        /// <summary>R flattened to its rows, <c>[B·k, out]</c>.</summary>
        internal static Tensor Flat(Tensor factor) => factor.view(factor.shape[0] * factor.shape[1], factor.shape[2]);

        /// <summary><c>(R diag(ρ) Rᵀ) ∘ (X̃ diag(γ) X̃ᵀ ⊗ 1_k 1_kᵀ)</c>: the factorized <c>K D⁻¹ Kᵀ</c>.</summary>
        internal static Tensor Combine(Tensor factorGram, Tensor factor, Tensor inputGram)
        {
            long batch = factor.shape[0], rows = factor.shape[1], n = batch * rows;
            return factorGram.view(batch, rows, batch, rows).mul_(inputGram.view(batch, 1, batch, 1)).view(n, n);
        }

        public override void Dispose() { }
    }

    /// <summary><c>D⁻¹ = diag(ρ) ⊗ diag(γ)</c>: the row factor ρ <c>[out]</c>, the column factor γ <c>[in + 1]</c> (the last entry for the bias).</summary>
    internal sealed class KroneckerMassInverse : MassInverse
    {
        public KroneckerMassInverse(Tensor rows, Tensor columns)
        {
            RowInverse = rows;
            ColumnInverse = columns;
        }

        public override bool HasRowFactor => true;

        /// <summary>ρ = 1/r, <c>[out]</c>.</summary>
        public Tensor RowInverse { get; }

        /// <summary>γ = 1/c, <c>[in + 1]</c>.</summary>
        public Tensor ColumnInverse { get; }

        public override double MinimumMass => 1 / (RowInverse.max().to_type(ScalarType.Float64).item<double>() * ColumnInverse.max().to_type(ScalarType.Float64).item<double>());

        public override (Tensor Weight, Tensor Bias) Apply(Tensor weight, Tensor bias)
        {
            long inputs = weight.shape[1];
            var rows = RowInverse.to_type(weight.dtype).unsqueeze(1);
            var columns = ColumnInverse.to_type(weight.dtype);
            return (weight * rows * columns.narrow(0, 0, inputs), bias * rows.squeeze(1) * columns[inputs]);
        }

        public override (Tensor Weight, Tensor Bias) ApplyInPlace(Tensor weight, Tensor bias)
        {
            long inputs = weight.shape[1];
            var rows = RowInverse.to_type(weight.dtype);
            var columns = ColumnInverse.to_type(weight.dtype);
            return (weight.mul_(rows.unsqueeze(1)).mul_(columns.narrow(0, 0, inputs)), bias.mul_(rows).mul_(columns[inputs]));
        }

        // One managed SIMD pass over contiguous CPU tensors (FusedPasses); torch operations otherwise.
        public override void ApplyToDifference(Tensor gradientWeight, Tensor gradientBias, Tensor weight, Tensor bias)
        {
            using var scope = NewDisposeScope();
            var rows = RowInverse.to_type(weight.dtype).contiguous();
            var columns = ColumnInverse.to_type(weight.dtype).contiguous();
            if (FusedPasses.Applies(gradientWeight, gradientBias, weight, bias, rows, columns))
                FusedPasses.KroneckerOfDifference(gradientWeight, gradientBias, weight, bias, rows, columns);
            else
                base.ApplyToDifference(gradientWeight, gradientBias, weight, bias);
        }

        // ρ ∘ ((X diag(γ)) g_Wᵀ + γ_b g_b): the column factor scales the B input rows, not the out × in gradient.
        public override Tensor InputProduct(InputBatch input, Tensor weight, Tensor bias)
        {
            long inputs = weight.shape[1];
            var columns = ColumnInverse.to_type(weight.dtype);
            return input.ColumnsScaled(columns.narrow(0, 0, inputs)).TimesTransposed(weight).add_(bias * columns[inputs]).mul_(RowInverse.to_type(weight.dtype));
        }

        public override Tensor Gram(Tensor factor, InputBatch input)
        {
            var flat = ScalarMassInverse.Flat(factor);
            return ScalarMassInverse.Combine((flat * RowInverse.to_type(factor.dtype)).mm(flat.t()), factor, input.Gram(ColumnInverse));
        }

        public override (Tensor Shared, Tensor? RowScale) IdentityFactorSystem(InputBatch input, Tensor root)
        {
            var gram = input.Gram(ColumnInverse).mul_(root).mul_(root.t());
            return (gram, RowInverse.to_type(gram.dtype));
        }

        public override bool TryDirection(InputBatch input, Tensor factor, Tensor gradientWeight, Tensor gradientBias, Tensor weight, Tensor bias) =>
            DenseOperands(input, gradientWeight.dtype) is (var x, var rows, var columns)
            && KroneckerWoodbury.Applies(x, factor, gradientWeight, gradientBias, rows, columns, weight, bias)
            && KroneckerWoodbury.TryDirection(x, factor, gradientWeight, gradientBias, rows, columns, weight, bias);

        public override bool TryIdentityFactorDirection(InputBatch input, Tensor root, Tensor gradientWeight, Tensor gradientBias, Tensor weight, Tensor bias) =>
            DenseOperands(input, gradientWeight.dtype) is (var x, var rows, var columns)
            && KroneckerBlockSolve.Applies(x, root, gradientWeight, gradientBias, rows, columns, weight, bias)
            && KroneckerBlockSolve.TryDirection(x, root, gradientWeight, gradientBias, rows, columns, weight, bias);

        /// <summary>
        /// X <c>[B, in]</c>, ρ and γ in <paramref name="dtype"/> (in the caller's dispose scope) for a managed solve; null for a
        /// sparse input, which has no dense X.
        /// </summary>
        private (Tensor X, Tensor Rows, Tensor Columns)? DenseOperands(InputBatch input, ScalarType dtype) =>
            input.DenseValues is { } x ? (x, RowInverse.to_type(dtype), ColumnInverse.to_type(dtype)) : null;

        public override void Dispose()
        {
            RowInverse.Dispose();
            ColumnInverse.Dispose();
        }
    }

    /// <summary>A general diagonal <c>D⁻¹</c>: per-weight <c>[out, in]</c> and per-bias <c>[out]</c> entries; K is formed for its Gram (small layers only).</summary>
    internal sealed class DiagonalMassInverse : MassInverse
    {
        public DiagonalMassInverse(Tensor weight, Tensor bias)
        {
            WeightInverse = weight;
            BiasInverse = bias;
        }

        /// <summary>Per-weight inverse masses <c>[out, in]</c>.</summary>
        public Tensor WeightInverse { get; }

        /// <summary>Per-bias inverse masses <c>[out]</c>.</summary>
        public Tensor BiasInverse { get; }

        public override bool IsExplicit => true;

        public override double MinimumMass => 1 / Math.Max(WeightInverse.max().to_type(ScalarType.Float64).item<double>(), BiasInverse.max().to_type(ScalarType.Float64).item<double>());

        public override (Tensor Weight, Tensor Bias) Apply(Tensor weight, Tensor bias) => (weight * WeightInverse, bias * BiasInverse);

        public override Tensor Gram(Tensor factor, InputBatch input)
        {
            var x = input.ToDense();
            long batch = factor.shape[0], rows = factor.shape[1], outputs = factor.shape[2], inputs = x.shape[1], n = batch * rows;
            var xTilde = cat(new[] { x, ones(batch, 1, dtype: x.dtype) }, 1);
            var k = (factor.unsqueeze(3) * xTilde.view(batch, 1, 1, inputs + 1)).view(n, outputs * (inputs + 1));
            var inverse = cat(new[] { WeightInverse, BiasInverse.unsqueeze(1) }, 1).to_type(factor.dtype).view(1, -1);
            return (k * inverse).mm(k.t());
        }

        public override (Tensor Shared, Tensor? RowScale) IdentityFactorSystem(InputBatch input, Tensor root) =>
            throw new ArgumentException("A general diagonal mass has no block structure; use WoodburyStep.Direction.", nameof(input));

        public override void Dispose()
        {
            WeightInverse.Dispose();
            BiasInverse.Dispose();
        }
    }
}
