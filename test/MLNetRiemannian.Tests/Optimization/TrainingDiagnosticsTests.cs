using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using MLNetRiemannian.Tests.Reference;
using MLNetRiemannian.Trainers;
using static TorchSharp.torch;

using MassKind = MLNetRiemannian.Tests.Reference.MassKind;

namespace MLNetRiemannian.Tests.Optimization
{
    [TestClass]
    public sealed class TrainingDiagnosticsTests
    {
        public TestContext TestContext { get; set; } = null!;

        [TestMethod]
        [DataRow(MassKind.Scalar)]
        [DataRow(MassKind.Kronecker)]
        [DataRow(MassKind.Diagonal)]
        public void OneStepsDiagnosticsMatchTheDenseMetric(MassKind massKind)
        {
            using var scope = NewDisposeScope();
            const double eta = 0.1;
            const int batch = 5, outputs = 3;
            var generator = new Generator(11);
            var network = TestNetworks.Stack(ActivationKind.Tanh, ActivationKind.Gelu, outputs, massKind, ScalarType.Float64, seed: 4);
            var input = randn(new long[] { batch, TestNetworks.InputSize }, dtype: ScalarType.Float64, generator: generator);
            var target = MetricCase.Target(MetricKind.Identity, batch, outputs, generator);
            var loss = MetricCase.Loss(MetricKind.Identity);

            // The reference: dense G per layer from autograd Jacobians, and S = I + K D⁻¹ Kᵀ with K's rows √(1/B)·J_b.
            var reference = DenseMetricReference.Solve(network, MetricKind.Identity, input, target, null);
            var conditions = network.Atoms.Select(atom => DenseInnerSystemCondition(network, atom, input)).ToArray();
            double before = ReferenceLoss(network, input, target);

            using var optimizer = new RiemannianSgd(network, loss, new IdentityMetric(),
                new OptimizerPlan { LearningRate = eta, Precision = SolvePrecision.Double, RecordDiagnostics = true });
            optimizer.Step(input, target);
            double after = ReferenceLoss(network, input, target);
            var diagnostics = optimizer.Diagnostics!.Finish();

            Assert.AreEqual(network.Atoms.Count, diagnostics.Layers.Count);
            for (int a = 0; a < network.Atoms.Count; a++)
            {
                var (g, metric, u) = reference[a];
                double dual = g.dot(u).item<double>();
                var layer = diagnostics.Layers[a];
                string context = $"layer {a}, {massKind} mass";
                Assert.AreEqual(dual, layer.GradientDualNormSquared, 1e-10 * dual, $"gᵀG⁻¹g, {context}");
                Assert.IsTrue(layer.SolverResidual < 1e-10, $"Float64 solver residual {layer.SolverResidual:G3}, {context}");
                // Without momentum Δw = −η·u, so |Δw|_G = η·√(uᵀGu), and the action is ½η·uᵀGu + ½η·gᵀu.
                double length = eta * Math.Sqrt(u.dot(metric.mv(u)).item<double>());
                Assert.AreEqual(length, layer.StepLength, 1e-9 * length, $"|Δw|_G, {context}");
                Assert.AreEqual(eta * dual, layer.Action, 1e-9 * eta * dual, $"action, {context}");
                Assert.IsTrue(layer.InnerSystemCondition <= conditions[a] * (1 + 1e-9) && layer.InnerSystemCondition >= (1 - 1e-9) * conditions[a],
                    $"cond(S) estimate {layer.InnerSystemCondition} against {conditions[a]} from the eigenvalues, {context}");
            }
            Assert.AreEqual(diagnostics.Layers.Sum(l => l.Action), diagnostics.Action, 1e-12);
            Assert.AreEqual(before - after, diagnostics.LossDecrease, 1e-12 * Math.Abs(before), "the batch loss before the step minus after it");
        }

        [TestMethod]
        public void TheActionBoundsTheLossDecreaseAndSmallStepsNearlyAttainIt()
        {
            using var scope = NewDisposeScope();
            var (trainX, trainY, _, _) = Digits.Split();
            var generator = new Generator(2);
            var network = new Sequential(new Dense(64, 32, generator: generator), new ReLU(32), new Dense(32, 10, generator: generator));
            using var optimizer = new RiemannianSgd(network, new SoftmaxCrossEntropyLoss(), new IdentityMetric(), new OptimizerPlan { LearningRate = 0.02, RecordDiagnostics = true });
            for (long start = 0; start < 20 * 32; start += 32)
            {
                using var step = NewDisposeScope();
                optimizer.Step(trainX.narrow(0, start, 32), trainY.narrow(0, start, 32));
            }
            var diagnostics = optimizer.Diagnostics!.Finish();
            TestContext.WriteLine($"20 plain steps, η 0.02: action {diagnostics.Action:G6}, loss decrease {diagnostics.LossDecrease:G6}, ratio {diagnostics.LossDecrease / diagnostics.Action:F4}; " +
                string.Join("; ", diagnostics.Layers.Select(l => $"residual {l.SolverResidual:E2}, cond(S) {l.InnerSystemCondition:G4}")));
            Assert.IsTrue(diagnostics.LossDecrease > 0, $"the loss fell by {diagnostics.LossDecrease}");
            Assert.IsTrue(diagnostics.LossDecrease <= diagnostics.Action, $"loss decrease {diagnostics.LossDecrease} above the action {diagnostics.Action}");
            Assert.IsTrue(diagnostics.LossDecrease >= 0.9 * diagnostics.Action, $"small plain steps follow the flow: decrease {diagnostics.LossDecrease}, action {diagnostics.Action}");
            foreach (var layer in diagnostics.Layers)
            {
                Assert.IsTrue(layer.SolverResidual < 1e-4, $"Float32 solver residual {layer.SolverResidual:G3}");
                Assert.IsTrue(layer.InnerSystemCondition >= 1, $"S = I + K D⁻¹ Kᵀ has eigenvalues ≥ 1, so cond(S) = {layer.InnerSystemCondition} cannot be below 1");
            }
            var empty = optimizer.Diagnostics.Finish();
            Assert.AreEqual(0, empty.Action, "Finish starts the next epoch from zero");
        }

