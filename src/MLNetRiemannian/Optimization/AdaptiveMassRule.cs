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
            Tensor rowMeans, columnMeans;
            if (FusedPasses.Applies(gradientWeight, gradientBias))
            {
                // One read of the gradient instead of a squared copy read twice.
                rowMeans = empty(outputs, dtype: gradientWeight.dtype);
                columnMeans = empty(inputs + 1, dtype: gradientWeight.dtype);
                FusedPasses.SquaredSums(gradientWeight, gradientBias, rowMeans, columnMeans);
                rowMeans.div_(inputs + 1);
                columnMeans.div_(outputs);
            }
            else
            {
                var squareWeight = gradientWeight.square();
                var squareBias = gradientBias.square();
                rowMeans = squareWeight.sum(1).add_(squareBias).div_(inputs + 1);
                columnMeans = cat(new[] { squareWeight.mean(new long[] { 0 }), squareBias.mean().view(1) });
            }
            double rate = 1 - SecondMomentDecay;
            var (rows, columns) = (state.SecondMomentRows!.lerp(rowMeans, rate), state.SecondMomentColumns!.lerp(columnMeans, rate));
            _pending[atom] = (rows, columns);

            // ρ = 1 / (√(r/mean r) + ε_r); γ = η / (√(in + 1) · (√(c / (1 − β₂ᵗ)) + ε_c)).
            var rowInverse = (rows / rows.mean().add_(1e-30)).sqrt_().add_(RowEpsilon).reciprocal_();
            var columnInverse = (columns / (1 - Math.Pow(SecondMomentDecay, step))).sqrt_().add_(ColumnEpsilon).reciprocal_()
                .mul_(learningRate / Math.Sqrt(inputs + 1));
            return new KroneckerMassInverse(rowInverse, columnInverse);
        }

        public override (Tensor Weight, Tensor Bias, double Rate) Apply(Dense atom, LayerOptimizerState state, Tensor directionWeight, Tensor directionBias, long step,
            double learningRate, double scheduleFactor)
        {
            var (rows, columns) = _pending[atom];
            _pending.Remove(atom);
            state.SecondMomentRows!.copy_(rows);
            state.SecondMomentColumns!.copy_(columns);

            var (averageWeight, averageBias) = (state.MomentumWeight!, state.MomentumBias!);
            double rate = scheduleFactor / (1 - Math.Pow(Momentum, step));
            if (FusedPasses.Applies(atom.Weight, averageWeight, directionWeight) && FusedPasses.Applies(atom.Bias, averageBias, directionBias))
            {
                // One pass over w, m and u instead of two torch passes over m and w.
                FusedPasses.AverageAndStep(atom.Weight, averageWeight, directionWeight, Momentum, rate);
                FusedPasses.AverageAndStep(atom.Bias, averageBias, directionBias, Momentum, rate);
                return (averageWeight, averageBias, rate);
            }
            averageWeight.lerp_(directionWeight, 1 - Momentum);
            averageBias.lerp_(directionBias, 1 - Momentum);
            atom.Weight.add_(averageWeight, -rate);
            atom.Bias.add_(averageBias, -rate);
            return (averageWeight, averageBias, rate);
        }

        public override void Forget() => _pending.Clear();
    }
}
