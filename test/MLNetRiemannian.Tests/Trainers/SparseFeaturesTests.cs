using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Data;
using MLNetRiemannian.Model;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Tests.Reference;
using MLNetRiemannian.Trainers;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Trainers
{
    /// <summary>Wide hashed features stay sparse: the cache holds the non-zeros only, and training works on them.</summary>
    [TestClass]
    public sealed class SparseFeaturesTests
    {
        public TestContext TestContext { get; set; } = null!;

        /// <summary>A row of c21_orders.csv (also read by <see cref="ColumnSparseFitTests"/>).</summary>
        internal sealed class Order
        {
            [LoadColumn(0)] public string Region = "";
            [LoadColumn(1)] public string Product = "";
            [LoadColumn(2)] public float Amount = float.NaN;
            [LoadColumn(3)] public bool Flagged = false;
        }

        private sealed class HashedRow
        {
            public string Group = "";
            public string Id = "";
            public bool Label;
        }

        /// <summary>
        /// Field case c21: OneHotHashEncoding of Region and Product at the default 16 bits each plus Amount is 131,073
        /// slots, which overflowed an int in the reader's staging buffer. It trains, cached as compressed rows.
        /// </summary>
        [TestMethod]
        public void FieldCaseC21HashedOrdersTrainWithFeatureMemoryProportionalToTheNonZeros()
        {
            var ml = new MLContext(1);
            var messages = new List<string>();
            ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
            var data = ml.Data.LoadFromTextFile<Order>(SampleData.DataPath("field-cases/c21_orders.csv"), separatorChar: ',', hasHeader: true);
            var featurize = ml.Transforms.Categorical.OneHotHashEncoding("Region")
                .Append(ml.Transforms.Categorical.OneHotHashEncoding("Product"))
                .Append(ml.Transforms.NormalizeMinMax("Amount"))
                .Append(ml.Transforms.Concatenate("Features", "Region", "Product", "Amount"));
            var featurized = featurize.Fit(data).Transform(data);

            var cached = Read(featurized, "Flagged", PredictionTask.BinaryClassification);
            Assert.AreEqual(400, cached.Rows);
            Assert.AreEqual(2 * 65536 + 1, cached.Width);
            AssertCompressed(cached, maximumPerRow: 3);

            // A first layer of 16 and 30 epochs keep the test short.
            var model = ml.BinaryClassification.Trainers.RiemannianMlp(labelColumnName: "Flagged", hiddenLayerSizes: new[] { 16 }, numberOfEpochs: 30).Fit(featurized);
            string log = messages.Single(m => m.Contains("Features cached as compressed rows"));
            TestContext.WriteLine(log);
            StringAssert.Contains(log, $"{cached.StoredEntries} non-zeros");
            StringAssert.Contains(log, $"{cached.StorageBytes} bytes");
            // The plan is said before training: each step updates the columns its rows use (the column-sparse step), not
            // the 2 million weights of the first layer, so no Warning is due (issue 19's c31 kind).
            string plan = messages.Single(m => m.Contains("Planned work:"));
            TestContext.WriteLine(plan);
            StringAssert.Contains(plan, $"of the first layer's {131073:N0} input columns (the ones its rows use) and the other {16 + 17:N0} parameters");
            Assert.IsFalse(messages.Any(m => m.Contains("far longer than a linear trainer")), "no Warning for a plan that follows the non-zeros");
            var scores = model.Transform(featurized).GetColumn<float>("Score").ToArray();
            Assert.AreEqual(400, scores.Length);
            Assert.IsTrue(scores.All(float.IsFinite), "every score is finite");
            cached.Dispose();
        }

        /// <summary>
        /// 2^20 hashed slots and a first layer of 8: the cache holds 2 non-zeros per row at 8 bytes each, and an easy
        /// rule (the label is the parity of the group) is learned to 95 % hold-out accuracy.
        /// </summary>
        [TestMethod]
        public void TrainsOnAMillionHashedSlotsWithANarrowFirstLayer()
        {
            var ml = new MLContext(2);
            var random = new Random(5);
            var rows = Enumerable.Range(0, 1200).Select(_ =>
            {
                int group = random.Next(12);
                return new HashedRow { Group = $"group{group}", Id = $"id{random.Next(100_000)}", Label = group % 2 == 0 };
            }).ToList();
            var split = ml.Data.TrainTestSplit(ml.Data.LoadFromEnumerable(rows), testFraction: 0.2, seed: 3);
            var featurize = ml.Transforms.Categorical.OneHotHashEncoding("Group", numberOfBits: 19)
                .Append(ml.Transforms.Categorical.OneHotHashEncoding("Id", numberOfBits: 19))
                .Append(ml.Transforms.Concatenate("Features", "Group", "Id"));
            var featurizer = featurize.Fit(split.TrainSet);
            var train = featurizer.Transform(split.TrainSet);

            var cached = Read(train, "Label", PredictionTask.BinaryClassification);
            Assert.AreEqual(1 << 20, cached.Width);
            AssertCompressed(cached, maximumPerRow: 2);
            Assert.AreEqual(2 * cached.Rows, cached.StoredEntries, "one hashed slot per column and row");
            cached.Dispose();

            var trainer = ml.BinaryClassification.Trainers.RiemannianMlp(new RiemannianMlpBinaryTrainer.Options
            {
                HiddenLayerSizes = new[] { 8 },
                NumberOfEpochs = 6,
            });
            var model = trainer.Fit(train);
            var metrics = ml.BinaryClassification.Evaluate(model.Transform(featurizer.Transform(split.TestSet)));
            TestContext.WriteLine($"hold-out accuracy {metrics.Accuracy:F4}, AUC {metrics.AreaUnderRocCurve:F4}");
            Assert.IsTrue(metrics.Accuracy >= 0.95, $"hold-out accuracy {metrics.Accuracy:F4} < 0.95 on a rule of the group alone");
        }

        /// <summary>A network the model format cannot hold is refused before the data is read, naming the sizes and the bytes.</summary>
        [TestMethod]
        public void AModelTooLargeForTheFormatIsRefusedBeforeTraining()
        {
            var ml = new MLContext(3);
            var rows = Enumerable.Range(0, 4).Select(i => new HashedRow { Group = $"g{i}", Id = $"i{i}", Label = i % 2 == 0 }).ToList();
            var featurized = ml.Transforms.Categorical.OneHotHashEncoding("Group", numberOfBits: 20)
                .Append(ml.Transforms.Concatenate("Features", "Group"))
                .Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
            var trainer = ml.BinaryClassification.Trainers.RiemannianMlp(hiddenLayerSizes: new[] { 1024 });
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(featurized));
            StringAssert.Contains(e.Message, "1048576-1024-1");
            StringAssert.Contains(e.Message, "1048576→1024");
            // 1,048,577 × 1,024 + 1,025 parameters of 4 bytes, plus the overhead.
            long parameterBytes = 4L * (1_048_577L * 1024 + 1025);
            Assert.IsTrue(ModelSizeCheck.PayloadBytes(new[] { 1 << 20, 1024, 1 }, 200) >= parameterBytes);
            StringAssert.Contains(e.Message, ModelSizeCheck.PayloadBytes(new[] { 1 << 20, 1024, 1 }, 200).ToString("N0"));
        }

        private static FeatureMatrix Read(IDataView view, string label, PredictionTask task)
        {
            using var scope = NewDisposeScope();
            var columns = ColumnChecks.Check(view.Schema, "Features", label, null, task);
            using var data = TrainingData.Read(view, columns, task);
            // Keep the features: select every row into a cache of its own, then compare it with its source's counts.
            var all = data.Features.Select(arange(data.Count));
            Assert.AreEqual(data.Features.StoredEntries, all.StoredEntries);
            Assert.AreEqual(data.Features.StorageBytes, all.StorageBytes);
            Assert.IsInstanceOfType<CsrFeatureMatrix>(data.Features, "the hashed features are kept sparse");
            return all;
        }

        private static void AssertCompressed(FeatureMatrix features, int maximumPerRow)
        {
            Assert.IsInstanceOfType<CsrFeatureMatrix>(features);
            Assert.IsTrue(features.StoredEntries <= maximumPerRow * features.Rows, $"{features.StoredEntries} stored entries for {features.Rows} rows");
            Assert.AreEqual(CsrFeatureMatrix.BytesPerNonZero * features.StoredEntries + 8 * (features.Rows + 1), features.StorageBytes,
                "8 bytes per non-zero and 8 per row offset, nothing per slot");
        }
    }
}
