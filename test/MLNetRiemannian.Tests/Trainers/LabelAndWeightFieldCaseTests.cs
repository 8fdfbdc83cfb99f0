using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Model;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Tests.Trainers
{
    /// <summary>
    /// The field cases of regression labels in natural units (c12) and mostly-zero example weights (c11)
    /// (data/field-cases/README.md): the label is standardized inside the trainer and mapped back, a batch whose
    /// weights sum to 0 changes nothing, and a failure names the column that explains it.
    /// </summary>
    [TestClass]
    public sealed class LabelAndWeightFieldCaseTests
    {
        public TestContext TestContext { get; set; } = null!;

        public sealed class House
        {
            public float Size, Rooms, Age, Price;
        }

        public sealed class Example
        {
            public float X1, X2, Weight;
            public bool Label;
        }

        [TestMethod]
        public void C12MinRowsFitsInDollarsAsWellAsWithTheLabelScaledByHand()
        {
            var houses = Houses("c12_min_15rows.csv");
            var ml = new MLContext(seed: 1);
            // 15 rows are too few to hold any out: training R², as the field case was judged.
            var (dollars, model) = FitAndScore(ml, houses, houses);
            var (scaled, _) = FitAndScore(ml, MinMaxScaled(houses), MinMaxScaled(houses));
            TestContext.WriteLine($"c12_min_15rows: training R² {dollars.RSquared:F4} in dollars, {scaled.RSquared:F4} with Price min-max scaled");
            Assert.AreEqual(scaled.RSquared, dollars.RSquared, 0.02);
            Assert.IsTrue(dollars.RSquared > 0.9, $"training R² {dollars.RSquared:F4}");

            // The standardization is the weighted (here unweighted) mean and population standard deviation of the prices.
            double mean = houses.Average(h => (double)h.Price);
            double deviation = Math.Sqrt(houses.Average(h => Math.Pow(h.Price - mean, 2)));
            Assert.AreEqual(mean, model.LabelStandardization!.Mean, 1e-6 * mean);
            Assert.AreEqual(deviation, model.LabelStandardization.Scale, 1e-6 * deviation);
            // The history is in dollars: its last training RMSE near the evaluator's (in standardized units it would be
            // the deviation times smaller) and below the prices' spread.
            var last = model.History[^1];
            Assert.IsTrue(last.TrainingMetric > dollars.RootMeanSquaredError / 10 && last.TrainingMetric < deviation,
                $"training RMSE {last.TrainingMetric}, the evaluator's {dollars.RootMeanSquaredError}, the prices' deviation {deviation}");
        }

        [TestMethod]
        public void C12HousePricesHoldOutRSquaredMatchesTheLabelScaledByHandAndPredictsDollars()
        {
            var houses = Houses("c12_house_prices.csv");
            var ml = new MLContext(seed: 1);
            var (train, test) = Split(ml, houses);
            var (dollars, model) = FitAndScore(ml, train, test, out var predictions);
            var (scaled, _) = FitAndScore(ml, MinMaxScaled(train, houses), MinMaxScaled(test, houses));
            TestContext.WriteLine($"c12_house_prices: hold-out R² {dollars.RSquared:F4} in dollars, {scaled.RSquared:F4} with Price min-max scaled; " +
                $"predictions {predictions.Min():F0} to {predictions.Max():F0}");
            Assert.AreEqual(scaled.RSquared, dollars.RSquared, 0.02);
            Assert.IsTrue(dollars.RSquared > 0.8, $"hold-out R² {dollars.RSquared:F4}");
            // Predictions in dollars: within the prices' range widened by a quarter of it on each side.
            float low = houses.Min(h => h.Price), high = houses.Max(h => h.Price), margin = (high - low) / 4;
            Assert.IsTrue(predictions.All(p => p > low - margin && p < high + margin), $"predictions {predictions.Min()} to {predictions.Max()}, prices {low} to {high}");
            Assert.AreEqual(0, model.History.Sum(e => e.NonFiniteSteps));
        }

        [TestMethod]
        public void TheValidationRmseInTheHistoryIsInDollars()
        {
            var ml = new MLContext(seed: 1);
            var (train, test) = Split(ml, Houses("c12_house_prices.csv"));
            var validation = Featurize(ml, ml.Data.LoadFromEnumerable(test));
            var model = ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options { LabelColumnName = "Price", ValidationSet = validation })
                .Fit(Featurize(ml, ml.Data.LoadFromEnumerable(train)));
            // Early stopping keeps the epoch of the best validation RMSE, so ML.NET's own RMSE of the returned model on the
            // validation rows is that history entry (up to Single rounding of the folded weights).
            double best = model.Model.History.Min(e => e.ValidationMetric!.Value);
            double evaluated = ml.Regression.Evaluate(model.Transform(validation), labelColumnName: "Price").RootMeanSquaredError;
            TestContext.WriteLine($"best validation RMSE in the history {best:F2}, ML.NET's RMSE of the returned model {evaluated:F2}");
            Assert.AreEqual(evaluated, best, 1e-4 * evaluated);
        }

        [TestMethod]
        public void TheLabelIsStandardizedWithTheWeightedMeanAndDeviationOfTheTrainingRows()
        {
            var houses = Houses("c12_min_15rows.csv");
            var weights = houses.Select((_, i) => (float)(i % 3)).ToArray(); // 0, 1, 2, 0, 1, 2, ...
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadFromEnumerable(houses.Select((h, i) => new WeightedHouse { Size = h.Size, Rooms = h.Rooms, Age = h.Age, Price = h.Price, Weight = weights[i] }));
            var model = ml.Regression.Trainers.RiemannianMlp(labelColumnName: "Price", exampleWeightColumnName: "Weight")
                .Fit(Featurize(ml, data)).Model;
            double total = weights.Sum(w => (double)w);
            double mean = houses.Select((h, i) => weights[i] * (double)h.Price).Sum() / total;
            double deviation = Math.Sqrt(houses.Select((h, i) => weights[i] * Math.Pow(h.Price - mean, 2)).Sum() / total);
            Assert.AreEqual(mean, model.LabelStandardization!.Mean, 1e-9 * mean);
            Assert.AreEqual(deviation, model.LabelStandardization.Scale, 1e-9 * deviation);

            // A constant label keeps the scale 1 (nothing to divide by) and is predicted as itself.
            var constant = ml.Data.LoadFromEnumerable(houses.Select(h => new House { Size = h.Size, Rooms = h.Rooms, Age = h.Age, Price = 250000 }));
            var flat = ml.Regression.Trainers.RiemannianMlp(labelColumnName: "Price").Fit(Featurize(ml, constant));
            Assert.AreEqual(new LabelStandardization(250000, 1), flat.Model.LabelStandardization);
            Assert.IsTrue(flat.Transform(Featurize(ml, constant)).GetColumn<float>("Score").All(p => Math.Abs(p - 250000) < 1), "a constant label is predicted as itself");
        }

        public sealed class WeightedHouse
        {
            public float Size, Rooms, Age, Price, Weight;
        }

        [TestMethod]
        public void ALabelOfMagnitude1e30TrainsLikeTheSameLabelInDollars()
        {
            var houses = Houses("c12_min_15rows.csv");
            var huge = houses.Select(h => new House { Size = h.Size, Rooms = h.Rooms, Age = h.Age, Price = h.Price * 1e25f }).ToList();
            var ml = new MLContext(seed: 1);
            var (dollars, _) = FitAndScore(ml, houses, houses);
            var (scaled, model) = FitAndScore(ml, huge, huge, out var predictions);
            TestContext.WriteLine($"training R² {dollars.RSquared:F4} in dollars, {scaled.RSquared:F4} in units of 1e-25 dollars");
            Assert.AreEqual(dollars.RSquared, scaled.RSquared, 0.02);
            Assert.IsTrue(predictions.All(p => p > 5e29f && p < 1e31f), $"predictions {predictions.Min()} to {predictions.Max()}");
            Assert.IsTrue(model.History.All(e => double.IsFinite(e.TrainingLoss)), "the loss in label units overflowed");
        }

        [TestMethod]
        public void FeaturesOfMagnitude1e30StopTrainingNamingTheFeatureColumnNotTheLabel()
        {
            var houses = Houses("c12_min_15rows.csv").Select(h => new House { Size = h.Size * 1e30f, Rooms = h.Rooms, Age = h.Age, Price = h.Price }).ToList();
            var ml = new MLContext(seed: 1);
            // Features as given (the default robust scaling would tame them): the path that names the column when they overflow.
            var e = Assert.ThrowsExactly<ArithmeticException>(() => FitAndScore(ml, houses, houses, InputScalingKind.None));
            TestContext.WriteLine(e.Message);
            StringAssert.Contains(e.Message, "The training statistics point at: feature column 'Features' has values of magnitude up to ");
            StringAssert.Contains(e.Message, "(slot 0)");
            Assert.IsFalse(e.Message.Contains("label column 'Price' has a value"), e.Message);
            StringAssert.Contains(e.Message, "label column 'Price' in [1"); // the statistics, label range included
        }

        [TestMethod]
        public void AModelThatLearnedNothingSaysSoInTheLog()
        {
            // A price that alternates with the row's position, which the untrained network's function of the features
            // cannot follow: with a learning rate of 1e-9 the network stays as initialized and predicts no better than the mean.
            var houses = Houses("c12_house_prices.csv").Select((h, i) => new House { Size = h.Size, Rooms = h.Rooms, Age = h.Age, Price = i % 2 == 0 ? 1e5f : 3e5f }).ToList();
            var warnings = new List<string>();
            var ml = new MLContext(seed: 1);
            ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning || e.RawMessage.StartsWith("Epoch", StringComparison.Ordinal)) warnings.Add(e.RawMessage); };
            var data = Featurize(ml, ml.Data.LoadFromEnumerable(houses));
            ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options { LabelColumnName = "Price", LearningRate = 1e-9, NumberOfEpochs = 1 }).Fit(data);
            TestContext.WriteLine(string.Join("\n", warnings));
            Assert.AreEqual(1, warnings.Count(w => w.StartsWith("RiemannianMlp trained badly", StringComparison.Ordinal)), string.Join("\n", warnings));

            warnings.Clear();
            ml.Regression.Trainers.RiemannianMlp(labelColumnName: "Price").Fit(Featurize(ml, ml.Data.LoadFromEnumerable(Houses("c12_house_prices.csv"))));
            Assert.AreEqual(0, warnings.Count(w => w.Contains("trained badly")), string.Join("\n", warnings));
        }

        [TestMethod]
        public void C11FlippedZeroWeightRowsAreIgnored()
        {
            var examples = Examples("c11_flipped_zero_weights.csv");
            var ml = new MLContext(seed: 1);
            // Default options: the input scaling is learned from the rows of positive weight only, as the loss and the step use them.
            var model = FitBinary(ml, examples, new RiemannianMlpBinaryTrainer.Options());
            var weighted = examples.Where(e => e.Weight == 1).ToList();
            Assert.AreEqual(60, weighted.Count);
            double auc = ml.BinaryClassification.Evaluate(model.Transform(Featurize(ml, ml.Data.LoadFromEnumerable(weighted)))).AreaUnderRocCurve;
            TestContext.WriteLine($"AUC on the 60 rows of weight 1: {auc:F4}");
            Assert.IsTrue(auc >= 0.9, $"AUC {auc:F4}");
        }

        [TestMethod]
        public void C11MinRowsSkipsTheZeroWeightBatchWithoutTouchingParametersOrMomentum()
        {
            var examples = Examples("c11_min_4rows.csv");
            // A schedule plans over every batch, the skipped one included, so the run without those rows would plan fewer
            // steps: the constant schedule isolates what is checked here (the adaptive mass's moments and averages).
            var options = new RiemannianMlpBinaryTrainer.Options
            {
                BatchSize = 2, Shuffle = false, NumberOfEpochs = 20, Seed = 3, LearningRateSchedule = LearningRateScheduleKind.Constant,
            };
            var model = FitBinary(new MLContext(seed: 1), examples, options).Model;
            Assert.IsTrue(model.History.All(e => e.ZeroWeightBatches == 1 && double.IsFinite(e.TrainingLoss)), "every epoch's first batch (rows 0 and 1) weighs 0");

            // The same training without the two rows of weight 0 takes exactly the steps that remain: the skipped batch
            // changed nothing, the momentum included (a decayed velocity would change every later step).
            var reference = FitBinary(new MLContext(seed: 1), examples.Where(e => e.Weight > 0).ToList(), options).Model;
            Assert.IsTrue(reference.History.All(e => e.ZeroWeightBatches == 0));
            for (int l = 0; l < model.LayerSizes.Count - 1; l++)
            {
                CollectionAssert.AreEqual(reference.GetWeights(l).ToArray(), model.GetWeights(l).ToArray(), $"weights {l}");
                CollectionAssert.AreEqual(reference.GetBias(l).ToArray(), model.GetBias(l).ToArray(), $"bias {l}");
            }
            for (int i = 0; i < model.History.Count; i++)
                Assert.AreEqual(reference.History[i].TrainingLoss, model.History[i].TrainingLoss, 1e-12, $"epoch {i + 1}'s loss is the weighted mean over the weighted rows");
        }

        [TestMethod]
        public void C11MostlyZeroWeightsTrainsAndCountsTheSkippedBatches()
        {
            var examples = Examples("c11_mostly_zero_weights.csv");
            var ml = new MLContext(seed: 1);
            var model = FitBinary(ml, examples, new RiemannianMlpBinaryTrainer.Options { HiddenLayerSizes = new[] { 16 }, NumberOfEpochs = 10, ValidationSetFraction = 0 });
            var weighted = examples.Where(e => e.Weight > 0).ToList();
            double auc = ml.BinaryClassification.Evaluate(model.Transform(Featurize(ml, ml.Data.LoadFromEnumerable(weighted)))).AreaUnderRocCurve;
            TestContext.WriteLine($"default batches: AUC {auc:F4} on the {weighted.Count} weighted rows, {model.Model.History.Sum(e => e.ZeroWeightBatches)} skipped batches");
            Assert.IsTrue(auc >= 0.85, $"AUC {auc:F4}");
            Assert.AreEqual(10, model.Model.History.Count);

            // In file order with batches of 8 the skipped batches are known in advance: those of eight rows of weight 0.
            const int batch = 8;
            int expected = Enumerable.Range(0, (examples.Count + batch - 1) / batch).Count(b => examples.Skip(b * batch).Take(batch).All(e => e.Weight == 0));
            var ordered = FitBinary(ml, examples, new RiemannianMlpBinaryTrainer.Options { HiddenLayerSizes = new[] { 16 }, NumberOfEpochs = 10, BatchSize = batch, Shuffle = false, ValidationSetFraction = 0 }).Model;
            TestContext.WriteLine($"batches of {batch} in file order: {expected} of {examples.Count / batch} weigh 0");
            Assert.IsTrue(expected > 0);
            Assert.IsTrue(ordered.History.All(e => e.ZeroWeightBatches == expected), string.Join(", ", ordered.History.Select(e => e.ZeroWeightBatches)));
            Assert.AreEqual(0, ordered.History.Sum(e => e.NonFiniteSteps));
        }

        [TestMethod]
        public void AllZeroWeightsThrowBeforeTrainingNamingTheWeightColumn()
        {
            var examples = Examples("c11_mostly_zero_weights.csv");
            foreach (var e in examples) e.Weight = 0;
            var ml = new MLContext(seed: 1);
            var thrown = Assert.ThrowsExactly<ArgumentException>(() => FitBinary(ml, examples, new RiemannianMlpBinaryTrainer.Options { NumberOfEpochs = 1, ValidationSetFraction = 0 }));
            StringAssert.Contains(thrown.Message, "Example weight column 'Weight' is 0 in every one of the 1280 training rows");
        }

        // ---- helpers ----

        private static string FieldCase(string file) => Path.Combine(AppContext.BaseDirectory, "data", "field-cases", file);

        internal static List<House> Houses(string file) =>
            File.ReadLines(FieldCase(file)).Skip(1).Select(line => line.Split(',').Select(float.Parse).ToArray())
                .Select(v => new House { Size = v[0], Rooms = v[1], Age = v[2], Price = v[3] }).ToList();

        private static List<Example> Examples(string file) =>
            File.ReadLines(FieldCase(file)).Skip(1).Select(line => line.Split(','))
                .Select(v => new Example { X1 = float.Parse(v[0]), X2 = float.Parse(v[1]), Label = bool.Parse(v[2]), Weight = float.Parse(v[3]) }).ToList();

        /// <summary>Price mapped to [0, 1] by the min and max of <paramref name="range"/> (default: the rows themselves).</summary>
        private static List<House> MinMaxScaled(List<House> houses, List<House>? range = null)
        {
            range ??= houses;
            float low = range.Min(h => h.Price), high = range.Max(h => h.Price);
            return houses.Select(h => new House { Size = h.Size, Rooms = h.Rooms, Age = h.Age, Price = (h.Price - low) / (high - low) }).ToList();
        }

        /// <summary>ML.NET's 80/20 TrainTestSplit with a fixed seed, read back as rows so the scaled copy holds the same rows.</summary>
        private static (List<House> Train, List<House> Test) Split(MLContext ml, List<House> houses)
        {
            var split = ml.Data.TrainTestSplit(ml.Data.LoadFromEnumerable(houses), testFraction: 0.2, seed: 1);
            return (ml.Data.CreateEnumerable<House>(split.TrainSet, false).ToList(), ml.Data.CreateEnumerable<House>(split.TestSet, false).ToList());
        }

        private static IDataView Featurize(MLContext ml, IDataView data) =>
            ml.Transforms.Concatenate("Features", data.Schema.GetColumnOrNull("Size") is null ? new[] { "X1", "X2" } : new[] { "Size", "Rooms", "Age" }).Fit(data).Transform(data);

        private static (RegressionMetrics Metrics, RiemannianMlpModelParameters Model) FitAndScore(MLContext ml, List<House> train, List<House> test,
            InputScalingKind? scaling = null) => FitAndScore(ml, train, test, out _, scaling);

        /// <summary>The regression trainer with default options and labelColumnName "Price", as the field case ran it.</summary>
        private static (RegressionMetrics Metrics, RiemannianMlpModelParameters Model) FitAndScore(MLContext ml, List<House> train, List<House> test, out float[] predictions,
            InputScalingKind? scaling = null)
        {
            var model = ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options { LabelColumnName = "Price", InputScaling = scaling })
                .Fit(Featurize(ml, ml.Data.LoadFromEnumerable(train)));
            var scored = model.Transform(Featurize(ml, ml.Data.LoadFromEnumerable(test)));
            predictions = scored.GetColumn<float>("Score").ToArray();
            return (ml.Regression.Evaluate(scored, labelColumnName: "Price"), model.Model);
        }

        private static BinaryPredictionTransformer<RiemannianMlpModelParameters> FitBinary(MLContext ml, List<Example> examples, RiemannianMlpBinaryTrainer.Options options)
        {
            options.ExampleWeightColumnName = "Weight";
            return ml.BinaryClassification.Trainers.RiemannianMlp(options).Fit(Featurize(ml, ml.Data.LoadFromEnumerable(examples)));
        }
    }
}
