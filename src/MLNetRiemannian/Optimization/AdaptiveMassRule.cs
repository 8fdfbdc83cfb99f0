using System;
using System.Collections.Generic;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Optimization
{
    /// <summary>
    /// The adaptive Kronecker mass (docs/method.md section 9.1): for a dense layer with gradient <c>g̃ = [g_W, g_b]</c>
    /// <c>[out, in + 1]</c>, exponential averages (decay β₂) of the row means <c>r</c> <c>[out]</c> and the column means
    /// <c>c</c> <c>[in + 1]</c> of <c>g̃²</c> (Adafactor's factored second moment) give
    /// <c>D_t = diag(√(r/mean r) + ε_r) ⊗ diag(√ĉ + ε_c) / η</c>, <c>ĉ = c / (1 − β₂ᵗ)</c>: a Kronecker mass, so the
    /// factorized Woodbury step applies unchanged. The directions <c>u_t = G_t⁻¹ g_t</c> are averaged,
    /// <c>m ← β₁m + (1 − β₁)u</c>, and the parameters move by <c>−s_t·m/(1 − β₁ᵗ)</c> (s the schedule's factor).
    /// Directions the metric does not see then move as in Adam with rate η; the ones it sees are damped by it.
    /// </summary>
    /// <remarks>
    /// The ε terms sit inside the two factors, so <c>D_t</c> is exactly Kronecker. The row factor is normalized by its
    /// mean, so the bias correction cancels in it and the column factor carries the scale. The second moments include
    /// the current gradient (as Adam's do), which bounds the first step of a rarely active column.
    /// </remarks>
    internal sealed class AdaptiveMassRule : UpdateRule
    {
        /// <summary>ε_r, added to the normalized row factor (which averages 1).</summary>
        public const double RowEpsilon = 1e-3;

        /// <summary>ε_c, added to the column factor (a root mean square gradient).</summary>
        public const double ColumnEpsilon = 1e-8;

        private readonly Dictionary<Dense, (Tensor Rows, Tensor Columns, Tensor? Index)> _pending = new();

        /// <param name="momentum">β₁ in [0, 1): the directions' averaging.</param>
        /// <param name="secondMomentDecay">β₂ in (0, 1): the second moments' averaging (both validated by <see cref="UpdateRulePlan"/>).</param>
        public AdaptiveMassRule(double momentum, double secondMomentDecay)
        {
            Momentum = momentum;
            SecondMomentDecay = secondMomentDecay;
        }

        /// <summary>β₁.</summary>
        public double Momentum { get; }

        /// <summary>β₂.</summary>
        public double SecondMomentDecay { get; }

        public override bool KeepsMomentum => true;

        public override LayerOptimizerState NewState(Dense atom, (Tensor Weight, Tensor Bias)? momentum) =>
            new(momentum?.Weight ?? zeros_like(atom.Weight), momentum?.Bias ?? zeros_like(atom.Bias), zeros_like(atom.Bias), zeros(atom.InputSize + 1, dtype: atom.Weight.dtype));

        public override bool IsExplicit(Dense atom) => false;

        public override bool HasRowFactor(Dense atom) => true;

        public override MassInverse Mass(Dense atom, LayerOptimizerState state, Tensor gradientWeight, Tensor gradientBias, long step, double learningRate)
        {
            var (mass, rows, columns) = MassOf(state.SecondMomentRows!, state.SecondMomentColumns!, gradientWeight, gradientBias, atom.InputSize + 1, step, learningRate);
            _pending[atom] = (rows, columns, null);
            return mass;
        }

        /// <summary>
        /// <see cref="Mass"/> on the columns <paramref name="columns"/> of the layer (Int64 <c>[k]</c>, sorted; the
        /// column-sparse step, <see cref="ColumnSparseLayer"/>): the gradient is those columns' <c>[out, k]</c>, every
        /// other column's is zero, and the returned <c>D⁻¹</c> covers the k columns and the bias (<c>γ</c> <c>[k + 1]</c>).
        /// The row factor and the column scale are the whole layer's, as the dense step computes them.
        /// </summary>
        public MassInverse MassOnColumns(Dense atom, LayerOptimizerState state, Tensor columns, Tensor gradientWeight, Tensor gradientBias, long step, double learningRate)
        {
            var index = cat(new[] { columns, tensor(new long[] { atom.InputSize }) });
            var (mass, rows, moments) = MassOf(state.SecondMomentRows!, state.SecondMomentColumns!.index_select(0, index), gradientWeight, gradientBias, atom.InputSize + 1, step, learningRate);
            _pending[atom] = (rows, moments, index);
            return mass;
        }

        /// <summary>
        /// D⁻¹ from the second moments before the step (<paramref name="rows0"/> r, <paramref name="columns0"/> c, either the
        /// whole layer's or a selection of its columns ending with the bias) and the step's gradient over the same columns;
        /// returns it with the new moments (to commit at <see cref="Apply"/>). <paramref name="augmented"/> is the layer's
        /// <c>in + 1</c>, what the row means divide by and the column scale's root.
        /// </summary>
        private (MassInverse Mass, Tensor Rows, Tensor Columns) MassOf(Tensor rows0, Tensor columns0, Tensor gradientWeight, Tensor gradientBias, long augmented, long step, double learningRate)
        {
            long outputs = gradientWeight.shape[0], inputs = gradientWeight.shape[1];
            double rate = 1 - SecondMomentDecay, columnScale = learningRate / Math.Sqrt(augmented), correction = 1 - Math.Pow(SecondMomentDecay, step);
            if (FusedPasses.Applies(gradientWeight, gradientBias, rows0, columns0))
            {
                // One read of the gradient for its squared sums, then the few hundred moments and factors in managed code:
                // no squared copy, and no torch operation (each costs a parallel region) on these short vectors.
                var dtype = gradientWeight.dtype;
                var (sumsRows, sumsColumns) = (empty(outputs, dtype: dtype), empty(inputs + 1, dtype: dtype));
                FusedPasses.SquaredSums(gradientWeight, gradientBias, sumsRows, sumsColumns);
                var (rowFactor, columnFactor) = (empty(outputs, dtype: dtype), empty(inputs + 1, dtype: dtype));
                if (dtype == ScalarType.Float32)
                    Factors<float>(rows0, columns0, sumsRows, sumsColumns, rowFactor, columnFactor, augmented, rate, correction, columnScale);
                else
                    Factors<double>(rows0, columns0, sumsRows, sumsColumns, rowFactor, columnFactor, augmented, rate, correction, columnScale);
                return (new KroneckerMassInverse(rowFactor, columnFactor), sumsRows, sumsColumns);
            }
            var squareWeight = gradientWeight.square();
            var squareBias = gradientBias.square();
            var rowMeans = squareWeight.sum(1).add_(squareBias).div_(augmented);
            var columnMeans = cat(new[] { squareWeight.mean(new long[] { 0 }), squareBias.mean().view(1) });
            var (rows, columns) = (rows0.lerp(rowMeans, rate), columns0.lerp(columnMeans, rate));

            // ρ = 1 / (√(r/mean r) + ε_r); γ = η / (√(in + 1) · (√(c / (1 − β₂ᵗ)) + ε_c)).
            var rowInverse = (rows / rows.mean().add_(1e-30)).sqrt_().add_(RowEpsilon).reciprocal_();
            var columnInverse = (columns / correction).sqrt_().add_(ColumnEpsilon).reciprocal_().mul_(columnScale);
            return (new KroneckerMassInverse(rowInverse, columnInverse), rows, columns);
        }

        /// <summary>
        /// The step's moments and <c>D⁻¹</c>'s factors from the squared sums, as the torch path computes them: on entry
        /// <paramref name="rows"/> and <paramref name="columns"/> hold the sums of squares of <c>[g_W, g_b]</c>'s rows and
        /// columns (or of a selection of its columns, ending with the bias's; <paramref name="augmented"/> is always the
        /// layer's <c>in + 1</c>); on exit the new moments <c>r ← r + (1 − β₂)(mean − r)</c>, <c>c</c> likewise (not yet committed to the
        /// state), and <paramref name="rowFactor"/> ρ, <paramref name="columnFactor"/> γ. In Float64, rounded once.
        /// </summary>
        private static void Factors<T>(Tensor rows0, Tensor columns0, Tensor rows, Tensor columns, Tensor rowFactor, Tensor columnFactor,
            long augmented, double rate, double correction, double columnScale) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            Span<T> r = FusedPasses.Elements<T>(rows), c = FusedPasses.Elements<T>(columns), rho = FusedPasses.Elements<T>(rowFactor), gamma = FusedPasses.Elements<T>(columnFactor);
            ReadOnlySpan<T> r0 = FusedPasses.Elements<T>(rows0), c0 = FusedPasses.Elements<T>(columns0);
            int outputs = r.Length;
            double total = 0;
            for (int i = 0; i < outputs; i++)
            {
                double old = double.CreateTruncating(r0[i]);
                r[i] = T.CreateTruncating(old + rate * (double.CreateTruncating(r[i]) / augmented - old));
                total += double.CreateTruncating(r[i]);
            }
            double mean = total / outputs + 1e-30;
            for (int i = 0; i < outputs; i++)
                rho[i] = T.CreateTruncating(1 / (Math.Sqrt(double.CreateTruncating(r[i]) / mean) + RowEpsilon));
            for (int j = 0; j < c.Length; j++)
            {
                double old = double.CreateTruncating(c0[j]);
                c[j] = T.CreateTruncating(old + rate * (double.CreateTruncating(c[j]) / outputs - old));
                gamma[j] = T.CreateTruncating(columnScale / (Math.Sqrt(double.CreateTruncating(c[j]) / correction) + ColumnEpsilon));
            }
        }

        /// <summary>
        /// r_t = s_t / (1 − β₁ᵗ): the parameters move by <c>−r_t·m</c> at step t (<paramref name="scheduleFactor"/> s_t).
        /// </summary>
        public double AppliedRate(long step, double scheduleFactor) => scheduleFactor / (1 - Math.Pow(Momentum, step));

        public override (Tensor Weight, Tensor Bias, double Rate) Apply(Dense atom, LayerOptimizerState state, Tensor directionWeight, Tensor directionBias, long step,
            double learningRate, double scheduleFactor)
        {
            var (rows, columns, index) = _pending[atom];
            _pending.Remove(atom);
            if (index is not null)
                throw new InvalidOperationException($"The {atom.InputSize}→{atom.OutputSize} layer's mass was made on some of its columns: apply its step with ApplyOnColumns.");
            state.SecondMomentRows!.copy_(rows);
            state.SecondMomentColumns!.copy_(columns);
            double rate = AppliedRate(step, scheduleFactor);
            Average(atom.Weight, state.MomentumWeight!, directionWeight, rate, Decay(learningRate, scheduleFactor));
            Average(atom.Bias, state.MomentumBias!, directionBias, rate);
            return (state.MomentumWeight!, state.MomentumBias!, rate);
        }

        /// <summary>
        /// <see cref="Apply"/> for a step made by <see cref="MassOnColumns"/>: <paramref name="directionWeight"/> is u's
        /// <c>[out, k]</c> on those columns (zero on every other), and only they and the bias are read and written. The
        /// other columns are the caller's to bring up to date (<see cref="ColumnSparseLayer"/>). Returns the rate, with which
        /// every other column moves at this step: <c>w ← w − rate·m</c>. No weight decay (it would move every column).
        /// </summary>
        public double ApplyOnColumns(Dense atom, LayerOptimizerState state, Tensor columns, Tensor directionWeight, Tensor directionBias, long step, double scheduleFactor)
        {
            var (rows, moments, index) = _pending[atom];
            _pending.Remove(atom);
            if (index is null)
                throw new InvalidOperationException($"The {atom.InputSize}→{atom.OutputSize} layer's mass was made on all its columns: apply its step with Apply.");
            state.SecondMomentRows!.copy_(rows);
            state.SecondMomentColumns!.index_copy_(0, index, moments);
            if (WeightDecay > 0)
                throw new InvalidOperationException("The column-sparse step cannot apply a weight decay: it would move every column at every step.");
            double rate = AppliedRate(step, scheduleFactor);
            if (ColumnPasses.Applies(atom.Weight, state.MomentumWeight!, directionWeight))
            {
                // One managed pass over the columns in place: no gather, no scatter.
                ColumnPasses.AverageAndStep(atom.Weight, state.MomentumWeight!, FusedPasses.Elements<long>(columns.contiguous()), directionWeight, Momentum, rate);
                Average(atom.Bias, state.MomentumBias!, directionBias, rate);
                return rate;
            }
            var (weight, average) = (atom.Weight.index_select(1, columns), state.MomentumWeight!.index_select(1, columns));
            Average(weight, average, directionWeight, rate);
            atom.Weight.index_copy_(1, columns, weight);
            state.MomentumWeight!.index_copy_(1, columns, average);
            Average(atom.Bias, state.MomentumBias!, directionBias, rate);
            return rate;
        }

        /// <summary>
        /// <c>m ← β₁m + (1 − β₁)u</c>, <c>w ← decay·w − rate·m</c> (decay 1 for biases and without weight decay), in one
        /// fused pass where it applies.
        /// </summary>
        private void Average(Tensor parameter, Tensor average, Tensor direction, double rate, double decay = 1)
        {
            if (FusedPasses.Applies(parameter, average, direction))
            {
                // One pass over w, m and u instead of two torch passes over m and w.
                FusedPasses.AverageAndStep(parameter, average, direction, Momentum, rate, decay);
                return;
            }
            average.lerp_(direction, 1 - Momentum);
            if (decay != 1) parameter.mul_(decay);
            parameter.add_(average, -rate);
        }

        public override void Forget() => _pending.Clear();
    }
}
