using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using MLNetRiemannian.Tests.Reference;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Numerics
{
    /// <summary>
    /// The managed block solve of the output layer (identity factor <c>R_b = √ω_b·I</c>, Kronecker mass;
    /// <see cref="KroneckerBlockSolve"/>) against <c>G⁻¹g</c> with G formed densely (docs/method.md section 3.4) and
    /// against the torch path's eigendecomposition.
    /// </summary>
    [TestClass]
    public sealed class KroneckerBlockSolveTests
    {
        [TestMethod]
        [DataRow(16, 20, 10, ScalarType.Float64, 1e-10)]
        [DataRow(5, 7, 3, ScalarType.Float64, 1e-10)]
        [DataRow(1, 4, 2, ScalarType.Float64, 1e-10)]
        [DataRow(16, 256, 10, ScalarType.Float32, 1e-4)]
        public void TheManagedBlockSolveEqualsTheDenseSolve(int batch, int inputs, int outputs, ScalarType dtype, double tolerance)
        {
            using var scope = NewDisposeScope();
            var (x, root, _, gw, gb, rho, gamma) = KroneckerReference.Problem(batch, 1, inputs, outputs, dtype, 11);
            var (uw, ub) = (empty_like(gw), empty_like(gb));
            Assert.IsTrue(KroneckerBlockSolve.Applies(x, root, gw, gb, rho, gamma, uw, ub));
            Assert.IsTrue(KroneckerBlockSolve.TryDirection(x, root, gw, gb, rho, gamma, uw, ub));
            var expected = KroneckerReference.Direction(x, KroneckerReference.IdentityFactor(root, outputs), gw, gb, rho, gamma);
            double error = TestNetworks.RelativeError(KroneckerReference.Flat(uw, ub), expected);
            Assert.IsTrue(error < tolerance, $"relative error {error:E2}");
        }

        [TestMethod]
        public void ItAgreesWithTheTorchEigendecompositionPathThroughTheWoodburyStep()
        {
            using var scope = NewDisposeScope();
            const int inputs = 64, outputs = 10;
            var (x, root, _, gw, gb, rho, gamma) = KroneckerReference.Problem(16, 1, inputs, outputs, ScalarType.Float32, 7);
            var atom = new Dense(inputs, outputs, generator: new Generator(1));
            using var mass = new KroneckerMassInverse(rho.clone(), gamma.clone());
            var managed = WoodburyStep.DirectionForIdentityFactor(atom, mass, new DenseInput(x), root, gw, gb, SolvePrecision.Single);
            // Asked for S's condition number, which only the torch path gives.
            var eigen = WoodburyStep.DirectionForIdentityFactor(atom, mass, new DenseInput(x), root, gw, gb, SolvePrecision.Single, _ => { });
            double error = TestNetworks.RelativeError(KroneckerReference.Flat(managed.Weight, managed.Bias), KroneckerReference.Flat(eigen.Weight, eigen.Bias));
            Assert.IsTrue(error < 1e-4 && error > 0, $"relative difference {error:E2} (0 would mean one path ran twice)");
        }

        [TestMethod]
        public void ANonFiniteGradientIsLeftToTheTorchPathAndWritesNothing()
        {
            using var scope = NewDisposeScope();
            var (x, root, _, gw, gb, rho, gamma) = KroneckerReference.Problem(6, 1, 9, 4, ScalarType.Float32, 3);
            gb[2] = tensor(float.NaN);
            var (uw, ub) = (full_like(gw, 7f), full_like(gb, 7f));
            Assert.IsFalse(KroneckerBlockSolve.TryDirection(x, root, gw, gb, rho, gamma, uw, ub));
            Assert.IsTrue((uw == 7f).all().item<bool>() && (ub == 7f).all().item<bool>(), "nothing may be written when the solve is refused");
        }

        [TestMethod]
        public void LargeBlocksAndStridedTensorsAreLeftToTheTorchPath()
        {
            using var scope = NewDisposeScope();
            var (x, root, _, gw, gb, rho, gamma) = KroneckerReference.Problem(120, 1, 8, 3, ScalarType.Float32, 3);
            Assert.IsFalse(KroneckerBlockSolve.Applies(x, root, gw, gb, rho, gamma, empty_like(gw), empty_like(gb)), "120³/3 · 3 outputs is above the managed budget");
            var small = KroneckerReference.Problem(6, 1, 8, 3, ScalarType.Float32, 3);
            Assert.IsFalse(KroneckerBlockSolve.Applies(small.X, small.Root, small.Gw.t().contiguous().t(), small.Gb, small.Rho, small.Gamma, empty_like(small.Gw), empty_like(small.Gb)),
                "a transposed gradient is not row-major");
        }
    }
}
