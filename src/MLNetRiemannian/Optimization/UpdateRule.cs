using System;
using MLNetRiemannian.Geometry;
using static TorchSharp.torch;

namespace MLNetRiemannian.Optimization
{
    /// <summary>
    /// What a step does around the Woodbury solve (docs/method.md sections 8 and 9), one object per kind: which mass
    /// <c>D</c> each layer's metric <c>G = JᵀMJ + D</c> uses at this step, and how the direction <c>u = G⁻¹g</c> becomes a
    /// parameter change. <see cref="HeavyBallRule"/> keeps each layer's own fixed mass and adds heavy-ball momentum (the
    /// paper's step when the momentum is 0); <see cref="AdaptiveMassRule"/> builds <c>D</c> from the gradient's running
    /// second moments and averages the directions. The rule holds no state of its own: each layer's lives in a
    /// <see cref="LayerOptimizerState"/> the rule makes (<see cref="NewState"/>) and the optimizer owns and checkpoints.
    /// </summary>
    /// <remarks>
    /// A step calls <see cref="Mass"/> for every layer, then, only when every direction is finite, <see cref="Apply"/> for
    /// every layer: a refused step must leave no trace, so <see cref="Mass"/> never changes the state.
    /// </remarks>
    internal abstract class UpdateRule
    {
        /// <summary>Whether the rule keeps a momentum (velocity or averaged direction) shaped like the parameters.</summary>
        public abstract bool KeepsMomentum { get; }

        /// <summary>
        /// A new state for <paramref name="atom"/>: zeros of the parts this rule uses, null for the others. The momentum is
        /// <paramref name="momentum"/> (zeroed views of the optimizer's flat buffer) when the rule keeps one.
        /// </summary>
        public abstract LayerOptimizerState NewState(Dense atom, (Tensor Weight, Tensor Bias)? momentum);

        /// <summary>Whether the layer's mass needs K formed explicitly (a general diagonal; see <see cref="MassInverse.IsExplicit"/>).</summary>
        public abstract bool IsExplicit(Dense atom);

        /// <summary>Whether the layer's mass has a row factor, so an identity-factor block solve has one block per output (a Kronecker mass).</summary>
        public abstract bool HasRowFactor(Dense atom);

        /// <summary>
        /// <c>D⁻¹</c> of <paramref name="atom"/> for step <paramref name="step"/> (1-based), given its state, the step's
        /// gradient (<c>[out, in]</c>, <c>[out]</c>) and the learning rate η. Tensors belong to the caller's dispose scope;
        /// the state is not changed.
        /// </summary>
        public abstract MassInverse Mass(Dense atom, LayerOptimizerState state, Tensor gradientWeight, Tensor gradientBias, long step, double learningRate);

        /// <summary>
        /// Updates <paramref name="atom"/> from its direction <c>u</c> and commits to <paramref name="state"/> what
        /// <see cref="Mass"/> computed. Returns the applied direction and the rate: the parameters moved by <c>−Rate·Applied</c>.
        /// </summary>
        /// <param name="atom">The layer.</param>
        /// <param name="state">The layer's state, as given to <see cref="Mass"/>.</param>
        /// <param name="directionWeight">u's weight part, <c>[out, in]</c>.</param>
        /// <param name="directionBias">u's bias part, <c>[out]</c>.</param>
        /// <param name="step">The step, 1-based, as given to <see cref="Mass"/>.</param>
        /// <param name="learningRate">η.</param>
        /// <param name="scheduleFactor">The learning-rate schedule's factor for this step, in [0, 1].</param>
        public abstract (Tensor Weight, Tensor Bias, double Rate) Apply(Dense atom, LayerOptimizerState state, Tensor directionWeight, Tensor directionBias, long step,
            double learningRate, double scheduleFactor);

        /// <summary>Forgets what <see cref="Mass"/> computed and <see cref="Apply"/> did not commit (a refused or abandoned step).</summary>
        public virtual void Forget() { }

        /// <summary>Decoupled weight decay λ ≥ 0 (AdamW's; docs/method.md section 11); 0 by default.</summary>
        public double WeightDecay { get; init; }

        /// <summary>
        /// The weight's factor for this step's decoupled decay, <c>1 − η·s_t·λ</c> (η·s_t the scheduled rate, without the
        /// momentum's bias correction): <see cref="Apply"/> scales the weight (not the bias) by it before moving it along
        /// the direction, so the decay enters neither the gradient g nor the mass D. 1 when λ is 0.
        /// </summary>
        protected double Decay(double learningRate, double scheduleFactor) => 1 - learningRate * scheduleFactor * WeightDecay;
    }

    /// <summary>
    /// Each layer's own fixed mass (<see cref="Dense.Mass"/>) and heavy-ball momentum: <c>v ← βv + u</c>,
    /// <c>Δw = −η·s·v</c> with s the schedule's factor (docs/method.md section 8). β = 0 and s = 1 is the paper's plain step.
    /// </summary>
    internal sealed class HeavyBallRule : UpdateRule
    {
        /// <param name="momentum">β in [0, 1) (validated by <see cref="UpdateRulePlan"/>).</param>
        public HeavyBallRule(double momentum) => Momentum = momentum;

        /// <summary>β.</summary>
        public double Momentum { get; }

        // Without momentum there is nothing to keep.
        public override bool KeepsMomentum => Momentum > 0;

        public override LayerOptimizerState NewState(Dense atom, (Tensor Weight, Tensor Bias)? momentum) =>
            new(momentum?.Weight, momentum?.Bias, null, null);

        public override bool IsExplicit(Dense atom) => atom.MassInverse.IsExplicit;

        public override bool HasRowFactor(Dense atom) => atom.MassInverse.HasRowFactor;

        public override MassInverse Mass(Dense atom, LayerOptimizerState state, Tensor gradientWeight, Tensor gradientBias, long step, double learningRate) => atom.MassInverse;

        public override (Tensor Weight, Tensor Bias, double Rate) Apply(Dense atom, LayerOptimizerState state, Tensor directionWeight, Tensor directionBias, long step,
            double learningRate, double scheduleFactor)
        {
            var (uWeight, uBias) = (directionWeight, directionBias);
            if (state is { MomentumWeight: { } vWeight, MomentumBias: { } vBias })
            {
                uWeight = vWeight.mul_(Momentum).add_(uWeight);
                uBias = vBias.mul_(Momentum).add_(uBias);
            }
            double rate = learningRate * scheduleFactor;
            if (WeightDecay > 0) atom.Weight.mul_(Decay(learningRate, scheduleFactor));
            atom.Weight.add_(uWeight, -rate);
            atom.Bias.add_(uBias, -rate);
            return (uWeight, uBias, rate);
        }
    }
}
