using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using MLNetRiemannian.Tests.Reference;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Optimization
{
    /// <summary>The Woodbury step against the dense metric solved directly (docs/method.md section 3).</summary>
    [TestClass]
    public sealed class WoodburyStepTests
    {
        public TestContext TestContext { get; set; } = null!;

        public static IEnumerable<object[]> Cases() =>
            from metric in Enum.GetValues<MetricKind>()
            from mass in Enum.GetValues<MassKind>()
            select new object[] { metric, mass };

        private static IEnumerable<(string Name, Func<int, MassKind, ScalarType, int, RiemannianModule> Build)> Networks()
        {
            yield return ("Dense·ReLU·Dense·Tanh·Dense", (d, m, t, s) => TestNetworks.Stack(ActivationKind.ReLU, ActivationKind.Tanh, d, m, t, s));
            yield return ("Dense·LeakyReLU·Dense·Sigmoid·Dense", (d, m, t, s) => TestNetworks.Stack(ActivationKind.LeakyReLU, ActivationKind.Sigmoid, d, m, t, s));
            yield return ("Dense·Gelu·Dense·ReLU·Dense", (d, m, t, s) => TestNetworks.Stack(ActivationKind.Gelu, ActivationKind.ReLU, d, m, t, s));
            yield return ("Parallel(Dense·Tanh, Dense)·Gelu·Dense", (d, m, t, s) => TestNetworks.WithParallel(ActivationKind.Tanh, d, m, t, s));
        }

        [TestMethod]
        [DynamicData(nameof(Cases))]
        public void WoodburyStepEqualsTheDenseSolve(MetricKind metricKind, MassKind massKind)
        {
            const double float64Tolerance = 1e-9, float32Tolerance = 1e-4, flowTolerance = 1e-8;
            double worst64 = 0, worst32 = 0, worst32Double = 0, worstFlow = 0, worstGradient = 0;
            int cases = 0, seed = 0;
            foreach (var (name, build) in Networks())
            foreach (int batch in new[] { 1, 3, 8 })
            foreach (int outputs in new[] { 1, 2, 5 })
            {
                if (!MetricCase.Supports(metricKind, outputs)) continue;
                using var scope = NewDisposeScope();
                seed++;
                var generator = new Generator((ulong)(1000 + seed));
                var input = randn(new long[] { batch, TestNetworks.InputSize }, dtype: ScalarType.Float64, generator: generator);
                var target = MetricCase.Target(metricKind, batch, outputs, generator);
                var weights = batch == 3 ? rand(new long[] { batch }, dtype: ScalarType.Float64, generator: generator) + 0.2 : null;
                var loss = MetricCase.Loss(metricKind);
                var metric = MetricCase.Metric(metricKind, loss);
                string where = $"{name}, B={batch}, d={outputs}";

                using var net64 = build(outputs, massKind, ScalarType.Float64, seed);
                var reference = DenseMetricReference.Solve(net64, metricKind, input, target, weights);

                var ours64 = Flattened(net64, new RiemannianSgd(net64, loss, metric, 1), input, target, weights);
                using var net32 = build(outputs, massKind, ScalarType.Float32, seed);
                TestNetworks.CopyParameters(net64, net32);
                var input32 = input.to_type(ScalarType.Float32);
                var weights32 = weights?.to_type(ScalarType.Float32);
                var target32 = target.dtype == ScalarType.Float64 ? target.to_type(ScalarType.Float32) : target;
                var ours32 = Flattened(net32, new RiemannianSgd(net32, loss, metric, 1), input32, target32, weights32);
                var ours32Double = Flattened(net32, new RiemannianSgd(net32, loss, metric, 1, precision: SolvePrecision.Double), input32, target32, weights32);

                for (int a = 0; a < reference.Count; a++)
                {
                    var (g, metricDense, u) = reference[a];
                    double e64 = TestNetworks.RelativeError(ours64[a].Direction, u);
                    double e32 = TestNetworks.RelativeError(ours32[a].Direction, u);
                    double e32d = TestNetworks.RelativeError(ours32Double[a].Direction, u);
                    double eg = TestNetworks.RelativeError(ours64[a].Gradient, g);
                    // Paper.md section 1: on the exact flow uᵀ G u = gᵀ u.
                    var ours = ours64[a].Direction;
                    double gu = g.dot(ours).item<double>();
                    double flow = Math.Abs(ours.dot(metricDense.mv(ours)).item<double>() - gu) / gu;
                    Assert.IsTrue(eg <= float64Tolerance, $"gradient of layer {a}: relative error {eg:E2} ({where})");
                    Assert.IsTrue(e64 <= float64Tolerance, $"Float64 step of layer {a}: relative error {e64:E2} > {float64Tolerance} ({where})");
                    Assert.IsTrue(e32 <= float32Tolerance, $"Float32 step of layer {a}: relative error {e32:E2} > {float32Tolerance} ({where})");
                    Assert.IsTrue(e32d <= float32Tolerance, $"Float32 step with Float64 solve, layer {a}: relative error {e32d:E2} ({where})");
                    Assert.IsTrue(flow <= flowTolerance, $"|uᵀGu − gᵀu|/gᵀu = {flow:E2} > {flowTolerance} for layer {a} ({where})");
                    worst64 = Math.Max(worst64, e64);
                    worst32 = Math.Max(worst32, e32);
                    worst32Double = Math.Max(worst32Double, e32d);
                    worstFlow = Math.Max(worstFlow, flow);
                    worstGradient = Math.Max(worstGradient, eg);
                }
                cases++;
            }
            Assert.IsTrue(cases > 0);
            TestContext.WriteLine(
                $"| {metricKind} | {massKind} | {cases} | {worst64:E1} | {worst32:E1} | {worst32Double:E1} | {worstFlow:E1} | {worstGradient:E1} |");
        }

        [TestMethod]
        [DataRow(MetricKind.Identity)]
        [DataRow(MetricKind.GaussNewtonSoftmax)]
        [DataRow(MetricKind.GaussNewtonSquaredError)]
        [DataRow(MetricKind.Custom)]
        public void AnOutputRankOfDGivesTheExactFactorsStepAndTheDenseSolve(MetricKind metricKind)
        {
            const int batch = 3, outputs = 5;
            foreach (var (name, build) in Networks())
            foreach (var massKind in new[] { MassKind.Scalar, MassKind.Diagonal })
            {
                using var scope = NewDisposeScope();
                var generator = new Generator(41);
                var input = randn(new long[] { batch, TestNetworks.InputSize }, dtype: ScalarType.Float64, generator: generator);
                var target = MetricCase.Target(metricKind, batch, outputs, generator);
                var weights = rand(new long[] { batch }, dtype: ScalarType.Float64, generator: generator) + 0.2;
                var loss = MetricCase.Loss(metricKind);
                var metric = MetricCase.Metric(metricKind, loss);
                using var network = build(outputs, massKind, ScalarType.Float64, 7);
                var reference = DenseMetricReference.Solve(network, metricKind, input, target, weights);
                var exact = Flattened(network, new RiemannianSgd(network, loss, metric, 1), input, target, weights);
                var ranked = Flattened(network, new RiemannianSgd(network, loss, metric, new OptimizerPlan { LearningRate = 1, OutputRank = outputs }, new Generator(1)),
                    input, target, weights);
                for (int a = 0; a < reference.Count; a++)
                {
                    double error = TestNetworks.RelativeError(ranked[a].Direction, reference[a].Direction);
                    Assert.IsTrue(error <= 1e-9, $"{name}, {metricKind}, {massKind}, layer {a}: relative error {error:E2} against the dense solve");
                    Assert.IsTrue(ranked[a].Direction.equal(exact[a].Direction).all().item<bool>(), $"{name}, {metricKind}, {massKind}, layer {a}: not the exact factor's step");
                }
            }
        }

        [TestMethod]
        public void APlanOutOfRangeIsRefusedNamingTheSetting()
        {
            using var network = TestNetworks.Stack(ActivationKind.ReLU, ActivationKind.Tanh, 3, MassKind.Scalar, ScalarType.Float64, 1);
            var plan = new OptimizerPlan { LearningRate = 1 };
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new RiemannianSgd(network, new SquaredErrorLoss(), new IdentityMetric(), plan with { CurvatureRefreshSteps = 0 }));
            StringAssert.Contains(e.Message, "Invalid curvature refresh steps: 0");
            e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new RiemannianSgd(network, new SquaredErrorLoss(), new IdentityMetric(), plan with { Rule = UpdateRulePlan.AdaptiveMass(0.9, 1) }));
            StringAssert.Contains(e.Message, "Invalid second-moment decay: 1");
            var n = Assert.ThrowsExactly<ArgumentNullException>(() => new RiemannianSgd(network, new SquaredErrorLoss(), new IdentityMetric(), plan with { OutputRank = 2 }));
            StringAssert.Contains(n.Message, "generator");
        }

        [TestMethod]
        public void WithoutThePullbackTheStepIsExactlyTheInverseMassTimesTheGradient()
        {
            foreach (var massKind in Enum.GetValues<MassKind>())
            {
                using var scope = NewDisposeScope();
                var random = new Random(5);
                using var layer = new Dense(3, 4, MetricCase.Mass(massKind, 3, 4, random), ScalarType.Float64, new Generator(5));
                var generator = new Generator(9);
                var input = randn(new long[] { 6, 3 }, dtype: ScalarType.Float64, generator: generator);
                var gradientWeight = randn(new long[] { 4, 3 }, dtype: ScalarType.Float64, generator: generator);
                var gradientBias = randn(new long[] { 4 }, dtype: ScalarType.Float64, generator: generator);
                var zeroFactor = zeros(new long[] { 6, 2, 4 }, dtype: ScalarType.Float64);
                var (uWeight, uBias) = WoodburyStep.Direction(layer, layer.MassInverse, new DenseInput(input), zeroFactor, gradientWeight, gradientBias, SolvePrecision.Single, new NumericalEvents());

                var expected = cat(new[] { gradientWeight.flatten(), gradientBias }, 0) / DenseMetricReference.MassDiagonal(layer);
                var actual = cat(new[] { uWeight.flatten(), uBias }, 0);
                // Only rounding of D⁻¹ itself may differ (a Kronecker entry is 1/r · 1/c here, 1/(r·c) there).
                double worst = ((actual - expected).abs() / expected.abs()).max().item<double>();
                Assert.IsTrue(worst <= 4.5e-16, $"{massKind}: the step differs from D⁻¹ g by {worst:E2} (relative)");
            }
        }

        [TestMethod]
        [DataRow(MetricKind.Identity, MassKind.Scalar)]
        [DataRow(MetricKind.Identity, MassKind.Kronecker)]
        [DataRow(MetricKind.GaussNewtonSoftmax, MassKind.Diagonal)]
        [DataRow(MetricKind.Custom, MassKind.Scalar)]
        public void ACurvatureSubsetGivesTheDenseSolveOfItsMetricAppliedToTheWholeBatchsGradient(MetricKind metricKind, MassKind massKind)
        {
            const int batch = 7, curvature = 3, outputs = 3;
            foreach (var (name, build) in Networks())
            {
                using var scope = NewDisposeScope();
                var generator = new Generator(77);
                var input = randn(new long[] { batch, TestNetworks.InputSize }, dtype: ScalarType.Float64, generator: generator);
                var target = MetricCase.Target(metricKind, batch, outputs, generator);
                var weights = rand(new long[] { batch }, dtype: ScalarType.Float64, generator: generator) + 0.2;
                var loss = MetricCase.Loss(metricKind);
                using var network = build(outputs, massKind, ScalarType.Float64, 5);
                // G from the first samples (their weights renormalized among themselves), g from the whole batch.
                var metrics = DenseMetricReference.Solve(network, metricKind, input.narrow(0, 0, curvature), target.narrow(0, 0, curvature), weights.narrow(0, 0, curvature));
                var gradients = DenseMetricReference.Solve(network, metricKind, input, target, weights);
                var optimizer = new RiemannianSgd(network, loss, MetricCase.Metric(metricKind, loss), 1, curvatureBatchSize: curvature);
                var ours = Flattened(network, optimizer, input, target, weights);
                for (int a = 0; a < ours.Count; a++)
                {
                    var expected = linalg.solve(metrics[a].Metric, gradients[a].Gradient.unsqueeze(1)).squeeze(1);
                    double error = TestNetworks.RelativeError(ours[a].Direction, expected);
                    Assert.IsTrue(error <= 1e-9, $"{name}, {metricKind}, {massKind}, layer {a}: relative error {error:E2}");
                }
            }
        }

        [TestMethod]
        [DataRow(MassKind.Scalar)]
        [DataRow(MassKind.Kronecker)]
        public void TheOutputLayersBlockSolveEqualsTheFullSolveWithAnIdentityFactor(MassKind massKind)
        {
            using var scope = NewDisposeScope();
            const int batch = 7, inputs = 5, outputs = 4;
            using var layer = new Dense(inputs, outputs, MetricCase.Mass(massKind, inputs, outputs, new Random(3)), ScalarType.Float64, new Generator(5));
            var generator = new Generator(13);
            var input = randn(new long[] { batch, inputs }, dtype: ScalarType.Float64, generator: generator);
            var weights = rand(new long[] { batch }, dtype: ScalarType.Float64, generator: generator) + 0.5;
            var root = (weights / weights.sum()).sqrt();
            var gradientWeight = randn(new long[] { outputs, inputs }, dtype: ScalarType.Float64, generator: generator);
            var gradientBias = randn(new long[] { outputs }, dtype: ScalarType.Float64, generator: generator);
            double blockCondition = 0, fullCondition = 0;

            var (blockWeight, blockBias) = WoodburyStep.DirectionForIdentityFactor(layer, layer.MassInverse, new DenseInput(input), root, gradientWeight, gradientBias, SolvePrecision.Double,
                c => blockCondition = c);
            var identityFactor = eye(outputs, dtype: ScalarType.Float64).expand(batch, outputs, outputs) * root.view(-1, 1, 1);
            var (fullWeight, fullBias) = WoodburyStep.Direction(layer, layer.MassInverse, new DenseInput(input), identityFactor, gradientWeight, gradientBias, SolvePrecision.Double,
                new NumericalEvents(), c => fullCondition = c);

            double error = TestNetworks.RelativeError(cat(new[] { blockWeight.flatten(), blockBias }, 0), cat(new[] { fullWeight.flatten(), fullBias }, 0));
            Assert.IsTrue(error < 1e-12, $"{massKind}: block solve differs from the B·d solve by {error:E2}");
            Assert.AreEqual(fullCondition, blockCondition, 1e-9 * fullCondition, "cond(S) of the block-diagonal S");
        }

        [TestMethod]
        public void AsTheMassGrowsTheStepTendsToGradientDescentScaledByOneOverMu()
        {
            double previous = double.PositiveInfinity;
            foreach (double mu in new[] { 1e2, 1e4, 1e6 })
            {
                using var scope = NewDisposeScope();
                using var layer = new Dense(3, 4, new ScalarMass(mu), ScalarType.Float64, new Generator(5));
                var generator = new Generator(9);
                var input = randn(new long[] { 6, 3 }, dtype: ScalarType.Float64, generator: generator);
                var factor = randn(new long[] { 6, 2, 4 }, dtype: ScalarType.Float64, generator: generator);
                var gradientWeight = randn(new long[] { 4, 3 }, dtype: ScalarType.Float64, generator: generator);
                var gradientBias = randn(new long[] { 4 }, dtype: ScalarType.Float64, generator: generator);
                var (uWeight, uBias) = WoodburyStep.Direction(layer, layer.MassInverse, new DenseInput(input), factor, gradientWeight, gradientBias, SolvePrecision.Single, new NumericalEvents());

                double gap = TestNetworks.RelativeError(cat(new[] { uWeight.flatten(), uBias }, 0) * mu, cat(new[] { gradientWeight.flatten(), gradientBias }, 0));
                // G = μI + KᵀK, so μ·G⁻¹g − g = O(‖KᵀK‖/μ): the gap must shrink about 100x per 100x in μ.
                Assert.IsTrue(gap < previous / 50, $"μ={mu}: gap {gap:E2} did not shrink from {previous:E2}");
                previous = gap;
            }
            Assert.IsTrue(previous < 1e-4, $"at μ = 1e6 the step is still {previous:E2} away from g/μ");
        }

        private static List<(Tensor Gradient, Tensor Direction)> Flattened(RiemannianModule network, RiemannianSgd optimizer, Tensor input, Tensor target, Tensor? weights)
        {
            using var noGrad = no_grad();
            var (_, _, layers) = optimizer.Directions(new DenseInput(input), target, weights);
            return network.Atoms.Select(atom =>
            {
                var layer = layers.Single(l => ReferenceEquals(l.Atom, atom));
                return (cat(new[] { layer.GradientWeight.flatten(), layer.GradientBias }, 0),
                        cat(new[] { layer.DirectionWeight.flatten(), layer.DirectionBias }, 0));
            }).ToList();
        }
    }
}
