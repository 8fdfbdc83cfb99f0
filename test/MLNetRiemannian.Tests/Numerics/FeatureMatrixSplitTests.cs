using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Numerics
{
    /// <summary>
    /// The validation split of a feature cache against <c>index_select</c> of a copy taken before it: the same rows in the
    /// same order, dense (reordered in place, both paths) and compressed (copied).
    /// </summary>
    [TestClass]
    public sealed class FeatureMatrixSplitTests
    {
        [TestMethod]
        [DataRow(false)]
        [DataRow(true)]
        public void ADenseSplitHoldsTheOrderedRowsAsViewsOfTheReorderedCache(bool viewPerRow)
        {
            using var scope = NewDisposeScope();
            var generator = new Generator(11);
            var values = randn(new long[] { 257, 5 }, generator: generator);
            var reference = values.clone();
            var order = randperm(257, generator: generator);
            using var matrix = new DenseFeatureMatrix(values);
            FeatureMatrix head, tail;
            if (viewPerRow)
            {
                matrix.PermuteRows(order.data<long>().ToArray(), viewPerRow: true);
                (head, tail) = (new DenseFeatureMatrix(values.narrow(0, 0, 40)), new DenseFeatureMatrix(values.narrow(0, 40, 217)));
            }
            else (head, tail) = matrix.SplitRows(order, 40);
            using (head)
            using (tail)
            {
                Assert.AreEqual(40, head.Rows);
                Assert.AreEqual(217, tail.Rows);
                Assert.IsTrue(head.ToDense().eq(reference.index_select(0, order.narrow(0, 0, 40))).all().item<bool>(), "the held-out rows");
                Assert.IsTrue(tail.ToDense().eq(reference.index_select(0, order.narrow(0, 40, 217))).all().item<bool>(), "the training rows");
                // Views, not copies: a change through the cache shows in the split (the rows are held once).
                values[0, 0] = tensor(1234.5f);
                Assert.AreEqual(1234.5f, head.ToDense()[0, 0].item<float>());
            }
        }

        [TestMethod]
        public void ACompressedSplitCopiesTheOrderedRows()
        {
            using var scope = NewDisposeScope();
            // Rows 0..3 of a 4 × 5 matrix: {0: 1, 3: 2}, {}, {1: 3}, {0: 4, 2: 5, 4: 6}.
            var dense = tensor(new float[] { 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 4, 0, 5, 0, 6 }).reshape(4, 5);
            using var csr = new CsrFeatureMatrix(tensor(new long[] { 0, 2, 2, 3, 6 }), tensor(new[] { 0, 3, 1, 0, 2, 4 }),
                tensor(new float[] { 1, 2, 3, 4, 5, 6 }), 5);
            var order = tensor(new long[] { 2, 0, 3, 1 });
            var (head, tail) = csr.SplitRows(order, 1);
            using (head)
            using (tail)
            {
                Assert.IsTrue(head.ToDense().eq(dense.index_select(0, order.narrow(0, 0, 1))).all().item<bool>(), "the held-out row");
                Assert.IsTrue(tail.ToDense().eq(dense.index_select(0, order.narrow(0, 1, 3))).all().item<bool>(), "the training rows");
            }
        }

        [TestMethod]
        public void AnOrderThatIsNotAPermutationIsRefused()
        {
            using var scope = NewDisposeScope();
            using var matrix = new DenseFeatureMatrix(zeros(4, 3));
            var e = Assert.ThrowsExactly<ArgumentException>(() => matrix.SplitRows(tensor(new long[] { 1, 2, 1, 3 }), 2));
            StringAssert.Contains(e.Message, "not a permutation of the 4 rows");
            Assert.ThrowsExactly<ArgumentException>(() => matrix.SplitRows(tensor(new long[] { 1, 2, 0 }), 2));
        }
    }
}
