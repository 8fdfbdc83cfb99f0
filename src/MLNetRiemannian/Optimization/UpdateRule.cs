using System;
using System.Collections.Generic;
using System.Linq;
using MLNetRiemannian.Geometry;
using static TorchSharp.torch;

namespace MLNetRiemannian.Optimization
{
    /// <summary>
    /// What a step does around the Woodbury solve (docs/method.md sections 8 and 9), one object per kind: which mass
    /// <c>D</c> each layer's metric <c>G = JᵀMJ + D</c> uses at this step, and how the direction <c>u = G⁻¹g</c> becomes a
    /// parameter change. <see cref="HeavyBall"/> keeps each layer's own fixed mass and adds heavy-ball momentum (the
    /// paper's step when the momentum is 0); <see cref="Adaptive"/> builds <c>D</c> from the gradient's running second
    /// moments and averages the directions (<see cref="AdaptiveMassRule"/>). The rule's state is optimizer state: it
    /// lives here, not in the network, and goes into checkpoints.
    /// </summary>
    /// <remarks>
    /// A step calls <see cref="Mass"/> for every layer, then, only when every direction is finite, <see cref="Apply"/> for
    /// every layer: a refused step must leave no trace, so <see cref="Mass"/> never changes the state.
    /// </remarks>
    internal abstract class UpdateRule : IDisposable
    {
        /// <summary>The paper's fixed masses with heavy-ball momentum β in [0, 1).</summary>
        public static UpdateRule HeavyBall(double momentum) => new HeavyBallRule(momentum);

        /// <summary>The adaptive Kronecker mass with averaged directions (<see cref="AdaptiveMassRule"/>).</summary>
        public static UpdateRule Adaptive(double momentum, double secondMomentDecay) => new AdaptiveMassRule(momentum, secondMomentDecay);

        /// <summary>A name for logs and checkpoints, with the rule's constants.</summary>
        public abstract string Name { get; }

        /// <summary>Whether the layer's mass needs K formed explicitly (a general diagonal; see <see cref="MassInverse.IsExplicit"/>).</summary>
        public abstract bool IsExplicit(Dense atom);

        /// <summary>Whether the layer's mass has a row factor, so an identity-factor block solve has one block per output (a Kronecker mass).</summary>
        public abstract bool HasRowFactor(Dense atom);

        /// <summary>
        /// <c>D⁻¹</c> of <paramref name="atom"/> for step <paramref name="step"/> (1-based), given the step's gradient
        /// (<c>[out, in]</c>, <c>[out]</c>) and the learning rate η. Tensors belong to the caller's dispose scope.
        /// </summary>
        public abstract MassInverse Mass(Dense atom, Tensor gradientWeight, Tensor gradientBias, long step, double learningRate);

        /// <summary>
        /// Updates <paramref name="atom"/> from its direction <c>u</c> and commits the state <see cref="Mass"/> computed.
        /// Returns the applied direction and the rate: the parameters moved by <c>−Rate·Applied</c>.
        /// </summary>
        /// <param name="atom">The layer.</param>
        /// <param name="directionWeight">u's weight part, <c>[out, in]</c>.</param>
        /// <param name="directionBias">u's bias part, <c>[out]</c>.</param>
        /// <param name="step">The step, 1-based, as given to <see cref="Mass"/>.</param>
        /// <param name="learningRate">η.</param>
        /// <param name="scheduleFactor">The learning-rate schedule's factor for this step, in [0, 1].</param>
        public abstract (Tensor Weight, Tensor Bias, double Rate) Apply(Dense atom, Tensor directionWeight, Tensor directionBias, long step,
            double learningRate, double scheduleFactor);

        /// <summary>Forgets the momentum (after the parameters were restored to an earlier state); second moments are kept.</summary>
        public abstract void ResetMomentum();

        /// <summary>Copies of the state per atom, in the network's order, each a fixed number of tensors (null where none exists yet).</summary>
        public abstract List<Tensor?> ExportState(IReadOnlyList<Dense> atoms);

        /// <summary>Replaces the state with copies of <paramref name="state"/> as <see cref="ExportState"/> gives it.</summary>
        /// <exception cref="System.IO.InvalidDataException">The list does not hold this rule's number of tensors per atom.</exception>
        public abstract void ImportState(IReadOnlyList<Dense> atoms, IReadOnlyList<Tensor?> state);

        /// <summary>Releases the state's tensors.</summary>
        public abstract void Dispose();

