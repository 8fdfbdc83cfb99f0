using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Tests.Reference;
using MLNetRiemannian.Theory;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Theory
{
    /// <summary>Each part of the stability bound (docs/method.md section 7) against a dense Float64 computation, its limits, and bad input.</summary>
    [TestClass]
    public sealed class StabilityBoundTests
    {
        private const double Tolerance = 1e-9;

        public static IEnumerable<object[]> Cases() =>
            from mass in Enum.GetValues<MassKind>()
            from outputs in new[] { 1, 3 }
            select new object[] { mass, outputs };

        private static RiemannianModule Network(bool parallel, int outputs, MassKind mass, int seed) => parallel
            ? TestNetworks.WithParallel(ActivationKind.Tanh, outputs, mass, ScalarType.Float64, seed)
            : TestNetworks.Stack(ActivationKind.Tanh, ActivationKind.Gelu, outputs, mass, ScalarType.Float64, seed);

        /// <summary>Dense(4→6) · Tanh · Dense(6→5) · ReLU · Dense(5→d), every layer of mass μ; the weights do not depend on μ.</summary>
        private static RiemannianModule ScalarMassNetwork(double mu, int outputs)
        {
            using var generator = new Generator(7);
            return new Sequential(
                new Dense(4, 6, new ScalarMass(mu), ScalarType.Float64, generator), new Tanh(6),
                new Dense(6, 5, new ScalarMass(mu), ScalarType.Float64, generator), new ReLU(5),
                new Dense(5, outputs, new ScalarMass(mu), ScalarType.Float64, generator));
        }

        private static (Tensor Input, Tensor Target) Data(long n, int outputs, int seed)
        {
            var generator = new Generator((ulong)seed);
            return (randn(new[] { n, 4L }, dtype: ScalarType.Float64, generator: generator),
                    randn(new[] { n, (long)outputs }, dtype: ScalarType.Float64, generator: generator));
        }

        private static void Close(double actual, double expected, double tolerance, string what) =>
            Assert.IsTrue(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"{what}: {actual:R} against {expected:R} (tolerance {tolerance:E0} relative)");

        [TestMethod]
        [DynamicData(nameof(Cases))]
        public void EachPartEqualsTheDenseComputation(MassKind massKind, int outputs)
        {
            foreach (bool parallel in new[] { false, true })
            {
                using var scope = NewDisposeScope();
                const long n = 7;
                using var network = Network(parallel, outputs, massKind, 11 + outputs);
                var (input, target) = Data(n, outputs, 3);
                var estimate = StabilityBound.Estimate(network, new SquaredErrorLoss(), input, target);

                var jacobian = DenseStabilityReference.Jacobian(network, input);
                double kappa = DenseStabilityReference.Kappa(jacobian);
                double lipschitz = (network.Forward(input) - target).norm(1).max().item<double>();
                double mu = network.Atoms.Min(a => DenseStabilityReference.MinimumMass(a));
                double xi = DenseStabilityReference.Xi(network, jacobian, n);
                string where = $"{(parallel ? "parallel" : "stack")}, {massKind} mass, d = {outputs}";

                Assert.AreEqual(n, estimate.SampleCount);
                Assert.AreEqual(n, estimate.XiSampleCount, "ξ uses every sample when n is below the default subset");
                Close(estimate.Kappa, kappa, Tolerance, $"κ ({where})");
                Close(estimate.LossLipschitz, lipschitz, Tolerance, $"L ({where})");
                Close(estimate.SmallestMass, mu, 1e-6, $"μ ({where})"); // masses are stored as Single
                Close(estimate.Xi, xi, 1e-7, $"ξ ({where})");
                Close(estimate.Bound, DenseStabilityReference.Bound(kappa, lipschitz, xi, mu, n), 1e-6, $"bound ({where})");
            }
        }

        [TestMethod]
        [DynamicData(nameof(Cases))]
        public void TheBoundIsNeverBelowTwiceLTimesRootN(MassKind massKind, int outputs)
        {
            // ξ ≤ λ_min(J Jᵀ)/(nμ) ≤ κ²/(nμ), so 2κ²L/(ξμ√n) ≥ 2L√n, with equality only in degenerate cases.
            foreach (long n in new long[] { 1, 4, 9 })
            {
                using var scope = NewDisposeScope();
                using var network = Network(true, outputs, massKind, 30 + (int)n);
                var (input, target) = Data(n, outputs, 40 + (int)n);
                var estimate = StabilityBound.Estimate(network, new SquaredErrorLoss(), input, target);
                double floor = 2 * estimate.LossLipschitz * Math.Sqrt(n);
                Assert.IsTrue(estimate.Bound >= floor, $"bound {estimate.Bound:E3} < 2L√n = {floor:E3} ({massKind} mass, d = {outputs}, n = {n})");
            }
        }

        [TestMethod]
        public void SoftmaxCrossEntropyLipschitzConstantIsTheLargestProbabilityResidual()
        {
            using var scope = NewDisposeScope();
            using var network = Network(false, 3, MassKind.Scalar, 5);
            var (input, _) = Data(6, 3, 4);
            var classes = tensor(new long[] { 0, 2, 1, 1, 0, 2 });
            var estimate = StabilityBound.Estimate(network, new SoftmaxCrossEntropyLoss(), input, classes);
            var residual = nn.functional.softmax(network.Forward(input), 1) - nn.functional.one_hot(classes, 3).to_type(ScalarType.Float64);
            Close(estimate.LossLipschitz, residual.norm(1).max().item<double>(), Tolerance, "L of softmax cross-entropy");
        }

        [TestMethod]
        public void XiOfALinearModelIsAnalytic()
        {
            // z = W x + b: J_i = I_d ⊗ x̃_iᵀ, so κ = max ‖x̃_i‖, and with one layer H = N (I + N)⁻¹ where N = I_d ⊗ X̃X̃ᵀ/(nμ):
            // ξ = λ/(1 + λ) with λ = λ_min(X̃X̃ᵀ)/(nμ).
            using var scope = NewDisposeScope();
            const long n = 3;
            const double mu = 0.7;
            using var network = new Dense(4, 2, new ScalarMass(mu), ScalarType.Float64, new Generator(1));
            var (input, target) = Data(n, 2, 9);
            var augmented = cat(new[] { input, ones(n, 1, dtype: ScalarType.Float64) }, 1);
            double lambda = linalg.eigvalsh(augmented.mm(augmented.t()))[0].item<double>() / (n * mu);
            var estimate = StabilityBound.Estimate(network, new SquaredErrorLoss(), input, target);
            Close(estimate.Kappa, augmented.norm(1).max().item<double>(), Tolerance, "κ of a linear model");
            Close(estimate.Xi, lambda / (1 + lambda), Tolerance, "ξ of a linear model");
        }

        [TestMethod]
        public void XiFromASubsetIsItsPrincipalBlockAndNeverBelowTheExactValue()
        {
            using var scope = NewDisposeScope();
            const long n = 9;
            using var network = Network(false, 2, MassKind.Kronecker, 21);
            var (input, target) = Data(n, 2, 8);
            var estimate = StabilityBound.Estimate(network, new SquaredErrorLoss(), input, target, xiSampleCount: 4);
            var jacobian = DenseStabilityReference.Jacobian(network, input);
            Assert.AreEqual(4, estimate.XiSampleCount);
            Close(estimate.Xi, DenseStabilityReference.Xi(network, jacobian, n, new long[] { 0, 2, 4, 6 }), 1e-7, "ξ of the evenly spaced rows 0, 2, 4, 6");
            double exact = DenseStabilityReference.Xi(network, jacobian, n);
            Assert.IsTrue(estimate.Xi >= exact, $"ξ from 4 of 9 samples, {estimate.Xi:E3}, is below the exact {exact:E3}");
            Close(estimate.Kappa, DenseStabilityReference.Kappa(jacobian), Tolerance, "κ still covers every sample");
        }

        [TestMethod]
        public void XiIsZeroAndTheBoundInfiniteWhenTheOutputsOutnumberTheParameters()
        {
            using var scope = NewDisposeScope();
            using var network = Network(false, 1, MassKind.Scalar, 2); // 71 parameters
            var (input, target) = Data(72, 1, 6);
            var estimate = StabilityBound.Estimate(network, new SquaredErrorLoss(), input, target);
            Assert.AreEqual(0, estimate.Xi);
            Assert.AreEqual(0, estimate.XiSampleCount);
            Assert.AreEqual(double.PositiveInfinity, estimate.Bound);
            double dense = DenseStabilityReference.Xi(network, DenseStabilityReference.Jacobian(network, input), 72);
            Assert.IsTrue(Math.Abs(dense) < 1e-10, $"the dense ξ of a rank-deficient H is {dense:E2}, not 0");
        }

        [TestMethod]
        public void LargeMassesMakeTheBoundIndependentOfTheMass()
        {
            // μ → ∞: H = Σ_a N_a (I + N_a)⁻¹ → Σ_a J_a J_aᵀ/(nμ), so μ·ξ → λ_min(J Jᵀ)/n and the bound stops depending on μ.
            using var scope = NewDisposeScope();
            const long n = 6;
            var (input, target) = Data(n, 2, 12);
            using var large = ScalarMassNetwork(1e6, 2);
            using var larger = ScalarMassNetwork(1e7, 2);
            var estimate = StabilityBound.Estimate(large, new SquaredErrorLoss(), input, target);
            var jacobian = DenseStabilityReference.Jacobian(large, input).reshape(n * 2, -1);
            double limit = linalg.eigvalsh(jacobian.mm(jacobian.t()))[0].item<double>() / n;
            Close(1e6 * estimate.Xi, limit, 1e-4, "μ·ξ at μ = 10⁶");
            Close(StabilityBound.Estimate(larger, new SquaredErrorLoss(), input, target).Bound, estimate.Bound, 1e-4, "the bound at μ = 10⁷ and 10⁶");
        }

        [TestMethod]
        public void SmallMassesMakeTheBoundInverselyProportionalToTheMass()
        {
            // μ → 0: N_a (I + N_a)⁻¹ → the projector onto the range of J_a, so ξ tends to a positive constant and the bound
            // grows exactly as 1/μ.
            using var scope = NewDisposeScope();
            const long n = 5;
            var (input, target) = Data(n, 2, 13);
            using var small = ScalarMassNetwork(1e-7, 2);
            using var smaller = ScalarMassNetwork(1e-8, 2);
            var jacobian = DenseStabilityReference.Jacobian(small, input).reshape(n * 2, -1);
            var projectors = zeros(n * 2, n * 2, dtype: ScalarType.Float64);
            long offset = 0;
            foreach (var atom in small.Atoms)
            {
                var (u, s, _) = linalg.svd(jacobian.narrow(1, offset, atom.ParameterCount), fullMatrices: false);
                var range = u.narrow(1, 0, s.gt(1e-10 * s.max()).sum().item<long>());
                projectors += range.mm(range.t());
                offset += atom.ParameterCount;
            }
            double limit = linalg.eigvalsh(projectors)[0].item<double>();
            var estimate = StabilityBound.Estimate(small, new SquaredErrorLoss(), input, target);
            Close(estimate.Xi, limit, 1e-4, "ξ at μ = 10⁻⁷");
            Close(StabilityBound.Estimate(smaller, new SquaredErrorLoss(), input, target).Bound, 10 * estimate.Bound, 1e-4, "the bound at μ = 10⁻⁸ against 10 × the bound at 10⁻⁷");
        }

        [TestMethod]
        public void BadInputIsNamed()
        {
            using var scope = NewDisposeScope();
            using var network = Network(false, 1, MassKind.Scalar, 1);
            var (input, target) = Data(4, 1, 1);
            var loss = new SquaredErrorLoss();
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => StabilityBound.Estimate(network, loss, input.narrow(1, 0, 3), target)).Message, "[n, 4]");
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => StabilityBound.Estimate(network, loss, input.narrow(0, 0, 0), target)).Message, "n ≥ 1");
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => StabilityBound.Estimate(network, loss, input, target.narrow(0, 0, 3))).Message, "one row per input row (4)");
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => StabilityBound.Estimate(network, loss, input, target, 0)).Message, "ξ sample count: 0");
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => StabilityBound.Estimate(new Tanh(4), loss, input, target)).Message, "no dense layer");
            Assert.ThrowsExactly<ArgumentNullException>(() => StabilityBound.Estimate(null!, loss, input, target));
        }
    }
}
