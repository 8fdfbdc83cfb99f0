using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Tests.Reference;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Numerics
{
    /// <summary>Every product of a sparse batch against the same product of the dense rows.</summary>
    [TestClass]
    public sealed class SparseInputTests
    {
        private const double Float64Tolerance = 1e-12;

        [TestMethod]
        [DataRow(0.02, true)]
        [DataRow(0.3, true)]
        [DataRow(1.0, true)]
        [DataRow(0.02, false)]
        [DataRow(0.3, false)]
        [DataRow(1.0, false)]
        public void SparseProductsEqualTheDenseOnes(double density, bool compacted)
        {
            using var scope = NewDisposeScope();
            var generator = new Generator(17);
            var rows = SparseData.Random(9, 40, density, ScalarType.Float64, generator);
            var index = tensor(new long[] { 3, 0, 8, 8, 5 }); // a repeated row and an out-of-order batch
            var sparse = SparseData.Batch(rows, index, compacted);
            Assert.AreEqual(compacted, sparse is SparseInput, "the form asked for");
            var dense = new DenseInput(rows.index_select(0, index));
            var weight = randn(new long[] { 6, 40 }, dtype: ScalarType.Float64, generator: generator);
            var bias = randn(new long[] { 6 }, dtype: ScalarType.Float64, generator: generator);
            var p = randn(new long[] { 5, 6 }, dtype: ScalarType.Float64, generator: generator);
            var gamma = rand(new long[] { 41 }, dtype: ScalarType.Float64, generator: generator).add_(0.5);

            Close(dense.Values, sparse.ToDense(), "densified rows");
            Close(dense.Linear(weight, bias), sparse.Linear(weight, bias), "X Wᵀ + b");
            Close(dense.TimesTransposed(weight), sparse.TimesTransposed(weight), "X Aᵀ");
            Close(dense.TransposedTimes(p), sparse.TransposedTimes(p), "Pᵀ X");
            Close(dense.Gram(null), sparse.Gram(null), "X̃ X̃ᵀ");
            Close(dense.Gram(gamma), sparse.Gram(gamma), "X̃ diag(γ) X̃ᵀ");
            Close(dense.Narrow(2).Gram(gamma), sparse.Narrow(2).Gram(gamma), "narrowed Gram");
        }

        [TestMethod]
        public void ACsrCacheGathersSlicesAndSelectsTheRowsOfTheDenseMatrix()
        {
            using var scope = NewDisposeScope();
            var rows = SparseData.Random(50, 300, 0.05, ScalarType.Float32, new Generator(3));
            using var csr = SparseData.Csr(rows);
            long nonZeros = rows.ne(0).sum().item<long>();
            Assert.AreEqual(nonZeros, csr.StoredEntries);
            Assert.AreEqual(8 * nonZeros + 8 * 51, csr.StorageBytes, "8 bytes per non-zero and 8 per row offset");

            var index = tensor(new long[] { 49, 2, 2, 17, 0 });
            Assert.IsTrue(csr.Gather(index).ToDense().eq(rows.index_select(0, index)).all().item<bool>(), "gathered rows");
            Assert.IsTrue(csr.Slice(10, 7).ToDense().eq(rows.narrow(0, 10, 7)).all().item<bool>(), "sliced rows");
            using var selected = csr.Select(index);
            Assert.AreEqual(5, selected.Rows);
            Assert.IsTrue(selected.ToDense().eq(rows.index_select(0, index)).all().item<bool>(), "selected rows");
            Assert.AreEqual(rows.abs().max().item<float>(), (float)csr.Range().Magnitude);
        }

        private static void Close(Tensor expected, Tensor actual, string what)
        {
            double error = (expected - actual).abs().max().item<double>() / System.Math.Max(1, expected.abs().max().item<double>());
            Assert.IsTrue(error <= Float64Tolerance, $"{what}: relative error {error:E2} > {Float64Tolerance}");
        }
    }
}
