using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using MLNetRiemannian.Tests.Reference;
using static TorchSharp.torch;
using MassKind = MLNetRiemannian.Tests.Reference.MassKind;

namespace MLNetRiemannian.Tests.Optimization
{
    /// <summary>
    /// The adaptive Kronecker mass (docs/method.md section 9): its moments against a hand computation in plain doubles, and
    /// the step with the mass frozen at the state it reached against the dense solve of <c>G = Σ ω JᵀMJ + D_t</c>, also
    /// between curvature refreshes, where the metric is the one of the rows drawn at the refresh.
    /// </summary>
    [TestClass]
    public sealed class AdaptiveMassRuleTests
    {
        private const double Beta1 = 0.9, Beta2 = 0.999, Eta = 0.05;

        private static OptimizerPlan Plan() => new() { LearningRate = Eta, Rule = UpdateRulePlan.AdaptiveMass(Beta1, Beta2) };

        [TestMethod]
        [DataRow(MetricKind.Identity)]
        [DataRow(MetricKind.GaussNewtonSoftmax)]
        public void WithTheMassFrozenTheStepIsTheDenseSolveAndTheMomentsAreAdafactors(MetricKind metricKind)
        {
            using var scope = NewDisposeScope();
            const int outputs = 3, batch = 5;
            using var network = TestNetworks.Stack(ActivationKind.ReLU, ActivationKind.Tanh, outputs, MassKind.Scalar, ScalarType.Float64, 7);
            var loss = MetricCase.Loss(metricKind);
            var metric = MetricCase.Metric(metricKind, loss);
            using var optimizer = new RiemannianSgd(network, loss, metric, Plan());
            var generator = new Generator(11);
            var history = network.Atoms.ToDictionary(a => a, _ => new List<double[,]>());

            for (int step = 1; step <= 4; step++)
            {
                var input = randn(new long[] { batch, TestNetworks.InputSize }, dtype: ScalarType.Float64, generator: generator);
                var target = MetricCase.Target(metricKind, batch, outputs, generator);
                var weights = rand(new long[] { batch }, dtype: ScalarType.Float64, generator: generator) + 0.2;
                var (_, _, layers) = optimizer.Directions(new DenseInput(input), target, weights);
                foreach (var layer in layers) history[layer.Atom].Add(Augmented(layer.GradientWeight, layer.GradientBias));
                if (step < 4)
                {
                    optimizer.Step(input, target, weights);
                    continue;
                }

                // The step's mass from the gradients seen so far, by hand.
                var reference = DenseMetricReference.Solve(network, metricKind, input, target, weights);
                for (int a = 0; a < network.Atoms.Count; a++)
                {
                    var atom = network.Atoms[a];
                    var layer = layers.Single(l => l.Atom == atom);
                    var (rowMass, columnMass) = HandMass(history[atom], step);
                    var mass = (KroneckerMassInverse)layer.Mass;
                    AssertClose(rowMass.Select(m => 1 / m).ToArray(), mass.RowInverse, 1e-12, $"ρ of layer {a}");
                    AssertClose(columnMass.Select(m => 1 / m).ToArray(), mass.ColumnInverse, 1e-12, $"γ of layer {a}");

                    // G with D_t in place of the network's own scalar mass μ.
                    var (g, denseMetric, _) = reference[a];
                    double mu = ((ScalarMass)atom.Mass).Mu;
                    var G = WithMass(denseMetric, mu, rowMass, columnMass, atom.InputSize);
                    var expected = linalg.solve(G, g.unsqueeze(1)).squeeze(1);
                    var ours = cat(new[] { layer.DirectionWeight.flatten(), layer.DirectionBias }, 0);
                    double error = TestNetworks.RelativeError(ours, expected);
                    double gu = g.dot(ours).item<double>();
                    double flow = Math.Abs(ours.dot(G.mv(ours)).item<double>() - gu) / gu;
                    Assert.IsTrue(error <= 1e-9, $"layer {a}: relative error {error:E2} against the dense solve");
                    Assert.IsTrue(flow <= 1e-9, $"layer {a}: |uᵀGu − gᵀu| / gᵀu = {flow:E2}");
                }
            }
        }

