using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Tests.Reference;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Tests.Trainers
{
    [TestClass]
    public sealed class BinaryAndRegressionTrainerTests
    {
        public TestContext TestContext { get; set; } = null!;

        [TestMethod]
        public void BreastCancerReachesNinetyThreePercentWithLogisticRegressionsColumns()
        {
            var ml = new MLContext(seed: 1);
            var split = ml.Data.TrainTestSplit(SampleData.BreastCancer(ml), testFraction: 0.25, seed: 1);
            var featurize = ml.Transforms.Concatenate("Features", "Measurements").Append(ml.Transforms.NormalizeMinMax("Features"));
            // The mean over three seeds: 138 test rows make one row 0.7 points, and a single seed's accuracy moves by a row
            // (the default robust input scaling: 0.9420, 0.9348, 0.9348 for seeds 1–3; without it, 0.9493, 0.9565, 0.9565; the
            // fixed mass without it 0.9638 at seed 1). The scaling was chosen on the table suite's mean (docs/method.md
            // section 11.4), where this table's 3-seed median lost 0.9 points with it: min-max scaled columns gain nothing from it.
            double mean = 0;
            IDataView scored = null!;
            foreach (int seed in new[] { 1, 2, 3 })
            {
                scored = featurize.Append(ml.BinaryClassification.Trainers.RiemannianMlp(new RiemannianMlpBinaryTrainer.Options { Seed = seed }))
                    .Fit(split.TrainSet).Transform(split.TestSet);
                var metrics = ml.BinaryClassification.Evaluate(scored);
                TestContext.WriteLine($"breast cancer, seed {seed}: accuracy {metrics.Accuracy:F4}, AUC {metrics.AreaUnderRocCurve:F4}, log-loss {metrics.LogLoss:F4}");
                mean += metrics.Accuracy / 3;
            }
            Assert.IsTrue(mean >= 0.93, $"mean accuracy {mean:F4} < 0.93");

            var lbfgs = featurize.Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression()).Fit(split.TrainSet).Transform(split.TestSet);
            foreach (var name in new[] { "Score", "Probability", "PredictedLabel" })
                Assert.AreEqual(lbfgs.Schema[name].Type, scored.Schema[name].Type, $"column {name}");
        }

        [TestMethod]
        public void BostonHousingReachesRSquaredOfOneHalfWithSdcaRegressionsColumns()
        {
            var ml = new MLContext(seed: 1);
            var split = ml.Data.TrainTestSplit(SampleData.BostonHousing(ml), testFraction: 0.25, seed: 1);
            var featurize = ml.Transforms.Concatenate("Features", "Attributes").Append(ml.Transforms.NormalizeMeanVariance("Features"));
            var scored = featurize.Append(ml.Regression.Trainers.RiemannianMlp()).Fit(split.TrainSet).Transform(split.TestSet);
            var metrics = ml.Regression.Evaluate(scored);
            TestContext.WriteLine($"Boston housing (no B): R² {metrics.RSquared:F4}, RMSE {metrics.RootMeanSquaredError:F3}");
            Assert.IsTrue(metrics.RSquared >= 0.5, $"R² {metrics.RSquared:F4} < 0.5");

            var sdca = featurize.Append(ml.Regression.Trainers.Sdca()).Fit(split.TrainSet).Transform(split.TestSet);
            Assert.AreEqual(sdca.Schema["Score"].Type, scored.Schema["Score"].Type);
        }
    }
}
