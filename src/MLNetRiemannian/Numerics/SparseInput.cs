using System;
using static TorchSharp.torch;

namespace MLNetRiemannian.Numerics
{
    /// <summary>
    /// A sparse batch held by its compacted columns: the <c>u</c> distinct columns the batch touches
    /// (<see cref="Columns"/>, sorted) and the dense <c>[B, u]</c> block <c>X_c</c> of the rows restricted to them,
    /// so that <c>X = X_c E</c> with <c>E</c> the <c>u × in</c> selection of those columns. Every product is then a GEMM
    /// on <c>X_c</c> and a gather or scatter of <c>u</c> columns:
    /// <list type="bullet">
    /// <item><c>X Wᵀ = X_c W[:, cols]ᵀ</c> (the forward pass and <c>A x̃</c>);</item>
    /// <item><c>Pᵀ X</c> is <c>Pᵀ X_c</c> scattered into the columns <c>cols</c> of a zero <c>[m, in]</c> matrix (the weight gradient <c>δᵀX</c> and <c>Pᵀ X̃</c>);</item>
    /// <item><c>X diag(γ) Xᵀ = X_c diag(γ[cols]) X_cᵀ</c> (the input Gram).</item>
    /// </list>
    /// Memory is <c>B·u</c> values with <c>u ≤ min(in, non-zeros of the batch)</c> (86 MB for a batch of 512 text rows).
    /// </summary>
    internal sealed class SparseInput : InputBatch
    {
        private readonly long _width;

        /// <param name="columns">The distinct columns the batch touches, Int64 <c>[u]</c>, sorted ascending.</param>
        /// <param name="compact">X_c, <c>[B, u]</c>.</param>
        /// <param name="width">in.</param>
        public SparseInput(Tensor columns, Tensor compact, long width)
        {
            Columns = columns;
            Compact = compact;
            _width = width;
        }

        /// <summary>
        /// The compacted block is used when at least this fraction of it is non-zero; 0, so always. Measured (benchmark
        /// <c>sparse-memory</c>, same load): on text rows (82 per row of 254,677 slots, B = 512) the products alone are
        /// about 10× faster as entries, but a whole fit (austen lines, first layer of 16) took 86 s compacted against
        /// 177 s as entries, so training compacts every batch; the entries form stays for the benchmark to compare.
        /// </summary>
        public const double MinimumFill = 0;

        /// <summary>The threshold <see cref="CsrFeatureMatrix"/> batches use: <see cref="MinimumFill"/>, changed only by the benchmark tool to compare the two forms.</summary>
        internal static double BatchMinimumFill { get; set; } = MinimumFill;

        /// <summary>
        /// Builds the batch from its stored entries in row order: entry <c>e</c> is <c>X[rows[e], columns[e]] = values[e]</c>;
        /// no (row, column) pair may repeat.
        /// </summary>
        /// <param name="rows">Int64 <c>[nnz]</c>, each in [0, <paramref name="batch"/>).</param>
        /// <param name="columns">Int64 <c>[nnz]</c>, each in [0, <paramref name="width"/>).</param>
        /// <param name="values"><c>[nnz]</c>.</param>
        /// <param name="batch">B.</param>
        /// <param name="width">in.</param>
        /// <param name="minimumFill">The least fraction of the compacted block that must be non-zero for it to be
        /// used; below it the batch keeps its entries (<see cref="SparseEntryInput"/>). Tests set 0 or 2 to force one form.</param>
        public static InputBatch FromEntries(Tensor rows, Tensor columns, Tensor values, long batch, long width, double minimumFill = MinimumFill)
        {
            var (distinct, inverse, _) = unique(columns, sorted: true, return_inverse: true);
            long used = distinct.shape[0];
            if (values.shape[0] < minimumFill * batch * used) return new SparseEntryInput(rows, columns, values, batch, width);
            var compact = zeros(checked(batch * used), dtype: values.dtype);
            compact.index_copy_(0, rows * used + inverse!, values);
            return new SparseInput(distinct, compact.view(batch, used), width);
        }

        /// <summary>The distinct columns touched, Int64 <c>[u]</c>, sorted.</summary>
        public Tensor Columns { get; }

        /// <summary>X_c, <c>[B, u]</c>.</summary>
        public Tensor Compact { get; }

        public override long Rows => Compact.shape[0];

        public override long Width => _width;

        public override ScalarType Dtype => Compact.dtype;

        public override Tensor Linear(Tensor weight, Tensor bias) =>
            nn.functional.linear(Compact, weight.index_select(1, Columns), bias);

        public override Tensor TimesTransposed(Tensor matrix) => Compact.mm(matrix.index_select(1, Columns).t());

        public override Tensor TransposedTimes(Tensor p)
        {
            var target = empty(p.shape[1], _width, dtype: Compact.dtype);
            TransposedTimesInto(target, p);
            return target;
        }

        // Only the batch's columns are non-zero: the target is cleared and they are copied in, with no [m, in] temporary.
        public override void TransposedTimesInto(Tensor target, Tensor p) => target.zero_().index_copy_(1, Columns, p.t().mm(Compact));

        public override InputBatch ColumnsScaled(Tensor scale) => new SparseInput(Columns, Compact * scale.index_select(0, Columns), _width);

        public override Tensor Gram(Tensor? columnScale)
        {
            if (columnScale is null) return Compact.mm(Compact.t()).add_(1);
            var columns = columnScale.to_type(Compact.dtype);
            return (Compact * columns.index_select(0, Columns)).mm(Compact.t()).add_(columns[_width]);
        }

        public override InputBatch ToType(ScalarType dtype) => new SparseInput(Columns, Compact.to_type(dtype), _width);

        public override InputBatch Narrow(long rows) => new SparseInput(Columns, Compact.narrow(0, 0, rows), _width);

        public override InputBatch Detached() => new SparseInput(Keep(Columns), Keep(Compact), _width);

        public override void DisposeTensors()
        {
            Columns.Dispose();
            Compact.Dispose();
        }

        public override Tensor ToDense() =>
            zeros(Rows, _width, dtype: Compact.dtype).index_copy_(1, Columns, Compact);
    }
}