        /// <summary>Per-atom buffers of the same shapes as the layer's (weight, bias), created on first use.</summary>
        private protected sealed class ParameterBuffers : IDisposable
        {
            private readonly Dictionary<Dense, (Tensor Weight, Tensor Bias)> _buffers = new();

            public (Tensor Weight, Tensor Bias) For(Dense atom)
            {
                if (!_buffers.TryGetValue(atom, out var b))
                {
                    b = (zeros_like(atom.Weight).DetachFromDisposeScope(), zeros_like(atom.Bias).DetachFromDisposeScope());
                    _buffers[atom] = b;
                }
                return b;
            }

            public void Zero()
            {
                foreach (var (weight, bias) in _buffers.Values)
                {
                    weight.zero_();
                    bias.zero_();
                }
            }

            public IEnumerable<Tensor?> Export(Dense atom) => _buffers.TryGetValue(atom, out var b)
                ? new[] { b.Weight.clone().DetachFromDisposeScope(), b.Bias.clone().DetachFromDisposeScope() }
                : new Tensor?[] { null, null };

            public void Import(Dense atom, Tensor? weight, Tensor? bias)
            {
                if (weight is null || bias is null) return;
                _buffers[atom] = (weight.clone().DetachFromDisposeScope(), bias.clone().DetachFromDisposeScope());
            }

            public void Dispose()
            {
                foreach (var (weight, bias) in _buffers.Values)
                {
                    weight.Dispose();
                    bias.Dispose();
                }
                _buffers.Clear();
            }
        }

        private protected static void CheckCount(IReadOnlyList<Dense> atoms, IReadOnlyList<Tensor?> state, int perAtom, string rule)
        {
            if (state.Count != atoms.Count * perAtom)
                throw new System.IO.InvalidDataException(
                    $"The saved optimizer state holds {state.Count} tensors; the {rule} rule needs {perAtom} for each of the {atoms.Count} layers.");
        }
    }

    /// <summary>
    /// Each layer's own fixed mass (<see cref="Dense.Mass"/>) and heavy-ball momentum: <c>v ← βv + u</c>,
    /// <c>Δw = −η·s·v</c> with s the schedule's factor (docs/method.md section 8). β = 0 and s = 1 is the paper's plain step.
    /// </summary>
    internal sealed class HeavyBallRule : UpdateRule
    {
        private readonly ParameterBuffers _velocity = new();

        public HeavyBallRule(double momentum)
        {
            if (!(momentum >= 0 && momentum < 1))
                throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"Invalid momentum: {momentum}. It must be in [0, 1).");
            Momentum = momentum;
        }

        /// <summary>β.</summary>
        public double Momentum { get; }

        public override string Name => FormattableString.Invariant($"fixed mass, heavy-ball momentum {Momentum}");

        public override bool IsExplicit(Dense atom) => atom.MassInverse.IsExplicit;

        public override bool HasRowFactor(Dense atom) => atom.MassInverse.HasRowFactor;

        public override MassInverse Mass(Dense atom, Tensor gradientWeight, Tensor gradientBias, long step, double learningRate) => atom.MassInverse;

        public override (Tensor Weight, Tensor Bias, double Rate) Apply(Dense atom, Tensor directionWeight, Tensor directionBias, long step,
            double learningRate, double scheduleFactor)
        {
            var (uWeight, uBias) = (directionWeight, directionBias);
            if (Momentum > 0)
            {
                var v = _velocity.For(atom);
                uWeight = v.Weight.mul_(Momentum).add_(uWeight);
                uBias = v.Bias.mul_(Momentum).add_(uBias);
            }
            double rate = learningRate * scheduleFactor;
            atom.Weight.add_(uWeight, -rate);
            atom.Bias.add_(uBias, -rate);
            return (uWeight, uBias, rate);
        }

        public override void ResetMomentum() => _velocity.Zero();

        public override List<Tensor?> ExportState(IReadOnlyList<Dense> atoms) => atoms.SelectMany(_velocity.Export).ToList();

        public override void ImportState(IReadOnlyList<Dense> atoms, IReadOnlyList<Tensor?> state)
        {
            CheckCount(atoms, state, 2, "heavy-ball");
            _velocity.Dispose();
            for (int i = 0; i < atoms.Count; i++) _velocity.Import(atoms[i], state[2 * i], state[2 * i + 1]);
        }

        public override void Dispose() => _velocity.Dispose();
    }
}
