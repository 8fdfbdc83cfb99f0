using System;
using System.Linq;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Data;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Data
{
    /// <summary>The dense-or-compressed rule and the rows it caches, against the rows written.</summary>
    [TestClass]
    public sealed class FeatureReaderTests
    {
        private const int Width = 40;

        [TestMethod]
        [DataRow(0.05, true, true)]
        [DataRow(0.05, false, true)]
        [DataRow(0.6, true, false)]
        [DataRow(0.6, false, false)]
        public void RowsBelowAQuarterNonZeroAreCompressedWhateverTheirVBufferKind(double density, bool sparseBuffers, bool compressed)
        {
            using var scope = NewDisposeScope();
            var random = new Random(7);
            // More rows than the decision looks at, so rows arrive both before and after the choice.
            int rows = FeatureReader.DecisionRows + 300;
            var expected = new float[rows, Width];
            using var reader = new FeatureReader("Features", Width, rows);
            for (int r = 0; r < rows; r++)
            {
                var indices = Enumerable.Range(0, Width).Where(_ => random.NextDouble() < density).ToArray();
                var values = indices.Select(_ => (float)random.NextDouble() + 0.5f).ToArray();
                foreach (var (j, v) in indices.Zip(values)) expected[r, j] = v;
                var dense = Enumerable.Range(0, Width).Select(j => expected[r, j]).ToArray();
                var row = sparseBuffers ? new VBuffer<float>(Width, indices.Length, values, indices) : new VBuffer<float>(Width, dense);
                reader.Add(row, r);
            }
            using var features = reader.Finish();
            Assert.AreEqual(compressed, features is CsrFeatureMatrix, $"density {density}: compressed {features is CsrFeatureMatrix}");
            long nonZeros = expected.Cast<float>().Count(v => v != 0);
            Assert.AreEqual(compressed ? 8 * nonZeros + 8 * (rows + 1) : 4L * rows * Width, features.StorageBytes);
            var cached = features.ToDense().contiguous().data<float>().ToArray();
            CollectionAssert.AreEqual(expected.Cast<float>().ToArray(), cached);
        }

        [TestMethod]
        public void ANonFiniteValueNamesTheColumnSlotAndRow()
        {
            using var reader = new FeatureReader("Features", Width, 3);
            reader.Add(new VBuffer<float>(Width, 1, new[] { 1f }, new[] { 4 }), 0);
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => reader.Add(new VBuffer<float>(Width, 2, new[] { 1f, float.NaN }, new[] { 3, 17 }), 1));
            StringAssert.Contains(e.Message, "'Features'");
            StringAssert.Contains(e.Message, "slot 17 at row 1 of the training data (counting from 0, in its order)");
            StringAssert.Contains(e.Message, "a NaN can also be an infinite or overflowing input", "a NaN's other cause is named");
            var infinite = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => reader.Add(new VBuffer<float>(Width, 1, new[] { float.PositiveInfinity }, new[] { 2 }), 2));
            Assert.IsFalse(infinite.Message.Contains("a NaN can also"), "only a NaN gets the hint: " + infinite.Message);
        }

        [TestMethod]
        public void MoreRowsThanTheViewReportedAreRefused()
        {
            using var reader = new FeatureReader("Features", Width, 1);
            reader.Add(new VBuffer<float>(Width, 0, Array.Empty<float>(), Array.Empty<int>()), 0);
            Assert.ThrowsExactly<InvalidOperationException>(() => reader.Add(new VBuffer<float>(Width, 0, Array.Empty<float>(), Array.Empty<int>()), 1));
        }
    }
}