        [TestMethod]
        public void BetweenRefreshesTheMetricIsTheOneOfTheRowsDrawnAtTheRefresh()
        {
            using var scope = NewDisposeScope();
            const int outputs = 3, batch = 6;
            var metricKind = MetricKind.GaussNewtonSoftmax;
            using var network = TestNetworks.Stack(ActivationKind.Tanh, ActivationKind.ReLU, outputs, MassKind.Scalar, ScalarType.Float64, 3);
            using var atRefresh = TestNetworks.Stack(ActivationKind.Tanh, ActivationKind.ReLU, outputs, MassKind.Scalar, ScalarType.Float64, 3);
            var loss = MetricCase.Loss(metricKind);
            var metric = MetricCase.Metric(metricKind, loss);
            using var optimizer = new RiemannianSgd(network, loss, metric, Plan() with { CurvatureRefreshSteps = 3 });
            var generator = new Generator(5);
            Tensor Input() => randn(new long[] { batch, TestNetworks.InputSize }, dtype: ScalarType.Float64, generator: generator);
            var history = network.Atoms.ToDictionary(a => a, _ => new List<double[,]>());

            // Step 1 draws the curvature rows (the whole batch): remember the parameters they were drawn at.
            var (x1, y1) = (Input(), MetricCase.Target(metricKind, batch, outputs, generator));
            TestNetworks.CopyParameters(network, atRefresh);
            var (_, _, first) = optimizer.Directions(new DenseInput(x1), y1, null);
            foreach (var layer in first) history[layer.Atom].Add(Augmented(layer.GradientWeight, layer.GradientBias));
            optimizer.Step(x1, y1);
            var old = DenseMetricReference.Solve(atRefresh, metricKind, x1, y1, null);

            // Step 2 uses another batch's gradient at the new parameters with step 1's metric and D_2.
            var (x2, y2) = (Input(), MetricCase.Target(metricKind, batch, outputs, generator));
            var now = DenseMetricReference.Solve(network, metricKind, x2, y2, null);
            var (_, _, second) = optimizer.Directions(new DenseInput(x2), y2, null);
            for (int a = 0; a < network.Atoms.Count; a++)
            {
                var atom = network.Atoms[a];
                var layer = second.Single(l => l.Atom == atom);
                var g = now[a].Gradient;
                var gradients = history[atom].Append(Augmented(layer.GradientWeight, layer.GradientBias)).ToList();
                var (rowMass, columnMass) = HandMass(gradients, 2);
                double mu = ((ScalarMass)atom.Mass).Mu;
                var G = WithMass(old[a].Metric, mu, rowMass, columnMass, atom.InputSize);
                var expected = linalg.solve(G, g.unsqueeze(1)).squeeze(1);
                var ours = cat(new[] { layer.DirectionWeight.flatten(), layer.DirectionBias }, 0);
                double error = TestNetworks.RelativeError(ours, expected);
                Assert.IsTrue(error <= 1e-9, $"layer {a}: relative error {error:E2} against the dense solve with the refresh's metric");
                // And the current parameters' metric would give another direction: the check can tell them apart.
                var Gnow = WithMass(now[a].Metric, mu, rowMass, columnMass, atom.InputSize);
                double other = TestNetworks.RelativeError(ours, linalg.solve(Gnow, g.unsqueeze(1)).squeeze(1));
                Assert.IsTrue(other > 1e-6, $"layer {a}: the current metric gives the same direction ({other:E2}), so the test cannot tell");
            }
        }

        [TestMethod]
        public void ARefusedStepLeavesTheMomentsAsTheyWere()
        {
            using var scope = NewDisposeScope();
            using var network = TestNetworks.Stack(ActivationKind.ReLU, ActivationKind.ReLU, 2, MassKind.Scalar, ScalarType.Float64, 1);
            using var optimizer = new RiemannianSgd(network, new SquaredErrorLoss(), new IdentityMetric(), Plan());
            var generator = new Generator(2);
            var x = randn(new long[] { 4, TestNetworks.InputSize }, dtype: ScalarType.Float64, generator: generator);
            var y = randn(new long[] { 4, 2 }, dtype: ScalarType.Float64, generator: generator);
            optimizer.Step(x, y);
            using var before = optimizer.ExportState();
            var bad = y.clone();
            bad[0, 0] = tensor(double.NaN);
            Assert.ThrowsExactly<NonFiniteStepException>(() => optimizer.Step(x, bad));
            using var after = optimizer.ExportState();
            Assert.AreEqual(1, optimizer.Steps);
            Assert.AreEqual(before.LearningRate, after.LearningRate);
            for (int l = 0; l < before.Layers.Count; l++)
                foreach (var ((name, b), (_, a)) in before.Layers[l].Parts.Zip(after.Layers[l].Parts))
                    Assert.IsTrue(b!.equal(a!).all().item<bool>(), $"layer {l}'s {name} changed by a refused step");
        }

