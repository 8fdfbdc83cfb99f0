using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Reference
{
    /// <summary>Random sparse matrices, and a CSR cache built from a dense one by plain tensor ops (independent of the reader).</summary>
    internal static class SparseData
    {
        /// <summary>A dense <c>[rows, width]</c> matrix with about <paramref name="density"/> of its entries non-zero (normal values), the rest exactly 0.</summary>
        public static Tensor Random(long rows, long width, double density, ScalarType dtype, Generator generator)
        {
            var values = randn(new[] { rows, width }, dtype: dtype, generator: generator);
            var keep = rand(new[] { rows, width }, dtype: ScalarType.Float64, generator: generator).lt(density);
            return values.mul_(keep.to_type(dtype));
        }

        /// <summary>The CSR cache of <paramref name="dense"/> (Float32 values).</summary>
        public static CsrFeatureMatrix Csr(Tensor dense)
        {
            var nonZero = dense.ne(0);
            var coordinates = nonZero.nonzero(); // [nnz, 2], row-major order
            var counts = nonZero.sum(dim: 1, type: ScalarType.Int64);
            var offsets = cat(new[] { zeros(1, dtype: ScalarType.Int64), counts.cumsum(0) }, 0);
            var columns = coordinates.select(1, 1).to_type(ScalarType.Int32).contiguous();
            var values = dense.to_type(ScalarType.Float32).flatten().index_select(0, coordinates.select(1, 0) * dense.shape[1] + coordinates.select(1, 1));
            return new CsrFeatureMatrix(offsets.DetachFromDisposeScope(), columns.DetachFromDisposeScope(), values.DetachFromDisposeScope(), dense.shape[1]);
        }

        /// <summary>
        /// The rows of <paramref name="dense"/> at <paramref name="index"/> as a sparse batch, in its dtype: compacted to
        /// the columns it touches (<see cref="SparseInput"/>) or kept as entries (<see cref="SparseEntryInput"/>).
        /// </summary>
        public static InputBatch Batch(Tensor dense, Tensor index, bool compacted)
        {
            var rows = dense.index_select(0, index);
            var coordinates = rows.ne(0).nonzero();
            var values = rows.flatten().index_select(0, coordinates.select(1, 0) * rows.shape[1] + coordinates.select(1, 1));
            return SparseInput.FromEntries(coordinates.select(1, 0).contiguous(), coordinates.select(1, 1).contiguous(), values, rows.shape[0], rows.shape[1],
                minimumFill: compacted ? 0 : 2);
        }
    }
}
