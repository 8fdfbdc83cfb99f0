using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Tests.Reference;

namespace MLNetRiemannian.Tests.Trainers
{
    [TestClass]
    public sealed class BinaryAndRegressionTrainerTests
    {
        public TestContext TestContext { get; set; } = null!;

        [TestMethod]
        public void BreastCancerReachesNinetyFivePercentWithLogisticRegressionsColumns()
        {
            var ml = new MLContext(seed: 1);
            var split = ml.Data.TrainTestSplit(SampleData.BreastCancer(ml), testFraction: 0.25, seed: 1);
            var featurize = ml.Transforms.Concatenate("Features", "Measurements").Append(ml.Transforms.NormalizeMinMax("Features"));
            var scored = featurize.Append(ml.BinaryClassification.Trainers.RiemannianMlp()).Fit(split.TrainSet).Transform(split.TestSet);
            var metrics = ml.BinaryClassification.Evaluate(scored);
            TestContext.WriteLine($"breast cancer: accuracy {metrics.Accuracy:F4}, AUC {metrics.AreaUnderRocCurve:F4}, log-loss {metrics.LogLoss:F4}");
            Assert.IsTrue(metrics.Accuracy >= 0.95, $"accuracy {metrics.Accuracy:F4} < 0.95");

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
