using System;
using System.Collections.Generic;
using MLNetRiemannian.Geometry;
using static TorchSharp.torch;

namespace MLNetRiemannian.Optimization
{
    /// <summary>
    /// What a step does around a <see cref="Diagonal"/> module's solve (docs/method.md section 10.1), the diagonal
    /// counterpart of the dense layers' <see cref="UpdateRule"/>, made from the same <see cref="UpdateRulePlan"/>: its mass
    /// D (diagonal, <c>[n]</c>) and how the direction <c>u = G⁻¹g</c> moves s. With the adaptive mass, Adam's per-coordinate
    /// second moment gives <c>D⁻¹ = η / (√(v / (1 − β₂ᵗ)) + ε)</c>, <c>v ← β₂v + (1 − β₂)g²</c>, and the directions are averaged,
    /// <c>m ← β₁m + (1 − β₁)u</c>, <c>s ← s − s_t·m/(1 − β₁ᵗ)</c> (the dense layers' rule with one row, without their
    /// <c>1/√(in + 1)</c>: each s_j acts on one input slot alone). With the fixed mass, <c>D = μ·I</c> and the heavy ball,
    /// <c>v ← βv + u</c>, <c>s ← s − η·s_t·v</c>. Neither weight decay nor L2 acts on s (it starts at 1, not 0).
    /// As with <see cref="UpdateRule"/>, <see cref="MassInverse"/> never changes the state; <see cref="Apply"/> commits it.
    /// </summary>
    internal sealed class DiagonalRule
    {
        /// <summary>ε, added to the root of the second moment (Adam's).</summary>
        public const double Epsilon = 1e-8;

        private readonly UpdateRulePlan _plan;
        private readonly Dictionary<Diagonal, Tensor> _pending = new();

        /// <param name="plan">The dense layers' rule (validated by the optimizer's plan).</param>
        public DiagonalRule(UpdateRulePlan plan) => _plan = plan;

        /// <summary>A new state for <paramref name="module"/>: zeros of the parts this rule uses, null for the others.</summary>
        public DiagonalOptimizerState NewState(Diagonal module) => _plan.Adaptive
            ? new(zeros_like(module.Scale), zeros_like(module.Scale))
            : new(_plan.Momentum > 0 ? zeros_like(module.Scale) : null, null);

        /// <summary>
        /// <c>D⁻¹</c>'s diagonal <c>[n]</c> for step <paramref name="step"/> (1-based), given the state, the step's gradient
        /// <c>[n]</c> and η. The tensor belongs to the caller's dispose scope; the state is not changed.
        /// </summary>
        public Tensor MassInverse(Diagonal module, DiagonalOptimizerState state, Tensor gradient, long step, double learningRate)
        {
            if (!_plan.Adaptive) return full_like(gradient, 1 / module.Mass);
            var moment = state.SecondMoment!.mul(_plan.SecondMomentDecay).add_(gradient.square(), 1 - _plan.SecondMomentDecay);
            _pending[module] = moment;
            double correction = 1 - Math.Pow(_plan.SecondMomentDecay, step);
            return (moment / correction).sqrt_().add_(Epsilon).reciprocal_().mul_(learningRate);
        }

        /// <summary>
        /// Moves <paramref name="module"/>'s s along its direction <c>u</c> <c>[n]</c> and commits what
        /// <see cref="MassInverse"/> computed; returns the applied direction and the rate (s moved by <c>−Rate·Applied</c>).
        /// </summary>
        public (Tensor Applied, double Rate) Apply(Diagonal module, DiagonalOptimizerState state, Tensor direction, long step, double learningRate, double scheduleFactor)
        {
            if (!_plan.Adaptive)
            {
                var applied = state.Momentum is { } velocity ? velocity.mul_(_plan.Momentum).add_(direction) : direction;
                double rate = learningRate * scheduleFactor;
                module.Scale.add_(applied, -rate);
                return (applied, rate);
            }
            state.SecondMoment!.copy_(_pending[module]);
            _pending.Remove(module);
            var average = state.Momentum!.mul_(_plan.Momentum).add_(direction, 1 - _plan.Momentum);
            double averageRate = scheduleFactor / (1 - Math.Pow(_plan.Momentum, step));
            module.Scale.add_(average, -averageRate);
            return (average, averageRate);
        }

        /// <summary>Forgets what <see cref="MassInverse"/> computed and <see cref="Apply"/> did not commit.</summary>
        public void Forget() => _pending.Clear();
    }
}
