using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Tests.Reference;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Tests.Trainers
{
    /// <summary>Messy tabular data: scales, duplicates, odd splits and weights, concurrency, determinism, and a fuzz property.</summary>
    [TestClass]
    public sealed class RobustnessTests
    {
        private sealed class Row
        {
            [VectorType(4)] public float[] Features = new float[4];
            public string Label = "";
            public float Weight = 1;
        }

        private sealed class Scored
        {
            public float[] Score = Array.Empty<float>();
        }

        private static List<Row> Blobs(int count, float scale, int seed)
        {
            var random = new Random(seed);
            return Enumerable.Range(0, count).Select(i =>
            {
                int c = i % 3;
                return new Row
                {
                    Features = Enumerable.Range(0, 4).Select(j => (float)((c == j ? 2 : 0) + random.NextDouble()) * scale).ToArray(),
                    Label = $"class{c}",
                };
            }).ToList();
        }

        private static ITransformer Fit(MLContext ml, IDataView data, RiemannianMlpMulticlassTrainer.Options? options = null) =>
            ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.MulticlassClassification.Trainers.RiemannianMlp(options ?? new RiemannianMlpMulticlassTrainer.Options { HiddenLayerSizes = new[] { 8 }, NumberOfEpochs = 20 }))
                .Fit(data);

        private static float[][] Scores(MLContext ml, ITransformer model, IDataView data) =>
            ml.Data.CreateEnumerable<Scored>(model.Transform(data), reuseRowObject: false).Select(s => s.Score).ToArray();

        [TestMethod]
        public void ExtremeFeatureScalesTrainWithoutOverflowAndRecommendNormalization()
        {
            foreach (float scale in new[] { 1e6f, 1e-6f })
            {
                var ml = new MLContext(1);
                var warnings = new List<string>();
                ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning) lock (warnings) warnings.Add(e.Message); };
                var data = ml.Data.LoadFromEnumerable(Blobs(300, scale, 1));
                // Features as given: the default robust scaling maps them to unit spread (and, checked below, leaves nothing to warn about).
                var scores = Scores(ml, Fit(ml, data, new RiemannianMlpMulticlassTrainer.Options { HiddenLayerSizes = new[] { 8 }, NumberOfEpochs = 20, InputScaling = InputScalingKind.None }), data);
                Assert.IsTrue(scores.All(s => s.All(float.IsFinite)), $"non-finite scores at feature scale {scale}");
                var warning = warnings.Single(w => w.Contains("magnitude"));
                StringAssert.Contains(warning, "'Features'");
                StringAssert.Contains(warning, "NormalizeMinMax");

                warnings.Clear();
                Assert.IsTrue(Scores(ml, Fit(ml, data), data).All(s => s.All(float.IsFinite)), $"non-finite scores at feature scale {scale}, scaled");
                Assert.IsFalse(warnings.Any(w => w.Contains("magnitude")), string.Join("\n", warnings));
            }
        }

        [TestMethod]
        public void DuplicatedRowsZeroWeightsAndASingleClassValidationSplitTrain()
        {
            var ml = new MLContext(1);
            var rows = Blobs(150, 1, 2);
            rows.AddRange(rows.Take(60).Select(r => new Row { Features = r.Features, Label = r.Label })); // duplicates
            foreach (var r in rows.Where((_, i) => i % 5 == 0)) r.Weight = 0;
            var data = ml.Data.LoadFromEnumerable(rows);
            var validation = ml.Data.LoadFromEnumerable(Blobs(30, 1, 3).Where(r => r.Label == "class1").ToList());
            var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data);
            var trainer = ml.MulticlassClassification.Trainers.RiemannianMlp(new RiemannianMlpMulticlassTrainer.Options
            {
                HiddenLayerSizes = new[] { 8 }, NumberOfEpochs = 20, ExampleWeightColumnName = "Weight", EarlyStoppingPatience = 0,
            });
            var model = trainer.Fit(keys.Transform(data), keys.Transform(validation));
            Assert.IsTrue(model.Model.History.All(e => e.ValidationMetric is >= 0 and <= 1));
            double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(keys.Transform(data))).MicroAccuracy;
            Assert.IsTrue(accuracy > 0.9, $"accuracy {accuracy:F3}");
        }

        [TestMethod]
        public void LabelsUnseenInTrainingStillScoreToATrainingClass()
        {
            var ml = new MLContext(1);
            var training = ml.Data.LoadFromEnumerable(Blobs(150, 1, 4));
            var model = ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.MulticlassClassification.Trainers.RiemannianMlp(hiddenLayerSizes: new[] { 8 }, numberOfEpochs: 20))
                .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
                .Fit(training);
            var unseen = Blobs(12, 1, 5).Select(r => new Row { Features = r.Features, Label = "never-seen" }).ToList();
            var scored = model.Transform(ml.Data.LoadFromEnumerable(unseen));
            var predicted = scored.GetColumn<string>("PredictedLabel").ToArray();
            Assert.AreEqual(12, predicted.Length);
            CollectionAssert.IsSubsetOf(predicted.Distinct().ToArray(), new[] { "class0", "class1", "class2" });
        }

        [TestMethod]
        public void TheSameSeedGivesBitIdenticalModelsAcrossFits()
        {
            var first = TrainDigits(seed: 3);
            var second = TrainDigits(seed: 3);
            var other = TrainDigits(seed: 4);
            for (int layer = 0; layer < first.LayerSizes.Count - 1; layer++)
            {
                CollectionAssert.AreEqual(first.GetWeights(layer).ToArray(), second.GetWeights(layer).ToArray(), $"layer {layer} weights");
                CollectionAssert.AreEqual(first.GetBias(layer).ToArray(), second.GetBias(layer).ToArray(), $"layer {layer} biases");
            }
            CollectionAssert.AreNotEqual(first.GetWeights(0).ToArray(), other.GetWeights(0).ToArray());

            static MLNetRiemannian.Model.RiemannianMlpModelParameters TrainDigits(int seed)
            {
                var ml = new MLContext(seed);
                var data = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.Concatenate("Features", "Pixels"))
                    .Fit(SampleData.Digits(ml)).Transform(SampleData.Digits(ml));
                return ml.MulticlassClassification.Trainers.RiemannianMlp(hiddenLayerSizes: new[] { 16 }, numberOfEpochs: 2).Fit(data).Model;
            }
        }

        [TestMethod]
        public void ConcurrentScoringIsBitIdenticalToSingleThreadedScoring()
        {
            var ml = new MLContext(1);
            var featurize = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.Concatenate("Features", "Pixels"))
                .Append(ml.Transforms.NormalizeMinMax("Features"));
            var digits = SampleData.Digits(ml);
            var model = featurize.Append(ml.MulticlassClassification.Trainers.RiemannianMlp(hiddenLayerSizes: new[] { 32 }, numberOfEpochs: 3)).Fit(digits);
            var rows = ml.Data.CreateEnumerable<SampleData.DigitRow>(digits, reuseRowObject: false).Take(400).ToArray();
            var expected = Scores(ml, model, ml.Data.LoadFromEnumerable(rows));

            // One PredictionEngine per thread (the PredictionEnginePool pattern), 8 threads, every row many times.
            long checkedCalls = 0;
            Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, thread =>
            {
                var engine = ml.Model.CreatePredictionEngine<SampleData.DigitRow, Scored>(model);
                for (int pass = 0; pass < 5; pass++)
                    for (int i = thread; i < rows.Length; i += 3)
                    {
                        var actual = engine.Predict(rows[i]).Score;
                        if (!actual.SequenceEqual(expected[i])) throw new AssertFailedException($"row {i} differs on thread {thread}");
                        System.Threading.Interlocked.Increment(ref checkedCalls);
                    }
            });
            // One shared transformer, Transform from 8 threads at once.
            var shared = Enumerable.Range(0, 8).AsParallel().WithDegreeOfParallelism(8)
                .Select(_ => Scores(ml, model, ml.Data.LoadFromEnumerable(rows))).ToArray();
            foreach (var scores in shared)
                for (int i = 0; i < rows.Length; i++)
                    CollectionAssert.AreEqual(expected[i], scores[i], $"row {i} from a shared Transform");
            Assert.IsTrue(checkedCalls > 5000, $"only {checkedCalls} concurrent calls checked");
        }

        /// <summary>
        /// Random small data sets (sizes, classes, feature scales, NaN positions, label kinds): every run either trains
        /// a model whose scores are finite or throws one of the documented exceptions.
        /// </summary>
        [TestMethod]
        public void FuzzEveryRunTrainsAFiniteModelOrThrowsADocumentedException()
        {
            var cases =
                from rows in Gen.Choose(0, 40)
                from features in Gen.Choose(1, 5)
                from classes in Gen.Choose(1, 4)
                from exponent in Gen.Choose(-6, 6)
                from nanRow in Gen.Choose(-1, 40)
                from seed in Gen.Choose(0, 1000)
                select (rows, features, classes, scale: MathF.Pow(10, exponent), nanRow, seed);
            int trained = 0, refused = 0;
            var property = Prop.ForAll(cases.ToArbitrary(), c =>
            {
                var random = new Random(c.seed);
                var data = Enumerable.Range(0, c.rows).Select(i => new Row
                {
                    Features = Enumerable.Range(0, 4).Select(j => j < c.features ? (float)random.NextDouble() * c.scale : 0f)
                        .Select((v, j) => i == c.nanRow && j == 0 ? float.NaN : v).ToArray(),
                    Label = $"c{random.Next(c.classes)}",
                }).ToList();
                var ml = new MLContext(c.seed);
                try
                {
                    var view = ml.Data.LoadFromEnumerable(data);
                    var model = Fit(ml, view, new RiemannianMlpMulticlassTrainer.Options { HiddenLayerSizes = new[] { 4 }, NumberOfEpochs = 3 });
                    bool finite = Scores(ml, model, view).All(s => s.All(float.IsFinite));
                    trained++;
                    return finite;
                }
                catch (Exception e) when (e is ArgumentOutOfRangeException or ArgumentException or ArithmeticException)
                {
                    refused++;
                    return e.Message.Contains('\'') || e.Message.Contains("no rows"); // names the column, or says the data is empty
                }
            });
            Check.One(Config.QuickThrowOnFailure.WithMaxTest(60), property);
            Assert.IsTrue(trained > 5 && refused > 5, $"the generator must reach both outcomes: {trained} trained, {refused} refused");
        }
    }
}