        [TestMethod]
        public void TheStabilityBoundTakesTheAdaptiveMassFrozenAtAState()
        {
            using var scope = NewDisposeScope();
            const int outputs = 2;
            using var network = TestNetworks.Stack(ActivationKind.Tanh, ActivationKind.Tanh, outputs, MassKind.Scalar, ScalarType.Float64, 4);
            using var optimizer = new RiemannianSgd(network, new SquaredErrorLoss(), new IdentityMetric(), Plan());
            var generator = new Generator(8);
            var x = randn(new long[] { 12, TestNetworks.InputSize }, dtype: ScalarType.Float64, generator: generator);
            var y = randn(new long[] { 12, outputs }, dtype: ScalarType.Float64, generator: generator);
            for (int i = 0; i < 3; i++) optimizer.Step(x, y);
            var (_, _, layers) = optimizer.Directions(new DenseInput(x), y, null);
            var masses = network.Atoms.Select(a => layers.Single(l => l.Atom == a).Mass).ToList();
            var frozen = MLNetRiemannian.Theory.StabilityBound.Estimate(network, new SquaredErrorLoss(), x, y, 64, masses);

            // Independently: the same weights in a network whose layers carry those masses as fixed Kronecker masses.
            KroneckerMass Fixed(int a)
            {
                var k = (KroneckerMassInverse)masses[a];
                float[] Reciprocal(Tensor t) => t.to_type(ScalarType.Float64).reciprocal().to_type(ScalarType.Float32).data<float>().ToArray();
                return new KroneckerMass(Reciprocal(k.RowInverse), Reciprocal(k.ColumnInverse));
            }
            var generatorTwin = new Generator(1);
            using var twin = new Sequential(
                new Dense(TestNetworks.InputSize, 6, Fixed(0), ScalarType.Float64, generatorTwin), Activation.Create(ActivationKind.Tanh, 6),
                new Dense(6, 5, Fixed(1), ScalarType.Float64, generatorTwin), Activation.Create(ActivationKind.Tanh, 5),
                new Dense(5, outputs, Fixed(2), ScalarType.Float64, generatorTwin));
            TestNetworks.CopyParameters(network, twin);
            var reference = MLNetRiemannian.Theory.StabilityBound.Estimate(twin, new SquaredErrorLoss(), x, y, 64);
            // The twin's masses went through Single: agreement to Single rounding.
            Assert.AreEqual(reference.SmallestMass, frozen.SmallestMass, 1e-6 * reference.SmallestMass, "μ");
            Assert.AreEqual(reference.Xi, frozen.Xi, 1e-5 * reference.Xi, "ξ");
            Assert.AreEqual(reference.Bound, frozen.Bound, 1e-5 * reference.Bound, "bound");
            Assert.AreNotEqual(MLNetRiemannian.Theory.StabilityBound.Estimate(network, new SquaredErrorLoss(), x, y, 64).SmallestMass, frozen.SmallestMass, "the network's own μ = 1 would pass unnoticed");
        }

        /// <summary>[g_W, g_b] as one out × (in + 1) array.</summary>
        private static double[,] Augmented(Tensor weight, Tensor bias)
        {
            var w = weight.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
            var b = bias.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
            int outputs = (int)weight.shape[0], inputs = (int)weight.shape[1];
            var g = new double[outputs, inputs + 1];
            for (int i = 0; i < outputs; i++)
            {
                for (int j = 0; j < inputs; j++) g[i, j] = w[i * inputs + j];
                g[i, inputs] = b[i];
            }
            return g;
        }

        /// <summary>D_t's row and column factors after <paramref name="step"/> gradients, straight from the definitions.</summary>
        private static (double[] Rows, double[] Columns) HandMass(IReadOnlyList<double[,]> gradients, int step)
        {
            int outputs = gradients[0].GetLength(0), columns = gradients[0].GetLength(1);
            var r = new double[outputs];
            var c = new double[columns];
            foreach (var g in gradients.Take(step))
            {
                for (int i = 0; i < outputs; i++)
                {
                    double sum = 0;
                    for (int j = 0; j < columns; j++) sum += g[i, j] * g[i, j];
                    r[i] = Beta2 * r[i] + (1 - Beta2) * sum / columns;
                }
                for (int j = 0; j < columns; j++)
                {
                    double sum = 0;
                    for (int i = 0; i < outputs; i++) sum += g[i, j] * g[i, j];
                    c[j] = Beta2 * c[j] + (1 - Beta2) * sum / outputs;
                }
            }
            double mean = r.Average(), correction = 1 - Math.Pow(Beta2, step);
            return (r.Select(v => Math.Sqrt(v / mean) + AdaptiveMassRule.RowEpsilon).ToArray(),
                    c.Select(v => (Math.Sqrt(v / correction) + AdaptiveMassRule.ColumnEpsilon) * Math.Sqrt(columns) / Eta).ToArray());
        }

        /// <summary>A dense metric built with the scalar mass μ, with <c>diag(rows) ⊗ diag(columns)</c> in its place.</summary>
        private static Tensor WithMass(Tensor metric, double mu, double[] rows, double[] columns, int inputs) =>
            metric - eye(metric.shape[0], dtype: ScalarType.Float64) * mu + diag(tensor(Kronecker(rows, columns, inputs), ScalarType.Float64));

        /// <summary>The diagonal of diag(rows) ⊗ diag(columns) flattened as [vec(W); b].</summary>
        private static double[] Kronecker(double[] rows, double[] columns, int inputs)
        {
            var weight = rows.SelectMany(r => columns.Take(inputs).Select(c => r * c));
            var bias = rows.Select(r => r * columns[inputs]);
            return weight.Concat(bias).ToArray();
        }

        private static void AssertClose(double[] expected, Tensor actual, double tolerance, string what)
        {
            var values = actual.to_type(ScalarType.Float64).data<double>().ToArray();
            Assert.AreEqual(expected.Length, values.Length, what);
            for (int i = 0; i < values.Length; i++)
                Assert.AreEqual(expected[i], values[i], tolerance * Math.Abs(expected[i]), $"{what}[{i}]");
        }
    }
}
