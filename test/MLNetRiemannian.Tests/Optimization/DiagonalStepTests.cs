using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Optimization
{
    /// <summary>
    /// The input scale's step (docs/method.md section 10.1): <c>u = G⁻¹g</c> with <c>G = Σ_b diag(x_b) R_bᵀR_b diag(x_b) + D</c>
    /// against G formed entry by entry in Float64, on both of its solves, and a whole optimizer step against the metric
    /// built from autograd's Jacobians of the network's output in s.
    /// </summary>
    [TestClass]
    public sealed class DiagonalStepTests
    {
        [TestMethod]
        [DataRow(5, DisplayName = "n = 5 ≤ b·k = 6: G itself")]
        [DataRow(9, DisplayName = "n = 9 > b·k = 6: Woodbury's inner system")]
        public void TheDirectionSolvesTheMetricFormedEntryByEntry(int n)
        {
            using var scope = NewDisposeScope();
            var generator = new Generator(7);
            const int b = 2, k = 3;
            var x = randn(new long[] { b, n }, dtype: ScalarType.Float64, generator: generator);
            var r = randn(new long[] { b, k, n }, dtype: ScalarType.Float64, generator: generator);
            var g = randn(n, dtype: ScalarType.Float64, generator: generator);
            // D⁻¹ over four orders of magnitude, as an adaptive mass makes it.
            var dInverse = pow(10.0, rand(n, dtype: ScalarType.Float64, generator: generator) * 4 - 2);

            var u = DiagonalStep.Direction(new DenseInput(x), r, g, dInverse, SolvePrecision.Single, new NumericalEvents());

            double[] xs = x.data<double>().ToArray(), rs = r.data<double>().ToArray(), ds = dInverse.data<double>().ToArray();
            var entries = new double[n * n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    double sum = i == j ? 1 / ds[i] : 0;
                    for (int sample = 0; sample < b; sample++)
                        for (int row = 0; row < k; row++)
                            sum += rs[(sample * k + row) * n + i] * xs[sample * n + i] * rs[(sample * k + row) * n + j] * xs[sample * n + j];
                    entries[i * n + j] = sum;
                }
            var metric = tensor(entries, new long[] { n, n });
            var expected = linalg.solve(metric, g);
            double error = ((u - expected).norm() / expected.norm()).item<double>();
            Assert.IsTrue(error <= 1e-9, $"relative error {error:E2}");
            // uᵀGu = gᵀu: the step's length in the metric is the gradient's along it.
            double uGu = u.dot(metric.mv(u)).item<double>(), gu = g.dot(u).item<double>();
            Assert.AreEqual(gu, uGu, 1e-9 * Math.Abs(gu));
        }

        [TestMethod]
        [DataRow(false, DisplayName = "fixed mass μ, plain step")]
        [DataRow(true, DisplayName = "adaptive mass, first step")]
        public void AnOptimizerStepMovesTheScaleByTheMetricBuiltFromAutograd(bool adaptive)
        {
            using var scope = NewDisposeScope();
            var generator = new Generator(11);
            const int batch = 4, n = 3, outputs = 2;
            const double eta = 0.3, mu = 2.0;
            var diagonal = new Diagonal(n, mu, ScalarType.Float64);
            diagonal.Scale.copy_(1 + 0.2 * randn(n, dtype: ScalarType.Float64, generator: generator));
            var first = new Dense(n, 5, new ScalarMass(mu), ScalarType.Float64, generator);
            var last = new Dense(5, outputs, new ScalarMass(mu), ScalarType.Float64, generator);
            using var network = new Sequential(diagonal, first, new Tanh(5), last);
            var rest = new Sequential(first, new Tanh(5), last);
            var x = randn(new long[] { batch, n }, dtype: ScalarType.Float64, generator: generator);
            var y = randn(new long[] { batch, outputs }, dtype: ScalarType.Float64, generator: generator);
            var loss = new SquaredErrorLoss();

            // Reference, in Float64 from autograd: g = ∂ℓ/∂s with ℓ the mean loss, J_b = ∂f(x_b)/∂s, G = Σ_b (1/B) J_bᵀJ_b + D
            // (the identity metric), D = μ·I or, at the adaptive mass's first step, diag((|g| + ε)/η).
            var s = diagonal.Scale.clone().requires_grad_(true);
            var g = autograd.grad(new[] { loss.Value(rest.Forward(x * s), y).mean() }, new[] { s })[0].detach();
            var metric = zeros(new long[] { n, n }, dtype: ScalarType.Float64);
            for (int b = 0; b < batch; b++)
            {
                var output = rest.Forward(x[b].unsqueeze(0) * s);
                var j = stack(Enumerable.Range(0, outputs).Select(o => autograd.grad(new[] { output[0, o] }, new[] { s }, retain_graph: true)[0]).ToArray());
                metric += j.t().mm(j) / batch;
            }
            var d = adaptive ? (g.abs() + DiagonalRule.Epsilon) / eta : full(n, mu, dtype: ScalarType.Float64);
            var expected = -(adaptive ? 1 : eta) * linalg.solve(metric.detach() + diag(d), g);

            var before = diagonal.Scale.clone();
            using var optimizer = new RiemannianSgd(network, loss, new IdentityMetric(), new OptimizerPlan
            {
                LearningRate = eta, Rule = adaptive ? UpdateRulePlan.AdaptiveMass(0.9, 0.999) : UpdateRulePlan.HeavyBall(0),
            });
            optimizer.Step(x, y);
            var moved = diagonal.Scale - before;
            double error = ((moved - expected).norm() / expected.norm()).item<double>();
            Assert.IsTrue(error <= 1e-9, $"relative error {error:E2}: moved [{string.Join(", ", moved.data<double>().ToArray())}], expected [{string.Join(", ", expected.data<double>().ToArray())}]");
        }
    }
}
