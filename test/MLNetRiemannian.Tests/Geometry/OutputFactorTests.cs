using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Tests.Reference;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Geometry
{
    /// <summary>
    /// The sampled output factors against the metric they estimate: <c>E[Rᵀ R] = M</c> with M computed here
    /// independently (closed form), and the exact factor at k ≥ d.
    /// </summary>
    [TestClass]
    public sealed class OutputFactorTests
    {
        public TestContext TestContext { get; set; } = null!;

        /// <summary>Draws per test: N samples, all with the same output row, so each draw estimates the same M.</summary>
        private const int Draws = 200_000;

        /// <summary>
        /// Hoeffding's bound for a mean of N independent variables in [−c, c]: P(|mean − E| ≥ t) ≤ 2·exp(−N t²/(2c²)).
        /// With t = C/√N and C = c·√(2·ln(2·d²/δ)), the chance that any of the d² entries strays that far is at most
        /// δ = 1e-6 — so an unbiased factor passes and a bias larger than C/√N fails.
        /// </summary>
        private static double Tolerance(double entryBound, int outputs) =>
            entryBound * Math.Sqrt(2 * Math.Log(2.0 * outputs * outputs / 1e-6)) / Math.Sqrt(Draws);

        /// <summary>Mean of <c>R_bᵀ R_b</c> over the draws against M; returns the largest entry error and the tolerance.</summary>
        private static (double Error, double Tolerance) MeanGramError(Func<Tensor, Tensor, Tensor> draw, Tensor output, Tensor target, Tensor metric, double entryBound)
        {
            using var scope = NewDisposeScope();
            int d = (int)output.shape[1];
            var rows = draw(output.expand(Draws, d), target.expand(new long[] { Draws }.Concat(target.shape.Skip(1)).ToArray()));
            var flat = rows.reshape(-1, d);
            var mean = flat.t().mm(flat) / Draws;
            return ((mean - metric).abs().max().item<double>(), Tolerance(entryBound, d));
        }

        private static Tensor Output(int d) => randn(new long[] { 1, d }, dtype: ScalarType.Float64, generator: new Generator(3));

        [TestMethod]
        public void SampledLabelsEstimateTheSoftmaxGaussNewtonMetricWithItsEpsilonAndTheSameTestRejectsAFactorWithoutIt()
        {
            const int d = 5, k = 2;
            const double epsilon = 0.05;
            var loss = new SoftmaxCrossEntropyLoss();
            var metric = new GaussNewtonMetric(loss, epsilon);
            var output = Output(d);
            var target = tensor(new long[] { 1 });
            var p = nn.functional.softmax(output, 1)[0];
            var m = diag(p) - p.outer(p) + epsilon * eye(d, dtype: ScalarType.Float64);
            // Each row entry is (e_y − p)_i + √ε·s_i, at most 1 + √ε in size; an entry of R_bᵀR_b (a mean of k products) at most (1 + √ε)².
            double bound = Math.Pow(1 + Math.Sqrt(epsilon), 2);

            var factor = metric.FactorOfRank(k, new Generator(11));
            Assert.IsFalse(factor.IsExact(d));
            var (error, tolerance) = MeanGramError(factor.Draw, output, target, m, bound);
            TestContext.WriteLine($"sampled labels, d={d}, k={k}, N={Draws}: max |mean RᵀR − M| = {error:E2}, tolerance {tolerance:E2}");
            Assert.IsTrue(error <= tolerance, $"sampled labels: max |mean RᵀR − M| = {error:E3} > {tolerance:E3}");

            // The natural mistake: sampled labels alone, (e_y − p)/√k, which estimate diag(p) − ppᵀ and miss ε·I.
            var generator = new Generator(11);
            Tensor WithoutEpsilon(Tensor o, Tensor t)
            {
                var q = nn.functional.softmax(o, 1);
                var labels = multinomial(q, k, replacement: true, generator: generator);
                return zeros(o.shape[0], k, d, dtype: o.dtype).scatter_(2, labels.unsqueeze(2), ones(o.shape[0], k, 1, dtype: o.dtype)).sub_(q.unsqueeze(1)).div_(Math.Sqrt(k));
            }
            var (biased, _) = MeanGramError(WithoutEpsilon, output, target, m, bound);
            Assert.IsTrue(biased > tolerance, $"the factor without ε·I passed: max error {biased:E3} ≤ {tolerance:E3}");
        }

        [TestMethod]
        public void TheOrthogonalSketchEstimatesTheIdentityAndACustomMetricAndTheSameTestRejectsAnUnscaledSketch()
        {
            const int d = 5, k = 2;
            var output = Output(d);
            var target = zeros(1, d, dtype: ScalarType.Float64);
            var identity = new IdentityMetric();
            var custom = new CustomOutputMetric(MetricCase.CustomMetric);
            var customM = eye(d, dtype: ScalarType.Float64) + output[0].outer(output[0]);
            // R_bᵀR_b = (d/k)·Lᵀ Q Qᵀ L ≼ (d/k)·M, so every entry is at most (d/k)·λ_max(M).
            foreach (var (name, metric, m) in new (string, OutputMetric, Tensor)[] { ("identity", identity, eye(d, dtype: ScalarType.Float64)), ("custom", custom, customM) })
            {
                double bound = (double)d / k * linalg.eigvalsh(m).max().item<double>();
                var factor = metric.FactorOfRank(k, new Generator(12));
                var (error, tolerance) = MeanGramError(factor.Draw, output, target, m, bound);
                TestContext.WriteLine($"{name} sketch, d={d}, k={k}, N={Draws}: max |mean RᵀR − M| = {error:E2}, tolerance {tolerance:E2}");
                Assert.IsTrue(error <= tolerance, $"{name} sketch: max |mean RᵀR − M| = {error:E3} > {tolerance:E3}");
            }

            // The mistake of a projection without the √(d/k) scale: E[Q Qᵀ] = (k/d)·I.
            var generator = new Generator(12);
            Tensor Unscaled(Tensor o, Tensor t)
            {
                var (q, _) = linalg.qr(randn(new long[] { o.shape[0], d, k }, dtype: o.dtype, generator: generator));
                return q.mT;
            }
            var (biased, identityTolerance) = MeanGramError(Unscaled, output, target, eye(d, dtype: ScalarType.Float64), (double)d / k);
            Assert.IsTrue(biased > identityTolerance, $"the unscaled sketch passed: max error {biased:E3} ≤ {identityTolerance:E3}");
        }

        [TestMethod]
        public void AtRankDOrMoreTheFactorIsTheMetricsExactFactorAndDrawsRepeatWithTheSeed()
        {
            const int d = 4;
            var output = randn(new long[] { 6, d }, dtype: ScalarType.Float64, generator: new Generator(5));
            var labels = randint(d, new long[] { 6 }, dtype: ScalarType.Int64, generator: new Generator(6));
            var loss = new SoftmaxCrossEntropyLoss();
            foreach (var (metric, target) in new (OutputMetric, Tensor)[] { (new IdentityMetric(), output), (new GaussNewtonMetric(loss, 0.1), labels), (new CustomOutputMetric(MetricCase.CustomMetric), output) })
            {
                var exact = metric.ExactFactor().Draw(output, target);
                foreach (int rank in new[] { d, d + 3 })
                {
                    var factor = metric.FactorOfRank(rank, new Generator(1));
                    Assert.IsTrue(factor.IsExact(d));
                    Assert.AreEqual(d, factor.Rows(d));
                    Assert.IsTrue(factor.Draw(output, target).equal(exact).all().item<bool>(), $"{metric.GetType().Name}, rank {rank}: not the exact factor");
                }
                var first = metric.FactorOfRank(2, new Generator(9)).Draw(output, target);
                var second = metric.FactorOfRank(2, new Generator(9)).Draw(output, target);
                CollectionAssert.AreEqual(new long[] { 6, 2, d }, first.shape);
                Assert.IsTrue(first.equal(second).all().item<bool>(), $"{metric.GetType().Name}: two generators with the same seed drew different rows");
            }
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new IdentityMetric().FactorOfRank(0, new Generator(1)));
        }
    }
}
