using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;
using MLNetRiemannian.Tests.Reference;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Tests.Trainers
{
    /// <summary>
    /// Warm start, <c>Fit(trainData, modelParameters)</c> and <c>Fit(trainData, validationData, initial)</c>: training continues from the given model's weights (in its
    /// standardized units for regression), the model's shape wins, and contradicting options or data are refused.
    /// </summary>
    [TestClass]
    public sealed class WarmStartTests
    {
        public TestContext TestContext { get; set; } = null!;

        public sealed class Row
        {
            [VectorType(64)] public float[] Features = Array.Empty<float>();
            public string Label = "";
        }

        [TestMethod]
        public void AWarmStartBeginsAtTheModelsWeightsAndItsLoss()
        {
            var ml = new MLContext(seed: 1);
            var data = Digits(ml);
            var initialTransformer = Multiclass(ml, epochs: 3).Fit(data);
            var initial = initialTransformer.Model;

            // A step of η = 1e-9 moves no weight visibly: the network the fit starts from is the model's.
            var still = Multiclass(ml, epochs: 1, learningRate: 1e-9).Fit(data, null, initial).Model;
            AssertSameWeights(initial, still, 1e-5);
            // Its first epoch's loss is the model's mean cross-entropy on the rows, computed here from ML.NET's scores.
            var probabilities = initialTransformer.Transform(data).GetColumn<float[]>("Score").ToArray();
            var labels = data.GetColumn<uint>("Label").ToArray();
            double crossEntropy = probabilities.Select((p, i) => -Math.Log(p[labels[i] - 1])).Average();
            TestContext.WriteLine($"initial model's cross-entropy {crossEntropy:G5}, warm start's first epoch {still.History[0].TrainingLoss:G5}");
            Assert.AreEqual(crossEntropy, still.History[0].TrainingLoss, 1e-3 * crossEntropy);

            // At the default rate the warm start's first epoch is near the model's last, far below a fresh fit's first.
            var warm = Multiclass(ml, epochs: 1).Fit(data, null, initial).Model;
            double fresh = initial.History[0].TrainingLoss, last = initial.History[^1].TrainingLoss, continued = warm.History[0].TrainingLoss;
            TestContext.WriteLine($"fresh first epoch {fresh:G5}, initial's last {last:G5}, warm start's first {continued:G5}");
            Assert.IsTrue(continued < 1.2 * last && continued < 0.5 * fresh, $"warm start's first epoch loss {continued}");
            Assert.AreEqual(1, warm.History.Count);
        }

        [TestMethod]
        public void ARegressionWarmStartKeepsTheModelsStandardizationAndPredictsDollars()
        {
            var ml = new MLContext(seed: 1);
            var houses = Houses();
            var data = ml.Transforms.Concatenate("Features", "Size", "Rooms", "Age").Fit(ml.Data.LoadFromEnumerable(houses))
                .Transform(ml.Data.LoadFromEnumerable(houses));
            var initialTransformer = Regression(ml, epochs: 4).Fit(data);
            var initial = initialTransformer.Model;
            var st = initial.LabelStandardization!;

            // The unfold (W/s, (b − m)/s) and the fold back (s·W, s·b + m) give the model's weights to Single rounding.
            var still = Regression(ml, epochs: 1, learningRate: 1e-9).Fit(data, null, initial).Model;
            AssertSameWeights(initial, still, 1e-5);

            // A model without a standardization (regression saved before format 4) continues in the label's units and stays without one
            // (gradients in dollars² are ~1e10, hence the smaller η that leaves the weights in place).
            int layers = initial.LayerSizes.Count - 1;
            var unstandardized = new RiemannianMlpModelParameters(ml, PredictionTask.Regression, initial.Activation, initial.LayerSizes.ToArray(),
                Enumerable.Range(0, layers).Select(l => initial.GetWeights(l).ToArray()).ToArray(),
                Enumerable.Range(0, layers).Select(l => initial.GetBias(l).ToArray()).ToArray(), initial.OutputMetric, initial.History);
            // Built from the weights alone, it has no input scaling either: the default options continue it without one.
            var raw = Regression(ml, epochs: 1, learningRate: 1e-18).Fit(data, null, unstandardized).Model;
            Assert.IsNull(raw.LabelStandardization);
            AssertSameWeights(initial, raw, 1e-5);

            // Continuing on a quarter of the rows keeps the model's mean and scale, not those of the rows.
            var quarter = ml.Data.TakeRows(data, houses.Count / 4);
            var onQuarter = Regression(ml, epochs: 1).Fit(quarter, null, initial).Model;
            Assert.AreEqual(st, onQuarter.LabelStandardization);
            double quarterMean = houses.Take(houses.Count / 4).Average(h => (double)h.Price);
            Assert.AreNotEqual(quarterMean, st.Mean, 1.0, "the quarter's mean differs, so the test can tell them apart");

            var more = Regression(ml, epochs: 4).Fit(data, null, initial);
            Assert.AreEqual(st, more.Model.LabelStandardization);
            double before = ml.Regression.Evaluate(initialTransformer.Transform(data), labelColumnName: "Price").RSquared;
            var after = ml.Regression.Evaluate(more.Transform(data), labelColumnName: "Price");
            var predictions = more.Transform(data).GetColumn<float>("Score").ToArray();
            TestContext.WriteLine($"training R² {before:F4} after 4 epochs, {after.RSquared:F4} after 4 more; predictions {predictions.Min():F0} to {predictions.Max():F0}");
            Assert.IsTrue(after.RSquared >= before - 0.005, $"R² {before:F4} → {after.RSquared:F4}");
            float low = houses.Min(h => h.Price), high = houses.Max(h => h.Price), margin = (high - low) / 4;
            Assert.IsTrue(predictions.All(p => p > low - margin && p < high + margin), $"predictions {predictions.Min()} to {predictions.Max()}, prices {low} to {high}");
            // In dollars: the RMSE in the history is of the order of the prices' spread, not of a standardized label.
            Assert.IsTrue(more.Model.History[^1].TrainingMetric > 1e2, $"training RMSE {more.Model.History[^1].TrainingMetric}");
        }

        [TestMethod]
        public void BinaryWarmStartWithAValidationSetKeepsItsAccuracy()
        {
            var ml = new MLContext(seed: 1);
            var split = ml.Data.TrainTestSplit(SampleData.BreastCancer(ml), testFraction: 0.25, seed: 1);
            var featurize = ml.Transforms.Concatenate("Features", "Measurements").Append(ml.Transforms.NormalizeMinMax("Features")).Fit(split.TrainSet);
            IDataView train = featurize.Transform(split.TrainSet), test = featurize.Transform(split.TestSet);
            RiemannianMlpBinaryTrainer Binary(int epochs) =>
                ml.BinaryClassification.Trainers.RiemannianMlp(new RiemannianMlpBinaryTrainer.Options { HiddenLayerSizes = new[] { 8 }, NumberOfEpochs = epochs, Seed = 1 });
            var initial = Binary(3).Fit(train);
            var warm = Binary(2).Fit(train, test, initial.Model);
            double before = ml.BinaryClassification.Evaluate(initial.Transform(test)).Accuracy, after = ml.BinaryClassification.Evaluate(warm.Transform(test)).Accuracy;
            TestContext.WriteLine($"breast cancer hold-out accuracy {before:F4} after 3 epochs, {after:F4} after 2 more");
            Assert.IsTrue(after >= before - 0.02 && after >= 0.85, $"accuracy {before:F4} → {after:F4}");
            Assert.AreEqual(2, warm.Model.History.Count);
            Assert.IsTrue(warm.Model.History.All(e => e.ValidationMetric is not null), "the validation set is used");
        }

        [TestMethod]
        public void OptionsAndDataThatContradictTheModelThrowNamingBothValues()
        {
            var ml = new MLContext(seed: 1);
            var data = Digits(ml);
            var initial = Multiclass(ml, epochs: 1).Fit(data).Model;

            string Message(Action fit) => Assert.ThrowsExactly<ArgumentException>(fit).Message;
            var hidden = Message(() => ml.MulticlassClassification.Trainers.RiemannianMlp(
                new RiemannianMlpMulticlassTrainer.Options { HiddenLayerSizes = new[] { 8 }, NumberOfEpochs = 1 }).Fit(data, null, initial));
            StringAssert.Contains(hidden, "HiddenLayerSizes is [8]");
            StringAssert.Contains(hidden, "hidden layers are [16]");
            var activation = Message(() => ml.MulticlassClassification.Trainers.RiemannianMlp(
                new RiemannianMlpMulticlassTrainer.Options { HiddenLayerSizes = new[] { 16 }, Activation = ActivationKind.Tanh, NumberOfEpochs = 1 }).Fit(data, null, initial));
            StringAssert.Contains(activation, "Activation is Tanh");
            StringAssert.Contains(activation, "activation is ReLU");

            var wide = ml.Transforms.Concatenate("Features", "Features", "Features").Fit(data).Transform(data);
            StringAssert.Contains(Message(() => Multiclass(ml, epochs: 1).Fit(wide, null, initial)), "'Features' has 128 slots, the initial model takes 64");
            // 64 features and three classes against the model's 10.
            var rows = Enumerable.Range(0, 30).Select(i => new Row { Features = Enumerable.Range(0, 64).Select(j => (float)((i * j) % 7)).ToArray(), Label = ((char)('a' + i % 3)).ToString() }).ToList();
            var fewClasses = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
            var classes = Message(() => Multiclass(ml, epochs: 1).Fit(fewClasses, null, initial));
            StringAssert.Contains(classes, "'Label' has 3 classes, the initial model predicts 10");

            var regression = ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options { LabelColumnName = "Price", NumberOfEpochs = 1 });
            var houses = ml.Transforms.Concatenate("Features", "Size", "Rooms", "Age").Fit(ml.Data.LoadFromEnumerable(Houses())).Transform(ml.Data.LoadFromEnumerable(Houses()));
            var task = Message(() => regression.Fit(houses, null, initial));
            StringAssert.Contains(task, "trained for MulticlassClassification, this trainer trains Regression");
        }

        [TestMethod]
        public void AWarmStartOnARefittedLabelMapThatOrdersTheClassesOtherwiseNamesTheClasses()
        {
            // The c24 rows: MapValueToKey orders the classes as it meets them, so a map refitted on rows that begin with
            // another class gives the same keys to other classes, and output unit k would be trained towards another class.
            var ml = new MLContext(seed: 1);
            var rows = Orders.Rows();
            var (first, _) = Orders.Featurize(ml, rows);
            var initial = ml.MulticlassClassification.Trainers.RiemannianMlp(hiddenLayerSizes: new[] { 8 }, numberOfEpochs: 1).Fit(first).Model;
            string[] order = rows.Select(r => r.Tier).Distinct().ToArray();
            var reordered = rows.Skip(1).SkipWhile(r => r.Tier == rows[0].Tier).Take(1).Concat(rows).ToList();
            string[] refitted = reordered.Select(r => r.Tier).Distinct().ToArray();
            CollectionAssert.AreNotEqual(order, refitted);
            var (second, _) = Orders.Featurize(ml, reordered);

            var trainer = ml.MulticlassClassification.Trainers.RiemannianMlp(numberOfEpochs: 1);
            var e = Assert.ThrowsExactly<ArgumentException>(() => trainer.Fit(second, null, initial));
            TestContext.WriteLine(e.Message);
            StringAssert.Contains(e.Message, $"Label column 'Label' maps its key values to other classes than the initial model's: the model's output units are [{string.Join(", ", order)}] " +
                $"but the label's keys are now [{string.Join(", ", refitted)}]");
            StringAssert.Contains(e.Message, "the label map the initial model was trained with");
            // The same map as the model's continues.
            Assert.AreEqual(1, trainer.Fit(first, null, initial).Model.History.Count);
        }

        [TestMethod]
        public void TheRetrainingTutorialsFormFitTrainDataModelParametersIsAWarmStart()
        {
            // ML.NET's retraining docs: trainer.Fit(trainData, originalModelParameters). It is the three-argument form with
            // the options' validation (none here); a literal Fit(data, null) is ambiguous beside it, so "no validation set"
            // is Fit(data) or a typed null.
            var ml = new MLContext(seed: 1);
            var data = Digits(ml);
            var initial = Multiclass(ml, epochs: 1).Fit(data).Model;
            var tutorial = Multiclass(ml, epochs: 2).Fit(data, initial).Model;
            var explicitForm = Multiclass(ml, epochs: 2).Fit(data, null, initial).Model;
            AssertSameWeights(explicitForm, tutorial, 0);
            Assert.AreEqual(2, tutorial.History.Count, "the new epochs only");
            // TrainerInfo.SupportsIncrementalTraining is internal to ML.NET, which reads it; so does this test.
            var incremental = typeof(TrainerInfo).GetProperty("SupportsIncrementalTraining", BindingFlags.NonPublic | BindingFlags.Instance)!;
            foreach (var info in new[] { Multiclass(ml, epochs: 1).Info, ml.Regression.Trainers.RiemannianMlp().Info, ml.BinaryClassification.Trainers.RiemannianMlp().Info })
                Assert.IsTrue((bool)incremental.GetValue(info)!);

            var withNull = Multiclass(ml, epochs: 2).Fit(data, (IDataView?)null).Model;
            var without = Multiclass(ml, epochs: 2).Fit(data).Model;
            AssertSameWeights(without, withNull, 0);
            Assert.IsTrue(withNull.History.All(e => e.ValidationMetric is null));
        }

        private static RiemannianMlpMulticlassTrainer Multiclass(MLContext ml, int epochs, double? learningRate = null) =>
            ml.MulticlassClassification.Trainers.RiemannianMlp(new RiemannianMlpMulticlassTrainer.Options
            {
                HiddenLayerSizes = new[] { 16 }, NumberOfEpochs = epochs, LearningRate = learningRate, Seed = 1,
                ValidationSetFraction = 0, // every row trains: the first epoch's loss is over the rows the model scored
            });

        private static RiemannianMlpRegressionTrainer Regression(MLContext ml, int epochs, double? learningRate = null,
            InputScalingKind? scaling = null) =>
            ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options
            {
                LabelColumnName = "Price", HiddenLayerSizes = new[] { 16 }, NumberOfEpochs = epochs, LearningRate = learningRate, Seed = 1,
                ValidationSetFraction = 0, InputScaling = scaling,
                InputEncoding = InputEncodingKind.None, // the test builds an initial model from the weights alone
            });

        /// <summary>Digits with a key label and min-max scaled pixels as "Features".</summary>
        private static IDataView Digits(MLContext ml)
        {
            var raw = SampleData.Digits(ml);
            return ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.Concatenate("Features", "Pixels"))
                .Append(ml.Transforms.NormalizeMinMax("Features")).Fit(raw).Transform(raw);
        }

        private static List<LabelAndWeightFieldCaseTests.House> Houses() => LabelAndWeightFieldCaseTests.Houses("c12_house_prices.csv");

        private static void AssertSameWeights(RiemannianMlpModelParameters expected, RiemannianMlpModelParameters actual, double relative)
        {
            CollectionAssert.AreEqual(expected.LayerSizes.ToArray(), actual.LayerSizes.ToArray());
            for (int l = 0; l + 1 < expected.LayerSizes.Count; l++)
            {
                float[] e = expected.GetWeights(l).ToArray().Concat(expected.GetBias(l).ToArray()).ToArray();
                float[] a = actual.GetWeights(l).ToArray().Concat(actual.GetBias(l).ToArray()).ToArray();
                double largest = e.Max(Math.Abs);
                for (int i = 0; i < e.Length; i++)
                    Assert.AreEqual(e[i], a[i], relative * largest, $"layer {l}, parameter {i}");
            }
        }
    }
}