        [TestMethod]
        public void TheTrainerRecordsDiagnosticsPerEpochOnlyWhenAsked()
        {
            var ml = new MLContext(seed: 1);
            var raw = SampleData.Digits(ml);
            var data = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.Concatenate("Features", "Pixels"))
                .Append(ml.Transforms.NormalizeMinMax("Features")).Fit(raw).Transform(raw);
            var messages = new System.Collections.Generic.List<string>();
            ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
            var options = new RiemannianMlpMulticlassTrainer.Options { HiddenLayerSizes = new[] { 16 }, NumberOfEpochs = 2, RecordDiagnostics = true };
            var history = ml.MulticlassClassification.Trainers.RiemannianMlp(options).Fit(data).Model.History;
            Assert.AreEqual(2, history.Count);
            foreach (var epoch in history)
            {
                TestContext.WriteLine($"epoch {epoch.Epoch}: action {epoch.Diagnostics?.Action:G4}, loss decrease {epoch.Diagnostics?.LossDecrease:G4}; " +
                    string.Join("; ", epoch.Diagnostics?.Layers.Select(l => l.ToString()) ?? Array.Empty<string>()));
                Assert.IsNotNull(epoch.Diagnostics, $"epoch {epoch.Epoch} has no diagnostics");
                Assert.AreEqual(2, epoch.Diagnostics.Layers.Count);
                Assert.IsTrue(epoch.Diagnostics.Layers.All(l => l.GradientDualNormSquared > 0 && l.StepLength > 0 && l.SolverResidual < 1e-3 && l.InnerSystemCondition >= 1),
                    $"epoch {epoch.Epoch}: {string.Join("; ", epoch.Diagnostics.Layers)}");
            }
            // The first layer takes the pixels' piecewise linear encoding (more inputs than the 64 pixels).
            Assert.IsTrue(messages.Any(m => System.Text.RegularExpressions.Regex.IsMatch(m, @"layer \d+→16: gᵀG⁻¹g")), "the per-layer diagnostics are logged");

            options.RecordDiagnostics = false;
            var plain = ml.MulticlassClassification.Trainers.RiemannianMlp(options).Fit(data).Model.History;
            Assert.IsTrue(plain.All(e => e.Diagnostics is null), "no diagnostics unless asked for");
        }

        private static double ReferenceLoss(RiemannianModule network, Tensor input, Tensor target)
        {
            using var noGrad = no_grad();
            return (0.5 * nn.functional.mse_loss(network.Forward(input), target, reduction: nn.Reduction.None).sum(1)).mean().item<double>();
        }

        /// <summary>cond(I + K D⁻¹ Kᵀ) from its eigenvalues, K's rows the per-sample Jacobians of the output in the atom's parameters over √B.</summary>
        private static double DenseInnerSystemCondition(RiemannianModule network, Dense atom, Tensor input)
        {
            var parameters = new[] { atom.Weight, atom.Bias };
            foreach (var p in parameters) p.requires_grad_(true);
            try
            {
                var output = network.Forward(input);
                long batch = output.shape[0], d = output.shape[1];
                var rows = new Tensor[batch * d];
                for (long b = 0; b < batch; b++)
                for (long i = 0; i < d; i++)
                {
                    var g = autograd.grad(new[] { output[b, i] }, parameters, retain_graph: true);
                    rows[b * d + i] = cat(new[] { g[0].flatten(), g[1].flatten() }, 0) / Math.Sqrt(batch);
                }
                var k = stack(rows, 0).detach();
                var s = eye(batch * d, dtype: ScalarType.Float64) + (k / DenseMetricReference.MassDiagonal(atom)).mm(k.t());
                var eigenvalues = linalg.eigvalsh(s);
                return (eigenvalues.max() / eigenvalues.min()).item<double>();
            }
            finally
            {
                foreach (var p in parameters) p.requires_grad_(false);
            }
        }
    }
}
