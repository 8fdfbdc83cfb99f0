using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Numerics
{
    /// <summary>
    /// A dense cache's <see cref="FeatureMatrix.Range"/> (the training statistics' feature range) against torch's column-wise
    /// <c>amin</c> and <c>amax</c> and <c>argmax</c> of the larger magnitude: one row, a few, and 9,001 rows split over two
    /// threads; the largest magnitude negative, tied between slots (the first is named), and a NaN (propagated, as torch does).
    /// </summary>
    [TestClass]
    public sealed class FeatureRangeTests
    {
        [TestMethod]
        [DataRow(1, 1)]
        [DataRow(5, 1)]
        [DataRow(9001, 2)]
        [DataRow(9001, 1)]
        public void TheRangeIsTorchsColumnWiseLeastAndLargest(int rows, int threads)
        {
            using var threadScope = MLNetRiemannian.Interop.TorchThreads.Enter(threads, () => { });
            var random = new Random(rows);
            const int width = 21; // two vectors of 8 and a tail of 5
            foreach (string kind in new[] { "random", "negative largest", "tie", "NaN" })
            {
                using var scope = NewDisposeScope();
                var values = Enumerable.Range(0, rows * width).Select(_ => (float)(random.NextDouble() * 20 - 10)).ToArray();
                int row = random.Next(rows);
                switch (kind)
                {
                    case "negative largest": values[row * width + 13] = -50; break;
                    case "tie": values[row * width + 19] = 50; values[(rows - 1 - row) * width + 4] = -50; break;
                    case "NaN": values[row * width + 17] = float.NaN; break;
                }
                var x = tensor(values).reshape(rows, width);
                using var matrix = new DenseFeatureMatrix(x.clone());
                var range = matrix.Range();
                var slotMax = x.amax(0).to_type(ScalarType.Float64);
                var slotMin = x.amin(0).to_type(ScalarType.Float64);
                Assert.AreEqual(slotMin.min().item<double>(), range.Min, $"{kind}: least value");
                Assert.AreEqual(slotMax.max().item<double>(), range.Max, $"{kind}: largest value");
                Assert.AreEqual(maximum(slotMax.abs(), slotMin.abs()).argmax().item<long>(), range.LargestSlot, $"{kind}: slot of the largest magnitude");
                if (kind == "tie") Assert.AreEqual(4, range.LargestSlot, "the first of two slots of the largest magnitude");
                if (kind == "NaN") Assert.IsTrue(double.IsNaN(range.Min) && double.IsNaN(range.Max), "a NaN propagates");
            }
        }
    }
}
