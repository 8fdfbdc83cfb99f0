using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Optimization;
using MLNetRiemannian.Tests.Reference;
using static TorchSharp.torch;
using MassKind = MLNetRiemannian.Tests.Reference.MassKind;

namespace MLNetRiemannian.Tests.Optimization
{
    /// <summary>
    /// Decoupled weight decay (docs/method.md section 11): <c>w ← (1 − η·s_t·λ)·w − rate·m</c> on the weights, nothing on the
    /// biases, and nothing in the gradient or the mass: checked against the same step without decay and against the
    /// closed form of a run whose gradient is zero.
    /// </summary>
    [TestClass]
    public sealed class WeightDecayTests
    {
        private const double Eta = 0.05, Lambda = 0.3;

        [TestMethod]
        [DataRow(ScalarType.Float64, 1e-10)]
        [DataRow(ScalarType.Float32, 2e-4)]
        public void AnAdaptiveStepShrinksTheWeightsByEtaLambdaAndLeavesTheBiasesTheGradientAndTheMassAlone(ScalarType dtype, double tolerance)
        {
            using var scope = NewDisposeScope();
            using var decayed = TestNetworks.Stack(ActivationKind.ReLU, ActivationKind.Tanh, 3, MassKind.Scalar, dtype, 5);
            using var plain = TestNetworks.Stack(ActivationKind.ReLU, ActivationKind.Tanh, 3, MassKind.Scalar, dtype, 5);
            var before = decayed.Atoms.Select(a => a.Weight.to_type(ScalarType.Float64).clone()).ToList();
            OptimizerPlan Plan(double lambda) => new() { LearningRate = Eta, Rule = UpdateRulePlan.AdaptiveMass(0.9, 0.999) with { WeightDecay = lambda } };
            using var withDecay = new RiemannianSgd(decayed, new SquaredErrorLoss(), new IdentityMetric(), Plan(Lambda));
            using var without = new RiemannianSgd(plain, new SquaredErrorLoss(), new IdentityMetric(), Plan(0));
            var generator = new Generator(3);
            var x = randn(new long[] { 6, TestNetworks.InputSize }, dtype: dtype, generator: generator);
            var y = randn(new long[] { 6, 3 }, dtype: dtype, generator: generator);
            withDecay.Step(x, y);
            without.Step(x, y);

            for (int a = 0; a < decayed.Atoms.Count; a++)
            {
                // The constant schedule's s = 1: the weights differ by exactly −η·λ·w₀ (the direction did not see λ).
                var difference = decayed.Atoms[a].Weight.to_type(ScalarType.Float64) - plain.Atoms[a].Weight.to_type(ScalarType.Float64);
                double error = TestNetworks.RelativeError(difference, before[a] * (-Eta * Lambda));
                Assert.IsTrue(error <= tolerance, $"layer {a}: relative error {error:E2} against −ηλw₀");
                Assert.IsTrue(decayed.Atoms[a].Bias.equal(plain.Atoms[a].Bias).all().item<bool>(), $"layer {a}: the bias was decayed");
            }
            // The averaged direction and the second moments (the mass D) are those of the step without decay.
            using var stateWith = withDecay.ExportState();
            using var stateWithout = without.ExportState();
            for (int l = 0; l < stateWith.Layers.Count; l++)
                foreach (var ((name, w), (_, o)) in stateWith.Layers[l].Parts.Zip(stateWithout.Layers[l].Parts))
                    if (w is not null) Assert.IsTrue(w.equal(o!).all().item<bool>(), $"layer {l}'s {name} saw the decay");
        }

        [TestMethod]
        public void WithAZeroGradientTheWeightsDecayGeometricallyAndTheBiasesStay()
        {
            // A target equal to the current output makes the squared error's gradient 0 at every step, so the Riemannian
            // direction and the heavy-ball velocity stay 0 and only the decay moves anything: w_T = (1 − ηλ)^T w₀.
            using var scope = NewDisposeScope();
            using var network = TestNetworks.Stack(ActivationKind.Tanh, ActivationKind.Tanh, 2, MassKind.Scalar, ScalarType.Float64, 9);
            var weights = network.Atoms.Select(a => a.Weight.clone()).ToList();
            var biases = network.Atoms.Select(a => a.Bias.clone()).ToList();
            var plan = new OptimizerPlan { LearningRate = Eta, Rule = UpdateRulePlan.HeavyBall(0.9) with { WeightDecay = Lambda } };
            using var optimizer = new RiemannianSgd(network, new SquaredErrorLoss(), new IdentityMetric(), plan);
            var x = randn(new long[] { 5, TestNetworks.InputSize }, dtype: ScalarType.Float64, generator: new Generator(4));
            const int steps = 7;
            for (int t = 0; t < steps; t++)
            {
                Tensor target;
                using (no_grad()) target = network.Forward(x).detach().clone();
                optimizer.Step(x, target);
            }
            double shrink = Math.Pow(1 - Eta * Lambda, steps);
            for (int a = 0; a < network.Atoms.Count; a++)
            {
                double error = TestNetworks.RelativeError(network.Atoms[a].Weight, weights[a] * shrink);
                Assert.IsTrue(error <= 1e-12, $"layer {a}: relative error {error:E2} against (1 − ηλ)^{steps}·w₀");
                Assert.IsTrue(network.Atoms[a].Bias.allclose(biases[a], 0, 1e-15), $"layer {a}: the bias moved");
            }
        }

        [TestMethod]
        public void ANegativeOrInfiniteWeightDecayIsRefusedNamingIt()
        {
            foreach (double bad in new[] { -1e-3, double.PositiveInfinity, double.NaN })
            {
                var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => (UpdateRulePlan.AdaptiveMass(0.9, 0.999) with { WeightDecay = bad }).Validate());
                StringAssert.Contains(e.Message, "weight decay");
            }
        }
    }
}
