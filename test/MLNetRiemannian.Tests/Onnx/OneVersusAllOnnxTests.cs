using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Tests.Onnx
{
    /// <summary>
    /// The in-memory field case (data/field-cases/README.md): OneVersusAll over the binary trainer converts to ONNX, which
    /// asks each binary model for its own graph (ML.NET's internal ISingleCanSaveOnnx), and ONNX Runtime scores the file
    /// as the ML.NET pipeline does, as it does for OneVersusAll over LbfgsLogisticRegression.
    /// </summary>
    [TestClass]
    public sealed class OneVersusAllOnnxTests
    {
        // As ConvertToOnnxTests: every Score within 1e-5·(1 + |value|) of ML.NET's (float32 on both sides).
        private const double Tolerance = 1e-5;

        public TestContext TestContext { get; set; } = null!;

        public sealed class Row
        {
            [VectorType(2)] public float[] Features = Array.Empty<float>();
            [KeyType(3)] public uint Label;
        }

        [TestMethod]
        [DataRow(true, DisplayName = "probabilities normalized (the default)")]
        [DataRow(false, DisplayName = "raw scores")]
        public void OneVersusAllOverTheBinaryTrainerConvertsAndScoresBackLikeMLNet(bool useProbabilities)
        {
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadFromEnumerable(SixRows(0, 0, 1, 1, 2, 2));
            var binary = ml.BinaryClassification.Trainers.RiemannianMlp(new RiemannianMlpBinaryTrainer.Options { HiddenLayerSizes = new[] { 2 }, NumberOfEpochs = 1, Seed = 1 });
            var model = ml.MulticlassClassification.Trainers.OneVersusAll(binary, useProbabilities: useProbabilities).Fit(data);
            Compare(ml, data, model, $"RiemannianMlp, useProbabilities {useProbabilities}");

            // The same pipeline over LbfgsLogisticRegression, which the field case names as what is right.
            Compare(ml, data, ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(), useProbabilities: useProbabilities).Fit(data),
                $"LbfgsLogisticRegression, useProbabilities {useProbabilities}");
        }

        [TestMethod]
        public void OneVersusAllWithAClassThatHasNoRowsTrainsAndConverts()
        {
            // Key values 0, 0, 1, 1, 0, 0 of a key of 3: the third class has no rows, so its binary model sees one class only.
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadFromEnumerable(SixRows(0, 0, 1, 1, 0, 0));
            var binary = ml.BinaryClassification.Trainers.RiemannianMlp(new RiemannianMlpBinaryTrainer.Options { HiddenLayerSizes = new[] { 2 }, NumberOfEpochs = 1, Seed = 1 });
            var lbfgs = ml.BinaryClassification.Trainers.LbfgsLogisticRegression();
            foreach (bool useProbabilities in new[] { false, true })
            {
                var model = ml.MulticlassClassification.Trainers.OneVersusAll(binary, useProbabilities: useProbabilities).Fit(data);
                var scores = model.Transform(data).GetColumn<float[]>("Score").ToArray();
                var reference = ml.MulticlassClassification.Trainers.OneVersusAll(lbfgs, useProbabilities: useProbabilities).Fit(data)
                    .Transform(data).GetColumn<float[]>("Score").ToArray();
                for (int i = 0; i < scores.Length; i++)
                {
                    TestContext.WriteLine($"useProbabilities {useProbabilities}, row {i}: RiemannianMlp [{string.Join(", ", scores[i])}], LbfgsLogisticRegression [{string.Join(", ", reference[i])}]");
                    if (useProbabilities)
                    {
                        // The empty class's probability, 1/(1 + e^15) = 3.1e-7, normalized by the three classes' sum: never chosen.
                        Assert.IsTrue(scores[i][2] < 1e-5 && reference[i][2] < 1e-5, $"row {i}: the class with no rows scores {scores[i][2]} ({reference[i][2]} with L-BFGS)");
                        Assert.AreEqual(1, scores[i].Sum(), 1e-5);
                    }
                    else
                    {
                        // Raw scores: the constant model's logit, −15, where L-BFGS ends near −14 to −15.
                        Assert.AreEqual(-15f, scores[i][2], $"row {i}");
                        Assert.IsTrue(reference[i][2] < -10, $"row {i}: L-BFGS's raw score of the class with no rows, {reference[i][2]}");
                    }
                    Assert.AreNotEqual(2, Array.IndexOf(scores[i], scores[i].Max()), $"row {i}: the class with no rows is predicted");
                }
                Compare(ml, data, model, $"RiemannianMlp with an empty class, useProbabilities {useProbabilities}");
            }
        }

        private static Row[] SixRows(params uint[] labels)
        {
            float[][] features = { new[] { 0f, 0 }, new[] { 0f, 1 }, new[] { 1f, 0 }, new[] { 1f, 1 }, new[] { 2f, 0 }, new[] { 2f, 1 } };
            return features.Select((f, i) => new Row { Features = f, Label = labels[i] }).ToArray();
        }

        /// <summary>ML.NET's Score and PredictedLabel against ONNX Runtime's for the converted pipeline.</summary>
        private void Compare(MLContext ml, IDataView data, ITransformer model, string context)
        {
            using var stream = new MemoryStream();
            ml.Model.ConvertToOnnx(model, data, stream);
            var onnx = ml.Transforms.ApplyOnnxModel(new MemoryStream(stream.ToArray())).Fit(data).Transform(data);
            var expected = model.Transform(data);
            var scores = expected.GetColumn<float[]>("Score").ToArray();
            var onnxScores = onnx.GetColumn<float[]>("Score").ToArray();
            var predicted = expected.GetColumn<uint>("PredictedLabel").ToArray();
            var onnxPredicted = onnx.GetColumn<VBuffer<uint>>("PredictedLabel").Select(v => v.GetItemOrDefault(0)).ToArray();
            double largest = 0;
            for (int i = 0; i < scores.Length; i++)
            {
                Assert.AreEqual(scores[i].Length, onnxScores[i].Length, $"{context}, row {i}: Score width");
                for (int k = 0; k < scores[i].Length; k++)
                {
                    double difference = Math.Abs(scores[i][k] - onnxScores[i][k]) / (1 + Math.Abs(scores[i][k]));
                    Assert.IsTrue(difference <= Tolerance, $"{context}, row {i}, Score[{k}]: ML.NET {scores[i][k]}, ONNX {onnxScores[i][k]}");
                    largest = Math.Max(largest, difference);
                }
                Assert.AreEqual(predicted[i], onnxPredicted[i], $"{context}, row {i}: PredictedLabel");
            }
            TestContext.WriteLine($"{context}: largest Score difference {largest:E2}; predicted keys {string.Join(", ", predicted)}");
        }
    }
}
