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
    /// The robust input scaling (issue 18): learned from the training rows as the quantiles say (counted by hand here),
    /// applied by the scorer exactly as a double-precision reference computes it, saved in the model (format 5), kept by a
    /// warm start, and scale-only for sparse features so they stay sparse.
    /// </summary>
    [TestClass]
    public sealed class InputScalingTests
    {
        [TestMethod]
        public void TheRobustScalingIsTheMedianAndTheInterquartileRangeOfEachSlot()
        {
            using var scope = NewDisposeScope();
            // Slot 0: 1..101 (median 51, quartiles 26 and 76); slot 1: ten 1s among 101 (quartiles both 0: the standard
            // deviation instead); slot 2: constant 5 (scale 1).
            var rows = Enumerable.Range(0, 101).Select(i => new[] { i + 1f, i % 10 == 0 && i < 100 ? 1f : 0f, 5f }).ToArray();
            using var matrix = new DenseFeatureMatrix(tensor(rows.SelectMany(r => r).ToArray(), new long[] { 101, 3 }));
            var scaling = InputScalingFit.Fit(matrix, weights: null, seed: 1);

            CollectionAssert.AreEqual(new[] { 51f, 0f, 5f }, scaling.Center.ToArray());
            Assert.AreEqual(1.3489795 / 50, scaling.Scale[0], 1e-7);
            double mean = 10 / 101.0, deviation = Math.Sqrt(10 / 101.0 - mean * mean);
            Assert.AreEqual(1 / deviation, scaling.Scale[1], 1e-5);
            Assert.AreEqual(1f, scaling.Scale[2]);
            Assert.AreEqual(3f, scaling.ClipBound);
        }

        [TestMethod]
        public void MoreValuesThanTheSampleHoldAreScaledFromRowsDrawnAcrossTheTable()
        {
            using var scope = NewDisposeScope();
            // 3,000 rows × 1,500 slots (more than SampleValues, so a sample of 2,796 rows): every slot of row r is r / 3,000,
            // so the table's median is 0.5 and its IQR 0.5, and a sample of the first rows would have a smaller median.
            const int rows = 3000, width = 1500;
            var values = new float[rows * width];
            for (int r = 0; r < rows; r++) values.AsSpan(r * width, width).Fill(r / (float)rows);
            using var matrix = new DenseFeatureMatrix(tensor(values, new long[] { rows, width }));
            var scaling = InputScalingFit.Fit(matrix, weights: null, seed: 1);
            // A quartile of n = 2,796 draws without replacement from 3,000 is within about 0.3 % of the rows here.
            foreach (int slot in new[] { 0, 777, width - 1 })
            {
                Assert.AreEqual(0.5, scaling.Center[slot], 0.02, $"slot {slot}'s median");
                Assert.AreEqual(1.3489795 / 0.5, scaling.Scale[slot], 0.1, $"slot {slot}'s scale");
            }
        }

        [TestMethod]
        public void SparseFeaturesAreScaledByTheirLargestMagnitudeWithoutCentering()
        {
            using var scope = NewDisposeScope();
            // 3 rows × 4 slots: (0, 2, 0, 0), (−8, 0, 0, 0), (4, 1, 0, 0); slot 2 and 3 never stored.
            using var matrix = new CsrFeatureMatrix(tensor(new long[] { 0, 1, 2, 4 }), tensor(new[] { 1, 0, 0, 1 }), tensor(new[] { 2f, -8f, 4f, 1f }), 4);
            var scaling = InputScalingFit.Fit(matrix, weights: null, seed: 1);
            CollectionAssert.AreEqual(new[] { 0f, 0f, 0f, 0f }, scaling.Center.ToArray());
            CollectionAssert.AreEqual(new[] { 1 / 8f, 1 / 2f, 1f, 1f }, scaling.Scale.ToArray());

            using var center = tensor(scaling.Center.ToArray());
            using var factor = tensor(scaling.Scale.ToArray());
            matrix.ScaleInPlace(center, factor, scaling.ClipBound);
            double Clip(double z) => z / Math.Sqrt(1 + z * z / 9);
            var expected = new[] { Clip(1), Clip(-1), Clip(0.5), Clip(0.5) };
            var actual = matrix.Values.data<float>().ToArray();
            for (int i = 0; i < 4; i++) Assert.AreEqual(expected[i], actual[i], 1e-7, $"stored value {i}");
            Assert.AreEqual(4, matrix.StoredEntries, "still 4 stored entries");
        }

        [TestMethod]
        public void ASparseCacheOfMoreValuesThanOneClipBlockIsScaledValueByValue()
        {
            using var scope = NewDisposeScope();
            // One row per stored value, in slot i % 7, so the blocks' boundaries cut through rows of every slot.
            long stored = CsrFeatureMatrix.ClipBlock * 2 + 5;
            var random = new Random(5);
            var values = new float[stored];
            var slots = new int[stored];
            for (long e = 0; e < stored; e++) { values[e] = (float)(random.NextDouble() * 40 - 20); slots[e] = (int)(e % 7); }
            var offsets = Enumerable.Range(0, (int)stored + 1).Select(i => (long)i).ToArray();
            using var matrix = new CsrFeatureMatrix(tensor(offsets), tensor(slots), tensor(values), 7);
            var factors = new[] { 0.5f, 0.25f, 1f, 2f, 0.1f, 0.05f, 3f };
            using var center = zeros(7);
            using var factor = tensor(factors);
            matrix.ScaleInPlace(center, factor, 3);
            var actual = matrix.Values.data<float>().ToArray();
            foreach (long e in new[] { 0, 1, CsrFeatureMatrix.ClipBlock - 1, CsrFeatureMatrix.ClipBlock, CsrFeatureMatrix.ClipBlock + 1, stored - 1 }.Concat(Enumerable.Range(0, 200).Select(i => (long)random.Next((int)stored))))
            {
                double z = values[e] * factors[slots[e]]; // the product in Float32, as the cache's values are; the clip in Float64
                Assert.AreEqual((float)(z / Math.Sqrt(1 + z * z / 9)), actual[e], $"stored value {e}");
            }
        }

        // 9,001 rows under two libtorch threads split into two parts of rows (4,500 and 4,501) scaled on two threads.
        [TestMethod]
        [DataRow(50, 1)]
        [DataRow(9001, 2)]
        public void ADenseCacheIsCentredScaledAndClippedValueByValue(int rows, int threads)
        {
            using var scope = NewDisposeScope();
            using var threadScope = MLNetRiemannian.Interop.TorchThreads.Enter(threads, () => { });
            // 37 slots (vector tails), values up to ±40 so that the clip bends many of them.
            const int width = 37;
            var random = new Random(7);
            var values = Enumerable.Range(0, rows * width).Select(_ => (float)(random.NextDouble() * 80 - 40)).ToArray();
            var centers = Enumerable.Range(0, width).Select(j => (float)(j * 0.3 - 5)).ToArray();
            var factors = Enumerable.Range(0, width).Select(j => 0.05f + 0.1f * (j % 9)).ToArray();
            using var matrix = new DenseFeatureMatrix(tensor(values).reshape(rows, width));
            using var center = tensor(centers);
            using var factor = tensor(factors);
            matrix.ScaleInPlace(center, factor, 3);
            var actual = matrix.Values.data<float>().ToArray();
            for (int i = 0; i < rows * width; i++)
            {
                double z = (values[i] - centers[i % width]) * factors[i % width]; // in Float32, as the cache's values are; the clip in Float64
                Assert.AreEqual((float)(z / Math.Sqrt(1 + z * z / 9)), actual[i], $"row {i / width}, slot {i % width}");
            }
        }

        // Values at and around the magnitude below which the clip leaves z as it is in Float64 (bound · 2⁻²⁷), subnormals, ±0
        // and values the clip bends: every result, −0's sign included, equal to the Float64 formula's bit for bit, in vectors
        // and the tail, with bounds whose square is and is not exact in Float32.
        [TestMethod]
        [DataRow(3f)]
        [DataRow(0.7f)]
        public void TinyValuesAndZerosAreScaledAsTheFormulaBitForBit(float clipBound)
        {
            using var scope = NewDisposeScope();
            float t = clipBound / (1 << 27);
            float below = MathF.BitDecrement(t), above = MathF.BitIncrement(t);
            var candidates = new[] { 0f, -0f, below, -below, t, -t, above, -above, t / 2, float.Epsilon, -float.Epsilon, 1e-30f, t * 4, clipBound / 1024, -clipBound / 64, clipBound / 8, 0.9f * clipBound, 0.5f, -3f };
            var random = new Random(11);
            const int width = 19; // two vectors of 8 and a tail of 3
            int rows = 64;
            var values = new float[rows * width];
            for (int i = 0; i < values.Length; i++)
                values[i] = (i / width) % 4 == 0 ? candidates[random.Next(4)] : candidates[random.Next(candidates.Length)];
            for (int j = 0; j < width; j++) values[j] = j == 7 ? 0.5f : 0f; // row 0: one value the clip bends among zeros
            using var matrix = new DenseFeatureMatrix(tensor(values).reshape(rows, width));
            using var center = zeros(width);
            using var factor = ones(width);
            matrix.ScaleInPlace(center, factor, clipBound);
            var actual = matrix.Values.data<float>().ToArray();
            double bound2 = (double)clipBound * clipBound;
            for (int i = 0; i < values.Length; i++)
            {
                double z = values[i];
                float expected = (float)(z / Math.Sqrt(z * z / bound2 + 1));
                Assert.AreEqual(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(actual[i]), $"value {values[i]:R} at row {i / width}, slot {i % width}: {actual[i]:R} against {expected:R}");
            }
        }

        [TestMethod]
        public void AScaledModelScoresAsADoublePrecisionReferenceAndSavesAndLoadsItsScaling()
        {
            var ml = new MLContext(seed: 1);
            var (data, raw) = SkewedTable(ml, 400, seed: 3);
            var model = ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options
            {
                InputScaling = InputScalingKind.Robust, HiddenLayerSizes = new[] { 12 }, NumberOfEpochs = 20, Seed = 1,
                InputEncoding = InputEncodingKind.None, // one input per slot, as the reference computes it
            }).Fit(data);
            var network = model.Model;
            var scaling = network.InputScaling!;
            Assert.IsNotNull(scaling);

            // Reference: the scaling, the dense layers and ReLU in double, from the model's own numbers.
            var scores = model.Transform(data).GetColumn<float>("Score").ToArray();
            for (int i = 0; i < 50; i++)
            {
                float[] center = scaling.Center.ToArray(), scale = scaling.Scale.ToArray();
                double[] h = raw[i].Select((x, j) => { double z = (x - center[j]) * (double)scale[j]; return z / Math.Sqrt(1 + z * z / 9); }).ToArray();
                h = InputScaleTests.DenseLayers(network, h);
                Assert.AreEqual(h[0], scores[i], 1e-4 * (1 + Math.Abs(h[0])), $"row {i}");
            }

            var path = Path.Combine(Path.GetTempPath(), $"scaled-{Guid.NewGuid():N}.zip");
            try
            {
                ml.Model.Save(model, data.Schema, path);
                var loaded = ml.Model.Load(path, out _);
                var again = loaded.Transform(data).GetColumn<float>("Score").ToArray();
                CollectionAssert.AreEqual(scores, again, "bit-identical after save and load");
                var loadedScaling = ((ISingleFeaturePredictionTransformer<RiemannianMlpModelParameters>)loaded).Model.InputScaling!;
                CollectionAssert.AreEqual(scaling.Center.ToArray(), loadedScaling.Center.ToArray());
                CollectionAssert.AreEqual(scaling.Scale.ToArray(), loadedScaling.Scale.ToArray());
            }
            finally
            {
                File.Delete(path);
            }
        }

        [TestMethod]
        public void AWarmStartKeepsTheInitialModelsScalingAndRefusesOneItWasTrainedWithout()
        {
            var ml = new MLContext(seed: 1);
            var messages = new List<string>();
            ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
            var (data, _) = SkewedTable(ml, 200, seed: 4);
            RiemannianMlpRegressionTrainer Trainer(InputScalingKind kind) => ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options
            {
                InputScaling = kind, HiddenLayerSizes = new[] { 8 }, NumberOfEpochs = 2, Seed = 1,
            });
            var scaled = Trainer(InputScalingKind.Robust).Fit(data).Model;
            var continued = Trainer(InputScalingKind.None).Fit(data, scaled).Model;
            CollectionAssert.AreEqual(scaled.InputScaling!.Center.ToArray(), continued.InputScaling!.Center.ToArray(), "the initial model's scaling");
            lock (messages)
            {
                Assert.AreEqual(1, messages.Count(m => m.Contains("centred on its median")), "only the first fit learns a scaling");
                Assert.AreEqual(1, messages.Count(m => m.Contains("Input scaling: the initial model's, kept")), "the warm start says it keeps it");
            }

            var plain = Trainer(InputScalingKind.None).Fit(data).Model;
            Assert.IsNull(plain.InputScaling);
            var e = Assert.ThrowsExactly<ArgumentException>(() => Trainer(InputScalingKind.Robust).Fit(data, plain));
            StringAssert.Contains(e.Message, "Option InputScaling is Robust, but the initial model was trained on its features as given");
        }

        [TestMethod]
        public void TheDefaultsScaleANewModelsInputAndContinueAnUnscaledModelWithoutScaling()
        {
            // Left open (null): Defaults.InputScaling, Robust, chosen on the meta-train tables (docs/method.md section 11.4).
            Assert.IsNull(new RiemannianMlpMulticlassTrainer.Options().InputScaling);
            Assert.IsNull(new RiemannianMlpBinaryTrainer.Options().InputScaling);
            Assert.IsNull(new RiemannianMlpRegressionTrainer.Options().InputScaling);
            var ml = new MLContext(seed: 1);
            var (data, _) = SkewedTable(ml, 200, seed: 4);
            var model = ml.Regression.Trainers.RiemannianMlp(hiddenLayerSizes: new[] { 8 }, numberOfEpochs: 2).Fit(data).Model;
            Assert.IsNotNull(model.InputScaling, "the catalog's simple overload scales the input by default");

            var plain = ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options
            {
                InputScaling = InputScalingKind.None, HiddenLayerSizes = new[] { 8 }, NumberOfEpochs = 2, Seed = 1,
            }).Fit(data).Model;
            // A model without a scaling (as every model saved before format version 5) continues as it was trained.
            var continued = ml.Regression.Trainers.RiemannianMlp(numberOfEpochs: 1).Fit(data, plain).Model;
            Assert.IsNull(continued.InputScaling, "a warm start with the option left open keeps the initial model's (absent) scaling");
            var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options
            {
                InputScaling = InputScalingKind.Robust, NumberOfEpochs = 1,
            }).Fit(data, plain));
            StringAssert.Contains(e.Message, "leave InputScaling unset (or None) to continue it");
        }

        [TestMethod]
        public void RowsOfWeightZeroDoNotShapeTheScaling()
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            var values = TorchSharp.torch.tensor(new float[] { 1, 2, 3, 4, 1000, -1000 }).view(6, 1);
            using var matrix = new DenseFeatureMatrix(values.clone());
            using var some = new DenseFeatureMatrix(values.narrow(0, 0, 4).clone());
            var weights = TorchSharp.torch.tensor(new float[] { 1, 2, 1, 1, 0, 0 });
            var weighted = InputScalingFit.Fit(matrix, weights, seed: 1);
            var reference = InputScalingFit.Fit(some, weights: null, seed: 1);
            CollectionAssert.AreEqual(reference.Center.ToArray(), weighted.Center.ToArray());
            CollectionAssert.AreEqual(reference.Scale.ToArray(), weighted.Scale.ToArray());
            Assert.AreNotEqual(InputScalingFit.Fit(matrix, weights: null, seed: 1).Scale.ToArray()[0], weighted.Scale.ToArray()[0], "the zero-weight rows would move it");
        }

        [TestMethod]
        public void ASparseRowScoresAsTheSameRowDense()
        {
            var ml = new MLContext(seed: 1);
            var (data, raw) = SkewedTable(ml, 200, seed: 6);
            var model = ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options
            {
                InputScaling = InputScalingKind.Robust, HiddenLayerSizes = new[] { 8 }, NumberOfEpochs = 2, Seed = 1,
            }).Fit(data).Model;
            // Centred slots: an unstored 0 is not 0 after the scaling, so the scorer must densify the row.
            Assert.IsTrue(model.InputScaling!.Center.ToArray().Any(c => c != 0));
            var network = model.Network;
            var scratch = new float[network.ScratchSize];
            var dense = new float[1];
            var sparse = new float[1];
            var row = raw[0].ToArray();
            row[1] = 0;
            network.Forward(row, dense, scratch);
            int[] indices = Enumerable.Range(0, row.Length).Where(j => row[j] != 0).ToArray();
            network.ForwardSparse(indices, indices.Select(j => row[j]).ToArray(), sparse, scratch);
            Assert.AreEqual(dense[0], sparse[0]);
        }

        private sealed class Row
        {
            [VectorType(4)] public float[] Features = Array.Empty<float>();
            public float Label;
        }

        /// <summary>Four columns on very different scales, one log-normal with outliers; the label follows all four.</summary>
        internal static (IDataView Data, List<float[]> Raw) SkewedTable(MLContext ml, int rows, int seed)
        {
            var random = new Random(seed);
            double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            var raw = new List<float[]>();
            var table = new List<Row>();
            for (int i = 0; i < rows; i++)
            {
                double a = Normal(), b = Math.Exp(2 * Normal()), c = 1000 + 50 * Normal(), d = random.Next(3);
                var x = new[] { (float)a, (float)b, (float)c, (float)d };
                raw.Add(x);
                table.Add(new Row { Features = x, Label = (float)(a + Math.Log(b) + (c - 1000) / 50 + d + 0.1 * Normal()) });
            }
            return (ml.Data.LoadFromEnumerable(table), raw);
        }
    }
}
