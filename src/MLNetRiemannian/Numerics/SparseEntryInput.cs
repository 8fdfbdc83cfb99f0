using static TorchSharp.torch;

namespace MLNetRiemannian.Numerics
{
    /// <summary>
    /// A sparse batch held by its stored entries (row, column, value), the alternative to the compacted block
    /// (<see cref="SparseInput"/>) when that block would be mostly zeros: text features touch tens of thousands of
    /// distinct columns per batch, so the <c>B × u</c> block is far larger than the entries. Training uses it below
    /// <see cref="SparseInput.BatchMinimumFill"/> (0 by default: measured slower over a whole fit, see <see cref="SparseInput.MinimumFill"/>). Products cost <c>O(nnz · m)</c> by gathering
    /// the columns of the other factor and scattering into the result; the input Gram is TorchSharp's sparse COO
    /// product <c>X Xᵀ</c>.
    /// </summary>
    internal sealed class SparseEntryInput : InputBatch
    {
        private readonly Tensor _rows, _columns, _values;
        private readonly long _batch, _width;

        /// <param name="rows">Int64 <c>[nnz]</c>, non-decreasing (row order).</param>
        /// <param name="columns">Int64 <c>[nnz]</c>; no (row, column) pair repeats.</param>
        /// <param name="values"><c>[nnz]</c>.</param>
        /// <param name="batch">B.</param>
        /// <param name="width">in.</param>
        public SparseEntryInput(Tensor rows, Tensor columns, Tensor values, long batch, long width)
        {
            _rows = rows;
            _columns = columns;
            _values = values;
            _batch = batch;
            _width = width;
        }

        public override long Rows => _batch;

        public override long Width => _width;

        public override ScalarType Dtype => _values.dtype;

        public override Tensor Linear(Tensor weight, Tensor bias) => TimesTransposed(weight).add_(bias);

        public override Tensor TimesTransposed(Tensor matrix)
        {
            // Row b of X Aᵀ is Σ_e [rows_e = b] v_e A[:, col_e].
            var gathered = matrix.index_select(1, _columns).t().mul(_values.unsqueeze(1));
            return zeros(_batch, matrix.shape[0], dtype: gathered.dtype).index_add_(0, _rows, gathered, 1);
        }

        public override Tensor TransposedTimes(Tensor p)
        {
            var target = empty(p.shape[1], _width, dtype: _values.dtype);
            TransposedTimesInto(target, p);
            return target;
        }

        // Column j of Pᵀ X is Σ_e [col_e = j] v_e P[row_e, :].
        public override void TransposedTimesInto(Tensor target, Tensor p) =>
            target.zero_().index_add_(1, _columns, p.index_select(0, _rows).mul(_values.unsqueeze(1)).t(), 1);

        public override InputBatch ColumnsScaled(Tensor scale) => new SparseEntryInput(_rows, _columns, _values * scale.index_select(0, _columns), _batch, _width);

        public override Tensor Gram(Tensor? columnScale)
        {
            var indices = stack(new[] { _rows, _columns });
            var x = sparse_coo_tensor(indices, _values, new[] { _batch, _width });
            if (columnScale is null) return x.mm(x.t()).to_dense().add_(1);
            var columns = columnScale.to_type(_values.dtype);
            var scaled = sparse_coo_tensor(indices, _values * columns.index_select(0, _columns), new[] { _batch, _width });
            return scaled.mm(x.t()).to_dense().add_(columns[_width]);
        }

        public override InputBatch ToType(ScalarType dtype) => new SparseEntryInput(_rows, _columns, _values.to_type(dtype), _batch, _width);

        public override InputBatch Detached() => new SparseEntryInput(Keep(_rows), Keep(_columns), Keep(_values), _batch, _width);

        public override void DisposeTensors()
        {
            _rows.Dispose();
            _columns.Dispose();
            _values.Dispose();
        }

        public override InputBatch Narrow(long rows)
        {
            // The entries are in row order, so the first rows' entries are a prefix.
            long count = _rows.lt(rows).sum().item<long>();
            return new SparseEntryInput(_rows.narrow(0, 0, count), _columns.narrow(0, 0, count), _values.narrow(0, 0, count), rows, _width);
        }

        public override Tensor ToDense()
        {
            var dense = zeros(_batch * _width, dtype: _values.dtype);
            dense.index_copy_(0, _rows * _width + _columns, _values);
            return dense.view(_batch, _width);
        }
    }
}
