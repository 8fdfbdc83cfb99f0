using System;
using System.Collections.Generic;
using Microsoft.ML.Data;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Data
{
    /// <summary>
    /// Collects feature rows (<see cref="VBuffer{T}"/>s) into a <see cref="FeatureMatrix"/>, dense or compressed-row.
    /// </summary>
    /// <remarks>
    /// The rule: the first <see cref="DecisionRows"/> rows are staged in compressed-row form; if fewer than
    /// <see cref="SparseDensity"/> of their slots are non-zero (whether the VBuffers were sparse or dense), the column is
    /// cached in compressed-row form (8 bytes per non-zero and 8 per row), otherwise dense (4 bytes per slot). At a
    /// quarter of the slots the compressed rows take half the dense bytes; the step's cost on sparse batches grows with
    /// the columns a batch touches, not with the width. Explicit zeros are not stored. Every size is a
    /// <see cref="long"/> with checked arithmetic; the dense staging chunk holds at most <see cref="StagingBytes"/>
    /// and at most the rows the data has.
    /// </remarks>
    internal sealed class FeatureReader : IDisposable
    {
        /// <summary>Rows looked at before choosing between dense and compressed-row storage.</summary>
        public const int DecisionRows = 1024;

        /// <summary>Below this fraction of non-zero slots the rows are kept sparse.</summary>
        public const double SparseDensity = 0.25;

        /// <summary>Largest staging buffer, in bytes (dense chunks; compressed-row chunks of entries).</summary>
        public const long StagingBytes = 8L << 20;

        private const long EntriesPerChunk = StagingBytes / CsrFeatureMatrix.BytesPerNonZero;

        private readonly string _column;
        private readonly long _width;
        private readonly long _capacity;
        private bool? _sparse;
        private long _rows;

        // Compressed-row staging (all rows while undecided or sparse): entries since the last flush, flushed chunks.
        private int[] _columns = new int[1024];
        private float[] _values = new float[1024];
        private int _staged;
        private readonly List<long> _offsets = new() { 0 };
        private readonly List<Tensor> _columnChunks = new(), _valueChunks = new();
        private long _entries;

        // Dense storage.
        private Tensor? _dense;
        private float[] _denseBuffer = Array.Empty<float>();
        private int _denseStaged;
        private long _denseFilled;

        /// <param name="column">The feature column's name, for messages.</param>
        /// <param name="width">Slots of a row.</param>
        /// <param name="capacity">The most rows the view will yield (its reported row count).</param>
        /// <param name="slotName">A slot's name (e.g. the input column Concatenate took it from), or null: asked only for a message.</param>
        /// <param name="dataName">What the rows are ("training data", "validation set"), for messages.</param>
        public FeatureReader(string column, long width, long capacity, Func<int, string?>? slotName = null, string dataName = "training data")
        {
            _column = column;
            _width = width;
            _capacity = capacity;
            _slotName = slotName;
            _dataName = dataName;
        }

        private readonly Func<int, string?>? _slotName;
        private readonly string _dataName;

        private string Slot(int slot) => _slotName?.Invoke(slot) is { Length: > 0 } name ? $"slot {slot} ('{name}')" : $"slot {slot}";

        /// <summary>Appends a row, checking that every value is finite.</summary>
        /// <param name="row">The row; its length was checked against the schema.</param>
        /// <param name="position">The row's position in the data view, for messages.</param>
        public void Add(in VBuffer<float> row, long position)
        {
            if (_rows == _capacity)
                throw new InvalidOperationException($"The data view yielded more than the {_capacity} rows it reported.");
            var values = row.GetValues();
            var indices = row.GetIndices();
            // One vectorized read decides; the slot is looked for only when some value is not finite.
            if (!FusedPasses.AllFinite(values))
            {
                for (int k = 0; k < values.Length; k++)
                {
                    if (!float.IsFinite(values[k]))
                        throw new ArgumentOutOfRangeException("data",
                            $"Feature column '{_column}' has the value {values[k]} in {Slot(row.IsDense ? k : indices[k])} at row {position} of the {_dataName} (counting from 0, in its order); " +
                            "features must be finite (replace missing values first, e.g. mlContext.Transforms.ReplaceMissingValues" +
                            (float.IsNaN(values[k]) ? "; a NaN can also be an infinite or overflowing input that a normalizer turned into NaN: NormalizeMinMax does, and maps that column's other values to 0)." : ")."));
                }
            }
            _rows++;
            if (_sparse == false) { AddDense(row); return; }
            for (int k = 0; k < values.Length; k++)
            {
                if (values[k] == 0) continue;
                if (_staged == _columns.Length) GrowOrFlush();
                _columns[_staged] = row.IsDense ? k : indices[k];
                _values[_staged++] = values[k];
                _entries++;
            }
            _offsets.Add(_entries);
            // Decide after the first rows, or earlier once they fill a staging chunk (a wide dense column).
            if (_sparse is null && (_rows == DecisionRows || _entries >= EntriesPerChunk)) Decide();
        }

        /// <summary>The cached rows; the reader is spent afterwards.</summary>
        public FeatureMatrix Finish()
        {
            if (_sparse is null) Decide();
            if (_sparse == true)
            {
                FlushSparse();
                var offsets = tensor(_offsets.ToArray());
                var columns = Concatenate(_columnChunks, ScalarType.Int32);
                var values = Concatenate(_valueChunks, ScalarType.Float32);
                return new CsrFeatureMatrix(offsets.DetachFromDisposeScope(), columns, values, _width);
            }
            FlushDense();
            var dense = _dense!;
            _dense = null;
            if (_denseFilled == dense.shape[0]) return new DenseFeatureMatrix(dense);
            // Rows skipped for a missing label leave unused capacity at the end: keep the filled part only (a view
            // keeps the storage alive after the full tensor's handle is released).
            var filled = dense.narrow(0, 0, _denseFilled).DetachFromDisposeScope();
            dense.Dispose();
            return new DenseFeatureMatrix(filled);
        }

        /// <summary>One tensor of the flushed chunks (which it then releases).</summary>
        private static Tensor Concatenate(List<Tensor> chunks, ScalarType dtype)
        {
            if (chunks.Count == 1)
            {
                var only = chunks[0];
                chunks.Clear();
                return only;
            }
            var whole = chunks.Count == 0 ? empty(0, dtype: dtype) : cat(chunks.ToArray(), 0);
            foreach (var t in chunks) t.Dispose();
            chunks.Clear();
            return whole.DetachFromDisposeScope();
        }

        private void Decide()
        {
            double slots = (double)_rows * _width;
            _sparse = slots > 0 && _entries < SparseDensity * slots;
            if (_sparse == true) return;
            // Dense: move the staged rows into the dense matrix.
            _dense = empty(new[] { Math.Max(_capacity, 1), _width }).DetachFromDisposeScope();
            long chunkRows = Math.Clamp(StagingBytes / (sizeof(float) * Math.Max(_width, 1)), 1, Math.Max(_capacity, 1));
            _denseBuffer = new float[checked((int)(chunkRows * _width))];
            var offsets = _offsets;
            for (int r = 0; r + 1 < offsets.Count; r++)
            {
                var target = NextDenseRow();
                target.Clear();
                for (long e = offsets[r]; e < offsets[r + 1]; e++)
                    target[_columns[e]] = _values[e];
                if (_denseStaged * _width == _denseBuffer.Length) FlushDense();
            }
            _columns = Array.Empty<int>();
            _values = Array.Empty<float>();
            _offsets.Clear();
        }

        private void AddDense(in VBuffer<float> row)
        {
            row.CopyTo(NextDenseRow());
            if (_denseStaged * _width == _denseBuffer.Length) FlushDense();
        }

        private Span<float> NextDenseRow() => _denseBuffer.AsSpan(checked((int)(_denseStaged++ * _width)), (int)_width);

        private void FlushDense()
        {
            if (_denseStaged == 0) return;
            long count = checked(_denseStaged * _width);
            // frombuffer aliases the pinned managed buffer (tensor(array) would clone it).
            using var staged = frombuffer(_denseBuffer, ScalarType.Float32, count: count);
            using var shaped = staged.view(_denseStaged, _width);
            _dense!.narrow(0, _denseFilled, _denseStaged).copy_(shaped);
            _denseFilled += _denseStaged;
            _denseStaged = 0;
        }

        private void GrowOrFlush()
        {
            // While undecided the staged entries stay managed (the dense path reads them back); afterwards they go
            // native in chunks, so the managed staging never exceeds one chunk.
            if (_sparse is null || _columns.Length < EntriesPerChunk)
            {
                int size = checked(_columns.Length * 2);
                Array.Resize(ref _columns, size);
                Array.Resize(ref _values, size);
                return;
            }
            FlushSparse();
        }

        private void FlushSparse()
        {
            if (_staged == 0) return;
            _columnChunks.Add(tensor(_columns.AsSpan(0, _staged).ToArray()).DetachFromDisposeScope());
            _valueChunks.Add(tensor(_values.AsSpan(0, _staged).ToArray()).DetachFromDisposeScope());
            _staged = 0;
        }

        private void DisposeChunks()
        {
            foreach (var t in _columnChunks) t.Dispose();
            foreach (var t in _valueChunks) t.Dispose();
        }

        public void Dispose()
        {
            DisposeChunks();
            _dense?.Dispose();
        }
    }
}
