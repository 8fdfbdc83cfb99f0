using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Data;
using MLNetRiemannian.Model;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Data
{
    [TestClass]
    public sealed class TrainingDataTests
    {
        private sealed class Row
        {
            [VectorType(3)] public float[] Features = new float[3];
            public float Label;
        }

        [TestMethod]
        public void RowsAcrossSeveralStagingChunksArriveExactlyAndMissingLabelsAreSkipped()
        {
            const int count = 40_000; // more than two 16,384-row staging chunks
            var rows = Enumerable.Range(0, count).Select(i => new Row
            {
                Features = new[] { i, -i, i * 0.5f },
                Label = i % 1000 == 7 ? float.NaN : i % 13,
            }).ToList();
            var ml = new MLContext(1);
            var view = ml.Data.LoadFromEnumerable(rows);
            using var scope = NewDisposeScope();
            var columns = ColumnChecks.Check(view.Schema, "Features", "Label", null, PredictionTask.Regression);
            using var data = TrainingData.Read(view, columns, PredictionTask.Regression);

            var kept = rows.Where(r => !float.IsNaN(r.Label)).ToList();
            Assert.AreEqual(40, data.SkippedRows);
            Assert.IsInstanceOfType<MLNetRiemannian.Numerics.DenseFeatureMatrix>(data.Features, "rows with every slot non-zero stay dense");
            Assert.AreEqual(kept.Count, (int)data.Count);
            CollectionAssert.AreEqual(kept.SelectMany(r => r.Features).ToArray(), data.Features.ToDense().contiguous().data<float>().ToArray());
            CollectionAssert.AreEqual(kept.Select(r => r.Label).ToArray(), data.Labels.contiguous().data<float>().ToArray());
        }

        [TestMethod]
        public void AViewThatDoesNotKnowItsRowCountIsCountedFirst()
        {
            var ml = new MLContext(1);
            var rows = Enumerable.Range(0, 20_000).Select(i => new Row { Features = new[] { i, 1f, 2f }, Label = i % 2 }).ToList();
            // A filter hides the row count, as a file-backed view does, so the reader counts the rows first.
            var view = ml.Data.FilterRowsByColumn(ml.Data.LoadFromEnumerable(rows), "Label", 0.5, 2); // odd rows only
            Assert.IsNull(view.GetRowCount());
            using var scope = NewDisposeScope();
            using var data = TrainingData.Read(view, ColumnChecks.Check(view.Schema, "Features", "Label", null, PredictionTask.Regression), PredictionTask.Regression);
            Assert.AreEqual(10_000, (int)data.Count);
            CollectionAssert.AreEqual(rows.Where(r => r.Label == 1).Select(r => r.Features[0]).ToArray(),
                data.Features.ToDense().select(1, 0).contiguous().data<float>().ToArray());
        }
    }
}
