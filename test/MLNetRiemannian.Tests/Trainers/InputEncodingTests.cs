using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Data;
using MLNetRiemannian.Model;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Trainers;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Trainers
{
    /// <summary>
    /// The piecewise linear input encoding (issue 18): bin edges that are the quantiles counted by hand, a model that scores
    /// as a double-precision reference of scaling, encoding and layers and saves and loads its encoding (format 7), a warm
    /// start that keeps it, sparse rows that score as the same rows dense, and the defaults' bounds.
    /// </summary>
    [TestClass]
    public sealed class InputEncodingTests
    {
        public TestContext TestContext { get; set; } = null!;

        [TestMethod]
        public void TheBinEdgesAreQuantilesOfEachSlotAndTheValueIsKeptBesideThem()
        {
            using var scope = NewDisposeScope();
            // Slot 0: 1..101, so with 4 bins the edges are the 0th, 25th, 50th, 75th and 100th smallest: 1, 26, 51, 76, 101.
            // Slot 1: an indicator (one bin, the value itself mapped to 0 and 1). Slot 2: constant 5 (passes through).
            var rows = Enumerable.Range(0, 101).Select(i => new[] { i + 1f, i % 10 == 0 ? 1f : 0f, 5f }).ToArray();
            using var matrix = new DenseFeatureMatrix(tensor(rows.SelectMany(r => r).ToArray(), new long[] { 101, 3 }));
            var encoding = InputEncodingFit.Fit(matrix, weights: null, bins: 4, seed: 1);

            Assert.AreEqual(3, encoding.InputWidth);
            CollectionAssert.AreEqual(new[] { 0, 0, 0, 0, 0, 1, 2 }, encoding.Source.ToArray());
            CollectionAssert.AreEqual(new[] { false, true, true, true, true, true, false }, encoding.Clipped.ToArray());
            CollectionAssert.AreEqual(new[] { 0f, 1f, 26f, 51f, 76f, 0f, 0f }, encoding.Lower.ToArray());
            CollectionAssert.AreEqual(new[] { 1f, 1 / 25f, 1 / 25f, 1 / 25f, 1 / 25f, 1f, 1f }, encoding.InverseWidth.ToArray());

            var y = new float[encoding.Width];
            encoding.Apply(new[] { 30f, 1f, 5f }, y);
            CollectionAssert.AreEqual(new[] { 30f, 1f, (30f - 26f) * (1 / 25f), 0f, 0f, 1f, 5f }, y);
            encoding.Apply(new[] { -7f, 0f, 9f }, y);
            CollectionAssert.AreEqual(new[] { -7f, 0f, 0f, 0f, 0f, 0f, 9f }, y, "below the first edge every bin is 0; the value and a constant slot pass through");

            var encoded = InputEncodingFit.Apply(encoding, matrix);
            Assert.AreEqual(7, encoded.Width);
            CollectionAssert.AreEqual(new[] { 30f, 1f, (30f - 26f) * (1 / 25f), 0f, 0f, 0f, 5f }, encoded.Values[29].data<float>().ToArray(), "row 29 (value 30, indicator 0)");

            // Quantiles closer than a ten-thousandth of the slot's range make no bin of their own (a rounding step, not a threshold).
            var close = Enumerable.Range(0, 100).Select(i => i < 50 ? 0f : i < 75 ? 1e-6f : 1f).ToArray();
            using var tight = new DenseFeatureMatrix(tensor(close, new long[] { 100, 1 }));
            var merged = InputEncodingFit.Fit(tight, weights: null, bins: 4, seed: 1);
            CollectionAssert.AreEqual(new[] { 0f }, merged.Lower.ToArray(), "one bin from 0 to 1: 1e-6 is within 1e-4 of the range");
        }

        // Slot 0 passes through and is cut into two bins (three outputs), slot 1 maps its two values to 0 and 1 (one
        // output), slot 2 passes through alone: one slot cut into bins.
        [TestMethod]
        public void AnEncodingSaysWhatItDoesInOneLine()
        {
            var encoding = new InputEncoding(3, new[] { 0, 0, 0, 1, 2 }, new[] { 0f, 1f, 2f, 5f, 0f }, new[] { 1f, 1f, 0.5f, 0.25f, 1f }, new[] { false, true, true, true, false });
            Assert.AreEqual("piecewise linear input encoding: 3 feature slots into 5 inputs, 1 cut into bins", encoding.ToString());
            var scaling = new InputScaling(new[] { 0f, 1f }, new[] { 1f, 2f }, 3);
            Assert.AreEqual("robust input scaling: 2 slots centred and scaled, smoothly clipped to ±3", scaling.ToString());
            Assert.AreEqual("robust input scaling: 1 slot scaled without centering, smoothly clipped to ±2.5", new InputScaling(new[] { 0f }, new[] { 1f }, 2.5f).ToString());
        }

        [TestMethod]
        public void AnEncodingRefusesOutputSlotsOutOfOrderOrWithBadBins()
        {
            var e = Assert.ThrowsExactly<ArgumentException>(() => new InputEncoding(2, new[] { 1, 0 }, new[] { 0f, 0f }, new[] { 1f, 1f }, new[] { true, true }));
            StringAssert.Contains(e.Message, "output slot 0 reads feature slot 1");
            e = Assert.ThrowsExactly<ArgumentException>(() => new InputEncoding(2, new[] { 0, 0 }, new[] { 0f, 1f }, new[] { 1f, 1f }, new[] { true, true }));
            StringAssert.Contains(e.Message, "every slot must be read");
            e = Assert.ThrowsExactly<ArgumentException>(() => new InputEncoding(1, new[] { 0 }, new[] { 0f }, new[] { 0f }, new[] { true }));
            StringAssert.Contains(e.Message, "inverse width of output slot 0 is 0");
            // A damaged file's −1 would read the last slot through ONNX's Gather and throw in the managed scorer.
            e = Assert.ThrowsExactly<ArgumentException>(() => new InputEncoding(1, new[] { -1, 0 }, new[] { 0f, 0f }, new[] { 1f, 1f }, new[] { true, true }));
            StringAssert.Contains(e.Message, "output slot 0 reads feature slot -1; it must read slot 0");
            // A slot that passes through is (x − 0)·1 in the ONNX graph: other numbers would score differently there.
            e = Assert.ThrowsExactly<ArgumentException>(() => new InputEncoding(1, new[] { 0 }, new[] { 2f }, new[] { 1f }, new[] { false }));
            StringAssert.Contains(e.Message, "passes its value through but has lower edge 2");
        }

        [TestMethod]
        public void AnEncodedModelScoresAsADoublePrecisionReferenceAndSavesAndLoadsItsEncoding()
        {
            var ml = new MLContext(seed: 1);
            var (data, raw) = InputScalingTests.SkewedTable(ml, 400, seed: 3);
            var model = ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options
            {
                InputEncoding = InputEncodingKind.PiecewiseLinear, HiddenLayerSizes = new[] { 12 }, NumberOfEpochs = 20, Seed = 1,
            }).Fit(data);
            var network = model.Model;
            var scaling = network.InputScaling!;
            var encoding = network.InputEncoding!;
            Assert.IsNotNull(encoding);
            Assert.AreEqual(4, network.FeatureCount);
            Assert.AreEqual(encoding.Width, network.LayerSizes[0]);
            // Three slots of many values (1 + 4 inputs each) and one of three values (1 + 2).
            Assert.AreEqual(3 * 5 + 3, encoding.Width);

            // Reference: the scaling, the encoding, the dense layers and ReLU in double, from the model's own numbers.
            var scores = model.Transform(data).GetColumn<float>("Score").ToArray();
            float[] center = scaling.Center.ToArray(), scale = scaling.Scale.ToArray();
            for (int i = 0; i < 50; i++)
            {
                double[] z = raw[i].Select((x, j) => { double v = (x - center[j]) * (double)scale[j]; return v / Math.Sqrt(1 + v * v / 9); }).ToArray();
                double[] h = Enumerable.Range(0, encoding.Width).Select(o =>
                {
                    double x = z[encoding.Source[o]];
                    return encoding.Clipped[o] ? Math.Clamp((x - encoding.Lower[o]) * encoding.InverseWidth[o], 0, 1) : x;
                }).ToArray();
                h = InputScaleTests.DenseLayers(network, h);
                Assert.AreEqual(h[0], scores[i], 1e-4 * (1 + Math.Abs(h[0])), $"row {i}");
            }

            var path = Path.Combine(Path.GetTempPath(), $"encoded-{Guid.NewGuid():N}.zip");
            try
            {
                ml.Model.Save(model, data.Schema, path);
                var loaded = ml.Model.Load(path, out _);
                CollectionAssert.AreEqual(scores, loaded.Transform(data).GetColumn<float>("Score").ToArray(), "bit-identical after save and load");
                var again = ((ISingleFeaturePredictionTransformer<RiemannianMlpModelParameters>)loaded).Model.InputEncoding!;
                CollectionAssert.AreEqual(encoding.Source.ToArray(), again.Source.ToArray());
                CollectionAssert.AreEqual(encoding.Lower.ToArray(), again.Lower.ToArray());
                CollectionAssert.AreEqual(encoding.InverseWidth.ToArray(), again.InverseWidth.ToArray());
                CollectionAssert.AreEqual(encoding.Clipped.ToArray(), again.Clipped.ToArray());
            }
            finally
            {
                File.Delete(path);
            }
        }

        [TestMethod]
        public void AWarmStartKeepsTheInitialModelsEncodingAndRefusesOneItWasTrainedWithout()
        {
            var ml = new MLContext(seed: 1);
            var messages = new List<string>();
            ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
            var (data, _) = InputScalingTests.SkewedTable(ml, 200, seed: 4);
            RiemannianMlpRegressionTrainer Trainer(InputEncodingKind? kind) => ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options
            {
                InputEncoding = kind, HiddenLayerSizes = new[] { 8 }, NumberOfEpochs = 2, Seed = 1,
            });
            var encoded = Trainer(null).Fit(data).Model;
            Assert.IsNotNull(encoded.InputEncoding, "a narrow dense table is encoded by default");
            var continued = Trainer(InputEncodingKind.None).Fit(data, encoded).Model;
            CollectionAssert.AreEqual(encoded.InputEncoding!.Lower.ToArray(), continued.InputEncoding!.Lower.ToArray(), "the initial model's encoding");
            lock (messages)
            {
                Assert.AreEqual(1, messages.Count(m => m.Contains("Input encoding: piecewise linear;")), "only the first fit learns an encoding");
                Assert.AreEqual(1, messages.Count(m => m.Contains("Input encoding: the initial model's, kept")), "the warm start says it keeps it");
            }

            var plain = Trainer(InputEncodingKind.None).Fit(data).Model;
            Assert.IsNull(plain.InputEncoding);
            Assert.AreEqual(4, plain.LayerSizes[0]);
            Assert.IsNull(Trainer(null).Fit(data, plain).Model.InputEncoding, "a model without an encoding continues without one");
            var e = Assert.ThrowsExactly<ArgumentException>(() => Trainer(InputEncodingKind.PiecewiseLinear).Fit(data, plain));
            StringAssert.Contains(e.Message, "Option InputEncoding is PiecewiseLinear, but the initial model was trained on one input per feature slot");
        }

        [TestMethod]
        public void ASparseRowScoresAsTheSameRowDense()
        {
            var ml = new MLContext(seed: 1);
            var (data, raw) = InputScalingTests.SkewedTable(ml, 200, seed: 6);
            var model = ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options
            {
                InputScaling = InputScalingKind.None, InputEncoding = InputEncodingKind.PiecewiseLinear, HiddenLayerSizes = new[] { 8 }, NumberOfEpochs = 2, Seed = 1,
            }).Fit(data).Model;
            Assert.IsNull(model.InputScaling);
            var network = model.Network;
            var scratch = new float[network.ScratchSize];
            foreach (var source in raw.Take(20))
            {
                // An unstored 0 still falls into bins: the scorer must make the row dense before encoding it.
                var row = source.ToArray();
                row[0] = 0;
                row[3] = 0;
                var (dense, sparse) = (new float[1], new float[1]);
                network.Forward(row, dense, scratch);
                int[] indices = Enumerable.Range(0, row.Length).Where(j => row[j] != 0).ToArray();
                network.ForwardSparse(indices, indices.Select(j => row[j]).ToArray(), sparse, scratch);
                Assert.AreEqual(dense[0], sparse[0]);
            }
        }

        private sealed class WideRow
        {
            [VectorType(500)] public float[] Features = Array.Empty<float>();
            public float Label;
        }

        [TestMethod]
        public void TheDefaultsKeepOneInputPerSlotWhenTheEncodingWouldBeTooWideAndSayWhy()
        {
            var ml = new MLContext(seed: 1);
            var messages = new List<string>();
            ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
            var random = new Random(2);
            var rows = Enumerable.Range(0, 300).Select(_ =>
            {
                var x = Enumerable.Range(0, 500).Select(_ => (float)random.NextDouble()).ToArray();
                return new WideRow { Features = x, Label = x[0] + x[1] };
            }).ToList();
            var data = ml.Data.LoadFromEnumerable(rows);
            // 500 slots of many values would make 500 × (1 + 4) = 2,500 inputs, beyond the default's 2,048.
            var model = ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options { HiddenLayerSizes = new[] { 4 }, NumberOfEpochs = 1, Seed = 1 }).Fit(data).Model;
            Assert.IsNull(model.InputEncoding);
            Assert.AreEqual(500, model.LayerSizes[0]);
            lock (messages)
                StringAssert.Contains(messages.Single(m => m.Contains("Input encoding: none;")), "would make 2500 inputs");

            // Asked for, it is made anyway.
            var asked = ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options
            {
                InputEncoding = InputEncodingKind.PiecewiseLinear, HiddenLayerSizes = new[] { 4 }, NumberOfEpochs = 1, Seed = 1,
            }).Fit(data).Model;
            Assert.AreEqual(2500, asked.LayerSizes[0]);
        }

        [TestMethod]
        public void AskingToEncodeWideSparseFeaturesIsRefusedWithTheReason()
        {
            var ml = new MLContext(seed: 1);
            var rows = Enumerable.Range(0, 200).Select(i => new { Id = $"user{i % 37}", Label = i % 2 == 0 }).ToList();
            var data = ml.Transforms.Categorical.OneHotHashEncoding("Features", "Id", numberOfBits: 12).Fit(ml.Data.LoadFromEnumerable(rows))
                .Transform(ml.Data.LoadFromEnumerable(rows));
            var model = ml.BinaryClassification.Trainers.RiemannianMlp(new RiemannianMlpBinaryTrainer.Options { HiddenLayerSizes = new[] { 4 }, NumberOfEpochs = 1, Seed = 1 }).Fit(data).Model;
            Assert.IsNull(model.InputEncoding, "4,096 hashed slots stay sparse by default");
            var e = Assert.ThrowsExactly<ArgumentException>(() => ml.BinaryClassification.Trainers.RiemannianMlp(new RiemannianMlpBinaryTrainer.Options
            {
                InputEncoding = InputEncodingKind.PiecewiseLinear, HiddenLayerSizes = new[] { 4 }, NumberOfEpochs = 1, Seed = 1,
            }).Fit(data));
            StringAssert.Contains(e.Message, "the 4096 slots of 'Features' are sparse and wide");
            StringAssert.Contains(e.Message, "set it to None");
        }
    }
}
