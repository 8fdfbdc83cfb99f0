using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Tests.Trainers
{
    /// <summary>src/MLNetRiemannian/Trainers/PlannedCost.cs against hand-worked plans.</summary>
    [TestClass]
    public sealed class PlannedCostTests
    {
        [TestMethod]
        public void ADenseImageTablePlansAboutOneUpdatePerNonZeroAndIsNotWarnedAbout()
        {
            // Fashion-MNIST: 784-256-10, 60,000 rows of 784 stored values, batches of 256, 12 epochs.
            var cost = PlannedCost.Of(new[] { 784, 256, 10 }, 60_000, 256, 12, 784);
            Assert.AreEqual(785L * 256 + 257L * 10, cost.Parameters);
            Assert.AreEqual(235L, cost.StepsPerEpoch);                       // ⌈60,000 / 256⌉
            Assert.AreEqual(203_530.0 * 235 / (60_000.0 * 784), cost.UpdatesPerNonZero, 1e-12);
            Assert.AreEqual(203_530.0 * 235 * 12, cost.Updates, 1e-3);
            Assert.IsNull(cost.Warning("Features"));
            StringAssert.Contains(cost.Describe(), "12 epochs × 235 steps, each updating all 203,530 parameters");
        }

        [TestMethod]
        public void HashedIdsOnAWideFirstLayerAreWarnedAboutWithWhatToChange()
        {
            // c31's plan: three ids hashed to 2²⁰ slots each, a first layer of 16, 1,585 rows of 3 non-zeros, batch 64, 41 epochs.
            var cost = PlannedCost.Of(new[] { 3 << 20, 16, 1 }, 1_585, 64, 41, 3);
            Assert.AreEqual((3L << 20) * 16, cost.FirstLayerWeights);
            Assert.AreEqual(25L, cost.StepsPerEpoch);
            double expected = ((3L << 20) + 1.0) * 16 + 17;
            Assert.AreEqual(expected * 25 / (1_585.0 * 3), cost.UpdatesPerNonZero, 1e-6);
            string warning = cost.Warning("Features")!;
            Assert.IsNotNull(warning);
            StringAssert.Contains(warning, "50,331,648 weights at each of its 1,025 steps");
            StringAssert.Contains(warning, "feature column 'Features'");
            StringAssert.Contains(warning, "fewer hashing bits");
        }

        [TestMethod]
        public void TheColumnSparseStepPlansTheColumnsItsRowsUseAndIsNotWarnedAbout()
        {
            // The same plan with the column-sparse first layer: a step touches at most (64 + 16 curvature rows) × 3 = 240
            // columns of 16 weights, plus the 17 + 16 other parameters; each epoch ends by bringing the touched columns
            // (at most the 4,755 non-zeros) up to date.
            var cost = PlannedCost.Of(new[] { 3 << 20, 16, 1 }, 1_585, 64, 41, 3, columnSparse: true, curvatureRows: 16);
            Assert.AreEqual(240L, cost.ColumnsPerStep);
            Assert.AreEqual(240.0 * 16 + 33, cost.UpdatesPerStep, 1e-9);
            Assert.AreEqual(4_755.0 * 16, cost.CatchUpsPerEpoch, 1e-9);
            Assert.AreEqual(((240.0 * 16 + 33) * 25 + 4_755.0 * 16) / 4_755.0, cost.UpdatesPerNonZero, 1e-9);
            Assert.IsTrue(cost.UpdatesPerNonZeroAndUnit < 3, $"{cost.UpdatesPerNonZeroAndUnit}");
            Assert.IsNull(cost.Warning("Features"));
            StringAssert.Contains(cost.Describe(), "41 epochs × 25 steps, each updating at most 240 of the first layer's 3,145,728 input columns");
        }
    }
}
