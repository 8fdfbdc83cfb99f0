using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Tests.Trainers
{
    /// <summary>The rules that derive curvature rows, output rank, batch and epochs from the table's shape (Defaults.cs), for the fixed mass unless a test says otherwise.</summary>
    [TestClass]
    public sealed class DefaultsTests
    {
        private static TrainingSizes Resolve(int outputs, int? curvature = null, int? rank = null, long rows = 14_000, MassKind mass = MassKind.Fixed) =>
            Defaults.Resolve(new RiemannianMlpMulticlassTrainer.Options { CurvatureBatchSize = curvature, OutputRank = rank, MassKind = mass },
                new TableShape(rows, 16, 16, outputs));

        [TestMethod]
        [DataRow(2, 0)]
        [DataRow(10, 0)]     // digits, Fashion-MNIST: 160 rows, exact
        [DataRow(16, 0)]     // 256 rows exactly
        [DataRow(17, 8)]     // sampled: 16 × 8 = 128
        [DataRow(26, 8)]     // LetterRecognition (416 rows exactly)
        [DataRow(120, 8)]    // c17
        public void TheAdaptiveMassDrawsSixteenCurvatureRowsKeptForEightSteps(int outputs, int rank)
        {
            var sizes = Resolve(outputs, mass: MassKind.Adaptive);
            Assert.AreEqual(Defaults.AdaptiveCurvatureRows, sizes.CurvatureRows);
            Assert.AreEqual(16, sizes.CurvatureRows);
            Assert.AreEqual(rank, sizes.OutputRank);
            Assert.IsTrue(sizes.CurvatureRows * (rank == 0 ? outputs : rank) <= (rank == 0 ? Defaults.AdaptiveExactInnerSystemRows : Defaults.AdaptiveInnerSystemRows));
            Assert.AreEqual(8, sizes.CurvatureRefreshSteps);
            Assert.AreEqual(1, Resolve(outputs).CurvatureRefreshSteps, "the fixed mass redraws every step");
        }

        [TestMethod]
        public void TheAdaptiveMassTakesBatchesOfAtMost256()
        {
            Assert.AreEqual(64, Resolve(10, rows: 5_000, mass: MassKind.Adaptive).BatchSize);
            Assert.AreEqual(128, Resolve(10, rows: 16_000, mass: MassKind.Adaptive).BatchSize); // LetterRecognition's training rows
            Assert.AreEqual(192, Resolve(10, rows: 16_043, mass: MassKind.Adaptive).BatchSize);
            Assert.AreEqual(256, Resolve(10, rows: 60_000, mass: MassKind.Adaptive).BatchSize);
            Assert.AreEqual(512, Resolve(10, rows: 60_000).BatchSize, "the fixed mass's rule");
            // 16,000 rows in batches of 128: 26 outputs ask for 2,600 steps, 21 epochs; 60,000 rows in batches of 256 reach 1,000 steps in 5.
            Assert.AreEqual(21, Resolve(26, rows: 16_000, mass: MassKind.Adaptive).Epochs);
            Assert.AreEqual(Defaults.MinimumEpochs, Resolve(10, rows: 60_000, mass: MassKind.Adaptive).Epochs);
            Assert.AreEqual(0.08, Defaults.LearningRate(new RiemannianMlpMulticlassTrainer.Options()));
            Assert.AreEqual(0.2, Defaults.LearningRate(new RiemannianMlpMulticlassTrainer.Options { MassKind = MassKind.Fixed }));
        }

        [TestMethod]
        public void ATableUnderTheHoldOutsRowsAimsAtHalfTheSteps()
        {
            // 900 rows in batches of 64, 900/64 steps an epoch: 500 steps are ⌈35.6⌉ = 36 epochs, 1,000 are 72.
            Assert.AreEqual(36, Defaults.Epochs(900, 64, tableRows: 900));
            // The same 900 training rows left by a 20 % hold-out from 1,125: the table is not small, 1,000 steps.
            Assert.AreEqual(72, Defaults.Epochs(900, 64, tableRows: 1_125));
            Assert.AreEqual(36, Defaults.Epochs(900, 64), "without the table's rows, the training rows decide");
            Assert.AreEqual(54, Defaults.Epochs(1_200, 64), "1,200 training rows: 1,000 steps");
            Assert.AreEqual(36, Defaults.Resolve(new RiemannianMlpBinaryTrainer.Options(), new TableShape(900, 8, 8, 1, 900)).Epochs);
            // Ten outputs and more scale both budgets alike: 120 classes on 480 rows reach the cap either way.
            Assert.AreEqual(Defaults.MaximumEpochs, Defaults.Epochs(480, 64, 120, tableRows: 480));
        }

        [TestMethod]
        [DataRow(2, 64, 0)]     // 128 rows: exact
        [DataRow(10, 64, 0)]    // 640 rows: exact, as before the output rank (digits, Fashion-MNIST)
        [DataRow(11, 64, 4)]    // 704 rows exactly: sampled, 64 × 4 = 256
        [DataRow(26, 64, 4)]    // LetterRecognition
        [DataRow(120, 64, 4)]   // c17
        public void TheDefaultRankIsExactUpToTenClassesAndBoundedAbove(int outputs, int curvature, int rank)
        {
            var sizes = Resolve(outputs);
            Assert.AreEqual(curvature, sizes.CurvatureRows);
            Assert.AreEqual(rank, sizes.OutputRank);
            int rows = sizes.CurvatureRows * (rank == 0 ? outputs : rank);
            Assert.IsTrue(rows <= (rank == 0 ? Defaults.ExactInnerSystemRows : Defaults.InnerSystemRows), $"{outputs} outputs: {rows} rows");
        }

        [TestMethod]
        [DataRow(16, 256)]          // LetterRecognition
        [DataRow(784, 256)]         // Fashion-MNIST
        [DataRow(16_383, 256)]      // the widest input that keeps 256 units: 256 · 16,384 = 2^22 weights
        [DataRow(16_384, 255)]
        [DataRow(50_176, 83)]       // 6,000 lines through FeaturizeText
        [DataRow(131_073, 31)]      // two 16-bit hashed columns (c21): 2^22 / 131,074 = 31.9
        [DataRow(1 << 20, 8)]       // 2^22 / (2^20 + 1) = 3.99: floored at the narrowest default
        [DataRow(3 << 20, 8)]       // three 20-bit hashed ids (c31)
        [DataRow(262_143, 16)]      // 2^22 / 262,144 = 16
        public void TheDefaultHiddenLayerNarrowsForWideInputs(int slots, int width)
        {
            CollectionAssert.AreEqual(new[] { width }, Defaults.HiddenLayerSizes(slots));
            Assert.IsTrue(width == Defaults.MinimumHiddenLayerSize || (long)width * (slots + 1) <= Defaults.FirstLayerWeightBudget);
        }

        [TestMethod]
        public void TheDefaultHiddenLayerCountsAsOneLayerForLayerMasses()
        {
            var options = new RiemannianMlpMulticlassTrainer.Options { LayerMasses = new[] { 1.0, 2.0 } }; // HiddenLayerSizes left null
            OptionChecks.Validate(options);
            options.LayerMasses = new[] { 1.0 };
            Assert.ThrowsExactly<System.ArgumentOutOfRangeException>(() => OptionChecks.Validate(options));
        }

        [TestMethod]
        public void ChosenSizesAreKeptAndTheOtherFollowsTheBound()
        {
            Assert.AreEqual((16, 0), Pair(Resolve(26, curvature: 16)));      // 16 × 26 = 416 ≤ 640: exact
            Assert.AreEqual((128, 2), Pair(Resolve(26, curvature: 128)));    // 256 / 128
            Assert.AreEqual((16, 16), Pair(Resolve(26, rank: 16)));          // curvature cut to 256 / 16
            Assert.AreEqual((64, 0), Pair(Resolve(26, rank: 0)));            // 0: the exact factor, curvature as before
            Assert.AreEqual((64, 0), Pair(Resolve(26, rank: 26)));           // k ≥ d is the exact factor
            Assert.AreEqual((32, 8), Pair(Resolve(120, curvature: 32, rank: 8)));
        }

        [TestMethod]
        public void StepsGrowWithTheOutputsBeyondTen()
        {
            // 16,043 rows in batches of 192: 1,000 steps are 12 epochs; 26 outputs ask for 2,600 steps, 32 epochs.
            Assert.AreEqual(192, Resolve(10, rows: 16_043).BatchSize);
            Assert.AreEqual(12, Resolve(2, rows: 16_043).Epochs);
            Assert.AreEqual(12, Resolve(10, rows: 16_043).Epochs);
            Assert.AreEqual(32, Resolve(26, rows: 16_043).Epochs);
            Assert.AreEqual(Defaults.MaximumEpochs, Resolve(120, rows: 480).Epochs);
        }

        [TestMethod]
        public void SmallNetworksTrainOnOneThreadUnlessTheOptionsSayOtherwise()
        {
            var open = new RiemannianMlpMulticlassTrainer.Options();
            // 180-256-3 (DNA, the largest dense table of the suite): 181·256 + 257·3 = 47,107 parameters.
            Assert.AreEqual(1, Defaults.Threads(open, new[] { 180, 256, 3 }));
            // 255-256-1: 256·256 + 257 = 65,793 parameters, just above 2¹⁶ = 65,536; 254-256-1 holds 65,537 and 253-256-1 65,281.
            Assert.IsNull(Defaults.Threads(open, new[] { 255, 256, 1 }));
            Assert.IsNull(Defaults.Threads(open, new[] { 254, 256, 1 }));
            Assert.AreEqual(1, Defaults.Threads(open, new[] { 253, 256, 1 }));
            Assert.IsNull(Defaults.Threads(open, new[] { 784, 256, 10 }), "Fashion-MNIST keeps the process's count");
            Assert.AreEqual(2, Defaults.Threads(new RiemannianMlpMulticlassTrainer.Options { NumberOfThreads = 2 }, new[] { 34, 256, 1 }));
            Assert.AreEqual(3, Defaults.Threads(new RiemannianMlpMulticlassTrainer.Options { NumberOfThreads = 3 }, new[] { 784, 256, 10 }));
        }

        private static (int, int) Pair(TrainingSizes sizes) => (sizes.CurvatureRows, sizes.OutputRank);
    }
}
