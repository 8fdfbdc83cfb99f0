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

        private readonly Dictionary<Dense, (Tensor Rows, Tensor Columns)> _pending = new();

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
            long outputs = gradientWeight.shape[0], inputs = gradientWeight.shape[1];
            double rate = 1 - SecondMomentDecay, columnScale = learningRate / Math.Sqrt(inputs + 1), correction = 1 - Math.Pow(SecondMomentDecay, step);
            if (FusedPasses.Applies(gradientWeight, gradientBias, state.SecondMomentRows!, state.SecondMomentColumns!))
            {
                // One read of the gradient for its squared sums, then the few hundred moments and factors in managed code:
                // no squared copy, and no torch operation (each costs a parallel region) on these short vectors.
                var dtype = gradientWeight.dtype;
                var (sumsRows, sumsColumns) = (empty(outputs, dtype: dtype), empty(inputs + 1, dtype: dtype));
                FusedPasses.SquaredSums(gradientWeight, gradientBias, sumsRows, sumsColumns);
                var (rowFactor, columnFactor) = (empty(outputs, dtype: dtype), empty(inputs + 1, dtype: dtype));
                if (dtype == ScalarType.Float32)
                    Factors<float>(state, sumsRows, sumsColumns, rowFactor, columnFactor, rate, correction, columnScale);
                else
                    Factors<double>(state, sumsRows, sumsColumns, rowFactor, columnFactor, rate, correction, columnScale);
                _pending[atom] = (sumsRows, sumsColumns);
                return new KroneckerMassInverse(rowFactor, columnFactor);
            }
            var squareWeight = gradientWeight.square();
            var squareBias = gradientBias.square();
            var rowMeans = squareWeight.sum(1).add_(squareBias).div_(inputs + 1);
            var columnMeans = cat(new[] { squareWeight.mean(new long[] { 0 }), squareBias.mean().view(1) });
            var (rows, columns) = (state.SecondMomentRows!.lerp(rowMeans, rate), state.SecondMomentColumns!.lerp(columnMeans, rate));
            _pending[atom] = (rows, columns);

            // ρ = 1 / (√(r/mean r) + ε_r); γ = η / (√(in + 1) · (√(c / (1 − β₂ᵗ)) + ε_c)).
            var rowInverse = (rows / rows.mean().add_(1e-30)).sqrt_().add_(RowEpsilon).reciprocal_();
            var columnInverse = (columns / correction).sqrt_().add_(ColumnEpsilon).reciprocal_().mul_(columnScale);
            return new KroneckerMassInverse(rowInverse, columnInverse);
        }

        /// <summary>
        /// The step's moments and <c>D⁻¹</c>'s factors from the squared sums, as the torch path computes them: on entry
        /// <paramref name="rows"/> and <paramref name="columns"/> hold the sums of squares of <c>[g_W, g_b]</c>'s rows and
        /// columns; on exit the new moments <c>r ← r + (1 − β₂)(mean − r)</c>, <c>c</c> likewise (not yet committed to the
        /// state), and <paramref name="rowFactor"/> ρ, <paramref name="columnFactor"/> γ. In Float64, rounded once.
        /// </summary>
        private static void Factors<T>(LayerOptimizerState state, Tensor rows, Tensor columns, Tensor rowFactor, Tensor columnFactor,
            double rate, double correction, double columnScale) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            Span<T> r = FusedPasses.Elements<T>(rows), c = FusedPasses.Elements<T>(columns), rho = FusedPasses.Elements<T>(rowFactor), gamma = FusedPasses.Elements<T>(columnFactor);
            ReadOnlySpan<T> r0 = FusedPasses.Elements<T>(state.SecondMomentRows!), c0 = FusedPasses.Elements<T>(state.SecondMomentColumns!);
            int outputs = r.Length, augmented = c.Length;
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
            for (int j = 0; j < augmented; j++)
            {
                double old = double.CreateTruncating(c0[j]);
                c[j] = T.CreateTruncating(old + rate * (double.CreateTruncating(c[j]) / outputs - old));
                gamma[j] = T.CreateTruncating(columnScale / (Math.Sqrt(double.CreateTruncating(c[j]) / correction) + ColumnEpsilon));
            }
        }

        public override (Tensor Weight, Tensor Bias, double Rate) Apply(Dense atom, LayerOptimizerState state, Tensor directionWeight, Tensor directionBias, long step,
            double learningRate, double scheduleFactor)
        {
            var (rows, columns) = _pending[atom];
            _pending.Remove(atom);
            state.SecondMomentRows!.copy_(rows);
            state.SecondMomentColumns!.copy_(columns);

            var (averageWeight, averageBias) = (state.MomentumWeight!, state.MomentumBias!);
            double rate = scheduleFactor / (1 - Math.Pow(Momentum, step)), decay = Decay(learningRate, scheduleFactor);
            if (FusedPasses.Applies(atom.Weight, averageWeight, directionWeight) && FusedPasses.Applies(atom.Bias, averageBias, directionBias))
            {
                // One pass over w, m and u instead of two torch passes over m and w.
                FusedPasses.AverageAndStep(atom.Weight, averageWeight, directionWeight, Momentum, rate, decay);
                FusedPasses.AverageAndStep(atom.Bias, averageBias, directionBias, Momentum, rate);
                return (averageWeight, averageBias, rate);
            }
            averageWeight.lerp_(directionWeight, 1 - Momentum);
            averageBias.lerp_(directionBias, 1 - Momentum);
            if (decay != 1) atom.Weight.mul_(decay);
            atom.Weight.add_(averageWeight, -rate);
            atom.Bias.add_(averageBias, -rate);
            return (averageWeight, averageBias, rate);
        }

        public override void Forget() => _pending.Clear();
    }
}
