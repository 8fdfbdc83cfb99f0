using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using MLNetRiemannian.Tests.Reference;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Numerics
{
    /// <summary>
    /// The managed Woodbury path of a Kronecker mass (<see cref="KroneckerWoodbury"/>) against <c>G⁻¹g</c> with G formed
    /// densely (docs/method.md section 3) and against the general path of <see cref="WoodburyStep.Direction"/>.
    /// </summary>
    [TestClass]
    public sealed class KroneckerWoodburyTests
    {
        [TestMethod]
        [DataRow(16, 10, 30, 12, ScalarType.Float64, 1e-10, false)]
        [DataRow(3, 1, 5, 4, ScalarType.Float64, 1e-10, false)]
        [DataRow(1, 2, 3, 2, ScalarType.Float64, 1e-10, false)]
        [DataRow(16, 10, 100, 40, ScalarType.Float32, 1e-4, false)]
        [DataRow(16, 10, 30, 12, ScalarType.Float64, 1e-10, true)]
        [DataRow(3, 1, 5, 4, ScalarType.Float64, 1e-10, true)]
        [DataRow(1, 2, 3, 2, ScalarType.Float64, 1e-10, true)]
        [DataRow(16, 1, 12, 256, ScalarType.Float32, 1e-4, true)]
        [DataRow(16, 10, 100, 40, ScalarType.Float32, 1e-4, true)]
        // S of 320 rows, over KroneckerWoodbury.MaximumManagedFactorization: factorized by torch.
        [DataRow(16, 20, 30, 24, ScalarType.Float64, 1e-10, false)]
        [DataRow(16, 20, 30, 24, ScalarType.Float32, 1e-3, false)]
        public void EachPathEqualsTheDenseSolve(int batch, int k, int inputs, int outputs, ScalarType dtype, double tolerance, bool managedProducts)
        {
            using var scope = NewDisposeScope();
            var (x, _, r, gw, gb, rho, gamma) = KroneckerReference.Problem(batch, k, inputs, outputs, dtype, 17);
            var (uw, ub) = (full_like(gw, float.NaN), full_like(gb, float.NaN));
            Assert.IsTrue(KroneckerWoodbury.Applies(x, r, gw, gb, rho, gamma, uw, ub));
            Assert.IsTrue(KroneckerWoodbury.TryDirection(x, r, gw, gb, rho, gamma, uw, ub, managedProducts));
            double error = TestNetworks.RelativeError(KroneckerReference.Flat(uw, ub), KroneckerReference.Direction(x, r, gw, gb, rho, gamma));
            Assert.IsTrue(error < tolerance, $"relative error {error:E2}");
        }

        [TestMethod]
        public void ASmallLayerTakesTheAllManagedSolveAndALargeOneTheTorchProducts()
        {
            Assert.IsTrue(KroneckerWoodbury.ManagedProducts(batch: 16, k: 1, inputs: 12, outputs: 256), "12→256 under one output (Servo's hidden layer)");
            Assert.IsFalse(KroneckerWoodbury.ManagedProducts(batch: 16, k: 10, inputs: 784, outputs: 256), "784→256 under ten outputs (Fashion-MNIST's)");
            Assert.IsFalse(KroneckerWoodbury.ManagedProducts(batch: 16, k: 26, inputs: 16, outputs: 256), "16→256 under 26 outputs (LetterRecognition's: S has 416 rows)");
        }

        [TestMethod]
        public void TheWoodburyStepTakesItWithoutDiagnosticsAndAgreesWithTheGeneralPath()
        {
            using var scope = NewDisposeScope();
            const int inputs = 100, outputs = 40;
            var (x, _, r, gw, gb, rho, gamma) = KroneckerReference.Problem(16, 10, inputs, outputs, ScalarType.Float32, 23);
            var atom = new Dense(inputs, outputs, generator: new Generator(1));
            using var mass = new KroneckerMassInverse(rho.clone(), gamma.clone());
            var events = new NumericalEvents();
            var managed = WoodburyStep.Direction(atom, mass, new DenseInput(x), r, gw, gb, SolvePrecision.Single, events);
            // Asked for S's condition number, which only the general path computes.
            var general = WoodburyStep.Direction(atom, mass, new DenseInput(x), r, gw, gb, SolvePrecision.Single, events, _ => { });
            double between = TestNetworks.RelativeError(KroneckerReference.Flat(managed.Weight, managed.Bias), KroneckerReference.Flat(general.Weight, general.Bias));
            Assert.IsTrue(between < 1e-4 && between > 0, $"relative difference {between:E2} (0 would mean one path ran twice)");
        }

        [TestMethod]
        public void ANonFiniteInputLeavesTheDirectionUnwrittenForTheGeneralPath()
        {
            using var scope = NewDisposeScope();
            var (x, _, r, gw, gb, rho, gamma) = KroneckerReference.Problem(4, 3, 6, 5, ScalarType.Float32, 29);
            x[1, 2] = tensor(float.PositiveInfinity);
            var (uw, ub) = (full_like(gw, 7f), full_like(gb, 7f));
            foreach (bool managedProducts in new[] { false, true })
            {
                Assert.IsFalse(KroneckerWoodbury.TryDirection(x, r, gw, gb, rho, gamma, uw, ub, managedProducts));
                Assert.IsTrue((uw == 7f).all().item<bool>() && (ub == 7f).all().item<bool>(), $"nothing may be written when the factorization fails (managed products: {managedProducts})");
            }
        }
    }
}
