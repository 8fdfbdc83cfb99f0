using System;
using System.Collections.Generic;
using System.Linq;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Optimization
{
    /// <summary>
    /// Accumulates an epoch's diagnostics (<see cref="DiagnosticTotals"/>) from the optimizer's steps (docs/method.md section 1). Every
    /// quantity is computed in Float64 from the step's own tensors, so the solver residual measures the solve and not
    /// the diagnostic's rounding. Costs per layer and step two products with K, two with D, and the condition estimate's
    /// 60 matrix-vector products and solves; nothing at all when the optimizer has no diagnostics attached.
    /// </summary>
    internal sealed class TrainingDiagnostics
    {
        private readonly Dictionary<Dense, LayerTotals> _totals;
        private readonly LayerTotals[] _layers;
        private double _lossDecrease;

        /// <param name="atoms">The network's dense layers, in the order the diagnostics list them (input side first).</param>
        public TrainingDiagnostics(IReadOnlyList<Dense> atoms)
        {
            _layers = atoms.Select(_ => new LayerTotals()).ToArray();
            _totals = atoms.Select((atom, i) => (atom, i)).ToDictionary(p => p.atom, p => _layers[p.i]);
        }

        /// <summary>Records a layer's direction <c>u ≈ G⁻¹g</c> and the update direction actually applied (<c>Δw = −η·applied</c>).</summary>
        public void AddLayer(LayerStep layer, Tensor appliedWeight, Tensor appliedBias, double learningRate)
        {
            using var scope = NewDisposeScope();
            double dualNorm = Dot(layer.GradientWeight, layer.DirectionWeight) + Dot(layer.GradientBias, layer.DirectionBias);
            var metric = new LayerMetric(layer);
            double metricNorm = metric.Norm(layer.DirectionWeight, layer.DirectionBias);
            double applied = metric.Norm(appliedWeight, appliedBias);
            var totals = _totals[layer.Atom];
            totals.Steps++;
            totals.DualNorm += dualNorm;
            totals.Residual = Math.Max(totals.Residual, Math.Abs(metricNorm - dualNorm) / dualNorm);
            totals.Length += learningRate * Math.Sqrt(applied);
            totals.Action += 0.5 * learningRate * (applied + dualNorm);
        }

        /// <summary>Records the estimated condition number of a layer's inner system.</summary>
        public void AddCondition(Dense atom, double condition) => _totals[atom].Condition = Math.Max(_totals[atom].Condition, condition);

        /// <summary>Records a step's batch loss before and after it.</summary>
        public void AddLossChange(double before, double after) => _lossDecrease += before - after;

        /// <summary>The epoch's diagnostics; starts the next epoch from zero.</summary>
        public DiagnosticTotals Finish()
        {
            var layers = _layers.Select(t => new LayerDiagnosticTotals(
                t.DualNorm / Math.Max(t.Steps, 1), t.Residual, t.Length / Math.Max(t.Steps, 1), t.Action, t.Condition)).ToArray();
            var result = new DiagnosticTotals(layers.Sum(l => l.Action), _lossDecrease, layers);
            foreach (var t in _layers) t.Clear();
            _lossDecrease = 0;
            return result;
        }

        /// <summary>
        /// One step's <c>G = KᵀK + D</c> of a layer in Float64, with K's rows <c>R_b ⊗ x̃_b</c> (<see cref="WoodburyStep"/>)
        /// never formed: <c>vᵀ G v = |K v|² + vᵀ D v</c>.
        /// </summary>
        private readonly struct LayerMetric
        {
            private readonly InputBatch _input;
            private readonly Tensor _factor, _massWeight, _massBias;

            public LayerMetric(LayerStep layer)
            {
                _input = layer.Input.ToType(ScalarType.Float64);
                _factor = layer.Factor.to_type(ScalarType.Float64);
                // D is diagonal: its entries are the reciprocals of D⁻¹ applied to ones.
                var (inverseWeight, inverseBias) = layer.Mass.Apply(ones_like(layer.DirectionWeight), ones_like(layer.DirectionBias));
                _massWeight = inverseWeight.to_type(ScalarType.Float64).reciprocal();
                _massBias = inverseBias.to_type(ScalarType.Float64).reciprocal();
            }

            public double Norm(Tensor weight, Tensor bias)
            {
                var w = weight.to_type(ScalarType.Float64);
                var b = bias.to_type(ScalarType.Float64);
                var kv = _factor.bmm(_input.TimesTransposed(w).add_(b).unsqueeze(2));
                return kv.square().sum().item<double>() + (w.square() * _massWeight).sum().item<double>() + (b.square() * _massBias).sum().item<double>();
            }
        }

        private static double Dot(Tensor a, Tensor b) =>
            (a.to_type(ScalarType.Float64) * b.to_type(ScalarType.Float64)).sum().item<double>();

        private sealed class LayerTotals
        {
            public int Steps;
            public double DualNorm, Residual, Length, Action, Condition;

            public void Clear() => (Steps, DualNorm, Residual, Length, Action, Condition) = (0, 0, 0, 0, 0, 0);
        }
    }

    /// <summary>
    /// An epoch's diagnostics as <see cref="TrainingDiagnostics"/> measured them (the fit loop hands them to the model's
    /// history as <c>EpochDiagnostics</c>, whose members these are).
    /// </summary>
    /// <param name="Action">The layers' actions summed.</param>
    /// <param name="LossDecrease">The batch losses before the steps minus after them, summed over the epoch's steps.</param>
    /// <param name="Layers">Per dense layer, input side first.</param>
    internal sealed record DiagnosticTotals(double Action, double LossDecrease, IReadOnlyList<LayerDiagnosticTotals> Layers);

    /// <summary>One layer's share of <see cref="DiagnosticTotals"/>: means over the epoch's steps, the largest residual and condition, the summed action.</summary>
    internal sealed record LayerDiagnosticTotals(double GradientDualNormSquared, double SolverResidual, double StepLength, double Action, double InnerSystemCondition);
}
