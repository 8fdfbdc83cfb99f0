using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;
using MLNetRiemannian.Tests.Reference;
using MLNetRiemannian.Trainers;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Trainers
{
    /// <summary>
    /// The learned per-feature input scale (issue 18, <see cref="RiemannianMlpTrainerOptions.LearnInputScale"/>): trained,
    /// scored by the managed scorer as a double-precision reference computes it, saved and loaded (format 6) and converted
    /// to ONNX with the same scores, continued by a warm start, and applied to sparse rows without densifying them.
    /// </summary>
    [TestClass]
    public sealed class InputScaleTests : TemporaryFolderTest
    {
        public TestContext TestContext { get; set; } = null!;

        [TestMethod]
        public void ALearnedScaleScoresAsAReferenceAndSurvivesSaveLoadAndOnnx()
        {
            var ml = new MLContext(seed: 1);
            var (data, raw) = InputScalingTests.SkewedTable(ml, 300, seed: 3);
            var model = Trainer(ml, learn: true, epochs: 20).Fit(data);
            var network = model.Model;
            var scale = network.InputScale!;
            Assert.IsNotNull(scale, "the model keeps its learned scale");
            float[] factors = scale.Factors.ToArray();
            TestContext.WriteLine($"learned s: [{string.Join(", ", factors)}]");
            Assert.IsTrue(factors.Any(f => Math.Abs(f - 1) > 1e-3), "training moved s from 1");

            // Reference in double: the robust scaling, then s, then the dense layers and ReLU, from the model's own numbers.
            var scores = model.Transform(data).GetColumn<float>("Score").ToArray();
            var scaling = network.InputScaling!;
            float[] center = scaling.Center.ToArray(), factor = scaling.Scale.ToArray();
            for (int i = 0; i < 40; i++)
            {
                double[] h = raw[i].Select((x, j) =>
                {
                    double z = (x - center[j]) * (double)factor[j];
                    return (double)(float)(z / Math.Sqrt(1 + z * z / 9)) * factors[j];
                }).ToArray();
                double expected = DenseLayers(network, h)[0];
                Assert.AreEqual(expected, scores[i], 1e-4 * (1 + Math.Abs(expected)), $"row {i}");
            }

            string path = Path.Combine(Folder, "scaled.zip");
            ml.Model.Save(model, data.Schema, path);
            var loaded = ml.Model.Load(path, out _);
            CollectionAssert.AreEqual(scores, loaded.Transform(data).GetColumn<float>("Score").ToArray(), "bit-identical after save and load");
            CollectionAssert.AreEqual(factors, ((ISingleFeaturePredictionTransformer<RiemannianMlpModelParameters>)loaded).Model.InputScale!.Factors.ToArray());

            using var stream = new MemoryStream();
            ml.Model.ConvertToOnnx(model, data, stream);
            var onnx = ml.Transforms.ApplyOnnxModel(new MemoryStream(stream.ToArray())).Fit(data).Transform(data).GetColumn<float[]>("Score").ToArray();
            double largest = 0;
            for (int i = 0; i < scores.Length; i++)
            {
                double difference = Math.Abs(onnx[i][0] - scores[i]) / (1 + Math.Abs(scores[i]));
                largest = Math.Max(largest, difference);
                Assert.IsTrue(difference <= 1e-5, $"row {i}: ONNX {onnx[i][0]}, managed {scores[i]}");
            }
            TestContext.WriteLine($"ONNX: largest Score difference {largest:E2} relative to 1 + |Score|");
        }

        [TestMethod]
        public void AWarmStartContinuesTheScaleAndAModelWithoutOneContinuesWithout()
        {
            var ml = new MLContext(seed: 1);
            var (data, _) = InputScalingTests.SkewedTable(ml, 200, seed: 4);
            var initial = Trainer(ml, learn: true, epochs: 3).Fit(data).Model;
            float[] start = initial.InputScale!.Factors.ToArray();

            // The network a warm start trains begins at the model's s, bit for bit.
            var sizes = initial.LayerSizes.ToArray();
            using (var network = RiemannianMlpNetwork.Create(new RiemannianMlpRegressionTrainer.Options(), sizes, new Generator(1), inputScale: true))
            {
                WarmStart.CopyWeights(network, initial);
                CollectionAssert.AreEqual(start, network.Diagonals[0].Scale.data<float>().ToArray());
            }
            // Left open, the option continues the model's scale, and training moves it further.
            var continued = Trainer(ml, learn: null, epochs: 2).Fit(data, initial).Model;
            Assert.IsNotNull(continued.InputScale, "a warm start keeps the initial model's scale");
            CollectionAssert.AreNotEqual(start, continued.InputScale!.Factors.ToArray(), "and trains it further");

            var plain = Trainer(ml, learn: false, epochs: 2).Fit(data).Model;
            Assert.IsNull(plain.InputScale);
            Assert.IsNull(Trainer(ml, learn: null, epochs: 1).Fit(data, plain).Model.InputScale, "a model without a scale continues without");
            var e = Assert.ThrowsExactly<ArgumentException>(() => Trainer(ml, learn: true, epochs: 1).Fit(data, plain));
            StringAssert.Contains(e.Message, "Option LearnInputScale is true, but the initial model was trained without a learned input scale");
        }

        [TestMethod]
        public void SparseFeaturesStaySparseAndScoreAsTheSameRowsDense()
        {
            // Left open, sparse features get no scale (the column-sparse step stays); asked for, they get one.
            Assert.IsFalse(Defaults.InputScaleOn(new RiemannianMlpBinaryTrainer.Options(), sparseInput: true));
            Assert.IsTrue(Defaults.InputScaleOn(new RiemannianMlpBinaryTrainer.Options { LearnInputScale = true }, sparseInput: true));
            var ml = new MLContext(seed: 1);
            var messages = new List<string>();
            ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
            var data = ml.Data.LoadFromTextFile<SparseFeaturesTests.Order>(SampleData.DataPath("field-cases/c21_orders.csv"), separatorChar: ',', hasHeader: true);
            var featurized = ml.Transforms.Categorical.OneHotHashEncoding("Region", numberOfBits: 8)
                .Append(ml.Transforms.Categorical.OneHotHashEncoding("Product", numberOfBits: 8))
                .Append(ml.Transforms.NormalizeMinMax("Amount"))
                .Append(ml.Transforms.Concatenate("Features", "Region", "Product", "Amount")).Fit(data).Transform(data);
            var model = ml.BinaryClassification.Trainers.RiemannianMlp(new RiemannianMlpBinaryTrainer.Options
            {
                LabelColumnName = "Flagged", HiddenLayerSizes = new[] { 8 }, NumberOfEpochs = 5, Seed = 1, LearnInputScale = true,
                InputEncoding = InputEncodingKind.None, // narrow enough to be made dense and encoded by default: kept sparse here
            }).Fit(featurized).Model;
            lock (messages) Assert.IsTrue(messages.Any(m => m.Contains("the features stay sparse, but the first layer takes the dense step")), "the log says what the scale costs");
            Assert.IsNotNull(model.InputScale);

            // A sparse row through the scorer's sparse path equals the same row dense.
            var network = model.Network;
            var scratch = new float[network.ScratchSize];
            var rows = featurized.GetColumn<VBuffer<float>>("Features").Take(20).ToArray();
            foreach (var row in rows)
            {
                var (dense, sparse) = (new float[1], new float[1]);
                network.Forward(row.DenseValues().ToArray(), dense, scratch);
                network.ForwardSparse(row.GetIndices(), row.GetValues(), sparse, scratch);
                Assert.AreEqual(dense[0], sparse[0], 1e-5f * (1 + Math.Abs(dense[0])));
            }
        }

        private static RiemannianMlpRegressionTrainer Trainer(MLContext ml, bool? learn, int epochs) =>
            ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options
            {
                LearnInputScale = learn, HiddenLayerSizes = new[] { 12 }, NumberOfEpochs = epochs, Seed = 1, ValidationSetFraction = 0,
                InputEncoding = InputEncodingKind.None, // one input per slot, as the reference computes it
            });

        /// <summary>The model's dense layers (ReLU between) on <paramref name="h"/>, in double.</summary>
        internal static double[] DenseLayers(RiemannianMlpModelParameters network, double[] h)
        {
            for (int l = 0; l < network.LayerSizes.Count - 1; l++)
            {
                var w = network.GetWeights(l).ToArray(); var b = network.GetBias(l).ToArray();
                int inputs = network.LayerSizes[l];
                bool hidden = l < network.LayerSizes.Count - 2;
                var x = h;
                h = Enumerable.Range(0, network.LayerSizes[l + 1]).Select(o =>
                {
                    double z = b[o];
                    for (int j = 0; j < inputs; j++) z += w[o * inputs + j] * x[j];
                    return hidden ? Math.Max(z, 0) : z;
                }).ToArray();
            }
            return h;
        }
    }
}
