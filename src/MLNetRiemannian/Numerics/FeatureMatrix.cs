using System;
using System.Collections;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace MLNetRiemannian.Numerics
{
    /// <summary>
    /// Feature rows cached once for all epochs, dense (<see cref="DenseFeatureMatrix"/>) or in compressed-row form
    /// (<see cref="CsrFeatureMatrix"/>), handing out batches as <see cref="InputBatch"/>es. Owns its tensors.
    /// </summary>
    internal abstract class FeatureMatrix : IDisposable
    {
        /// <summary>N.</summary>
        public abstract long Rows { get; }

        /// <summary>F, the slots of a row.</summary>
        public abstract long Width { get; }

        /// <summary>Stored entries: the non-zeros for a sparse matrix, <c>N·F</c> for a dense one.</summary>
        public abstract long StoredEntries { get; }

        /// <summary>Bytes of native memory holding the rows.</summary>
        public abstract long StorageBytes { get; }

        /// <summary>The rows at <paramref name="index"/> (Int64 <c>[B]</c>), in that order, as one batch.</summary>
        public abstract InputBatch Gather(Tensor index);

        /// <summary>Rows <c>[start, start + count)</c> as one batch.</summary>
        public abstract InputBatch Slice(long start, long count);

        /// <summary>A new cache of the rows at <paramref name="index"/>; this one is unchanged.</summary>
        public abstract FeatureMatrix Select(Tensor index);

        /// <summary>
        /// The rows <c>order[0..head)</c> and <c>order[head..N)</c>, each in that order, as two caches (a validation split);
        /// <paramref name="order"/> is a permutation of the N rows (Int64 <c>[N]</c>). Dense rows are reordered in place and
        /// the two caches are views of this one's memory, so a hold-out does not hold the rows twice; compressed rows are
        /// copied. Either way this cache is not to be read afterwards (a dense one's row order has changed). The two are
        /// the caller's to dispose.
        /// </summary>
        /// <exception cref="ArgumentException"><paramref name="order"/> is not a permutation of the rows.</exception>
        public abstract (FeatureMatrix Head, FeatureMatrix Tail) SplitRows(Tensor order, long head);

        /// <summary>The features' range (every value, stored or an implicit 0) and the slot of the largest magnitude; zeros for no entries.</summary>
        public abstract FeatureRange Range();

        /// <summary>Every row as one dense <c>[N, F]</c> tensor (the cache itself when dense, else a copy: diagnostics on small data only).</summary>
        public abstract Tensor ToDense();

        /// <summary>The stored entries' column indices (Int32 <c>[nnz]</c>) and values (Float32 <c>[nnz]</c>) of a compressed cache; null for a dense one.</summary>
        public virtual (Tensor Columns, Tensor Values)? Compressed => null;

        /// <summary>
        /// Maps every value in place, slot j's as <c>z = (x − center[j])·scale[j]</c>, then <c>z / √(1 + (z/clipBound)²)</c>
        /// (the model's input scaling). A sparse cache maps its stored values only, so <paramref name="center"/> must be 0.
        /// </summary>
        /// <param name="center">Float32 <c>[F]</c>.</param>
        /// <param name="scale">Float32 <c>[F]</c>.</param>
        /// <param name="clipBound">The smooth clip's bound.</param>
        public abstract void ScaleInPlace(Tensor center, Tensor scale, float clipBound);

        /// <summary>Releases the native tensors.</summary>
        public abstract void Dispose();
    }

    /// <summary>Dense rows: one Float32 <c>[N, F]</c> tensor, 4 bytes per slot.</summary>
    internal sealed class DenseFeatureMatrix : FeatureMatrix
    {
        public DenseFeatureMatrix(Tensor values)
        {
            Values = values;
            // The shape read once: TorchSharp's shape is a native call and a new array each time, and the row loops here asked
            // for it twice a row (17 MB of garbage and a third of the input scaling's time on Fashion-MNIST's 60,000 rows).
            var shape = values.shape;
            (Rows, Width) = (shape[0], shape[1]);
        }

        /// <summary><c>[N, F]</c> Float32.</summary>
        public Tensor Values { get; }

        public override long Rows { get; }

        public override long Width { get; }

        public override long StoredEntries => checked(Rows * Width);

        public override long StorageBytes => checked(StoredEntries * Values.ElementSize);

        public override InputBatch Gather(Tensor index) => new DenseInput(Values.index_select(0, index));

        public override InputBatch Slice(long start, long count) => new DenseInput(Values.narrow(0, start, count));

        public override FeatureMatrix Select(Tensor index) => new DenseFeatureMatrix(Values.index_select(0, index).DetachFromDisposeScope());

        public override (FeatureMatrix Head, FeatureMatrix Tail) SplitRows(Tensor order, long head)
        {
            if (!Values.is_contiguous()) return (Select(order.narrow(0, 0, head)), Select(order.narrow(0, head, Rows - head)));
            using (NewDisposeScope()) PermuteRows(order.to_type(ScalarType.Int64).contiguous().data<long>().ToArray());
            return (new DenseFeatureMatrix(Values.narrow(0, 0, head).DetachFromDisposeScope()),
                    new DenseFeatureMatrix(Values.narrow(0, head, Rows - head).DetachFromDisposeScope()));
        }

        /// <summary>
        /// Row i becomes the old row <c>order[i]</c>: each cycle of the permutation is walked once with one row of scratch,
        /// so the memory beside the rows is a row and a bit per row. <paramref name="viewPerRow"/> takes the path of a
        /// matrix over 2 GB (a view per row moved) whatever the size (tests).
        /// </summary>
        internal void PermuteRows(long[] order, bool viewPerRow = false)
        {
            long rows = Rows;
            int width = checked((int)Width);
            if (order.LongLength != rows) throw new ArgumentException($"The order has {order.LongLength} entries for {rows} rows.", nameof(order));
            var placed = new BitArray(checked((int)rows));
            var scratch = new float[width];
            var all = AllRows(viewPerRow);
            for (long start = 0; start < rows; start++)
            {
                if (placed[(int)start]) continue;
                RowSpan(all, start).CopyTo(scratch);
                for (long j = start; ;)
                {
                    placed[(int)j] = true;
                    long k = order[j];
                    if (k == start)
                    {
                        scratch.CopyTo(RowSpan(all, j));
                        break;
                    }
                    if (k < 0 || k >= rows || placed[(int)k])
                        throw new ArgumentException($"The order is not a permutation of the {rows} rows: entry {j} is {k}. The rows are left partly reordered.", nameof(order));
                    RowSpan(all, k).CopyTo(RowSpan(all, j));
                    j = k;
                }
            }
        }

        public override FeatureRange Range()
        {
            if (Values.numel() == 0) return new FeatureRange(0, 0, 0);
            if (!Values.is_contiguous() || AllRows().IsEmpty)
            {
                // A view's rows or a matrix over 2 GB: column-wise max and min in torch, [F] each, with no temporary copy of the matrix.
                using var scope = NewDisposeScope();
                var slotMax = Values.amax(0).to_type(ScalarType.Float64);
                var slotMin = Values.amin(0).to_type(ScalarType.Float64);
                return new FeatureRange(slotMin.min().item<double>(), slotMax.max().item<double>(), maximum(slotMax.abs(), slotMin.abs()).argmax().item<long>());
            }
            // One managed read of the rows, split over libtorch's threads as ScaleInPlace is (two torch reductions over
            // Fashion-MNIST's 60,000 × 784 took 37 ms of the fit's setup, this 18 ms): each part's per-slot least and largest values.
            int width = checked((int)Width), parts = RowParts();
            var least = new float[parts][];
            var largest = new float[parts][];
            long rows = Rows;
            System.Threading.Tasks.Parallel.For(0, parts, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
            {
                ReadOnlySpan<float> mine = AllRows();
                long first = rows * part / parts, end = rows * (part + 1) / parts;
                float[] low = mine.Slice(checked((int)(first * width)), width).ToArray(), high = (float[])low.Clone();
                for (long r = first + 1; r < end; r++) LeastAndLargest(mine.Slice(checked((int)(r * width)), width), low, high);
                (least[part], largest[part]) = (low, high);
            });
            for (int part = 1; part < parts; part++) LeastAndLargest(least[part], least[0], largest[0], largest[part]);
            double min = double.PositiveInfinity, max = double.NegativeInfinity, magnitude = -1;
            long slot = 0;
            for (int j = 0; j < width; j++)
            {
                double lo = least[0][j], hi = largest[0][j], m = Math.Max(Math.Abs(hi), Math.Abs(lo));
                min = Math.Min(min, lo);
                max = Math.Max(max, hi);
                // The first slot of the largest magnitude, or of the first NaN, as torch's argmax.
                if (m > magnitude || (double.IsNaN(m) && !double.IsNaN(magnitude))) (magnitude, slot) = (m, j);
            }
            return new FeatureRange(min, max, slot);
        }

        /// <summary>Lowers each of <paramref name="low"/> to <paramref name="x"/>'s value where that is smaller, and raises <paramref name="high"/> likewise.</summary>
        private static void LeastAndLargest(ReadOnlySpan<float> x, float[] low, float[] high) => LeastAndLargest(x, low, high, x);

        /// <summary>Lowers <paramref name="low"/> to <paramref name="xLow"/> where smaller and raises <paramref name="high"/> to <paramref name="xHigh"/> where larger; a NaN is taken and then kept, as torch's amin and amax propagate it.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void LeastAndLargest(ReadOnlySpan<float> xLow, float[] low, float[] high, ReadOnlySpan<float> xHigh)
        {
            int j = 0;
            if (Vector.IsHardwareAccelerated && xLow.Length >= Vector<float>.Count)
            {
                var vl = MemoryMarshal.Cast<float, Vector<float>>(xLow);
                var vh = MemoryMarshal.Cast<float, Vector<float>>(xHigh);
                var lo = MemoryMarshal.Cast<float, Vector<float>>(low.AsSpan(0, xLow.Length));
                var hi = MemoryMarshal.Cast<float, Vector<float>>(high.AsSpan(0, xLow.Length));
                for (int v = 0; v < vl.Length; v++)
                {
                    lo[v] = Vector.ConditionalSelect(Vector.LessThan(vl[v], lo[v]) | ~Vector.Equals(vl[v], vl[v]), vl[v], lo[v]);
                    hi[v] = Vector.ConditionalSelect(Vector.GreaterThan(vh[v], hi[v]) | ~Vector.Equals(vh[v], vh[v]), vh[v], hi[v]);
                }
                j = vl.Length * Vector<float>.Count;
            }
            for (; j < xLow.Length; j++)
            {
                if (xLow[j] < low[j] || float.IsNaN(xLow[j])) low[j] = xLow[j];
                if (xHigh[j] > high[j] || float.IsNaN(xHigh[j])) high[j] = xHigh[j];
            }
        }

        public override Tensor ToDense() => Values;

        public override void ScaleInPlace(Tensor center, Tensor scale, float clipBound)
        {
            // One managed pass, a row at a time, with no temporaries: the torch operations' Float64 blocks (three of 8 MB a
            // block) ended up in glibc's heap and raised a large table's peak memory by up to 160 MB. The arithmetic is
            // theirs and the scorer's: z = (x − center)·scale in Float32, the clip in Float64, rounded once.
            if (!Values.is_contiguous()) throw new InvalidOperationException("A dense feature cache is scaled in place only when its rows are contiguous in memory.");
            using var scope = NewDisposeScope();
            float[] c = center.to_type(ScalarType.Float32).contiguous().data<float>().ToArray(), s = scale.to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
            int width = checked((int)Width);
            if (c.Length != width || s.Length != width) throw new ArgumentException($"The center and scale must have {width} entries, one per slot.", nameof(scale));
            double bound2 = (double)clipBound * clipBound;
            var all = AllRows();
            // The rows split into as many parts as libtorch has threads (the fit's thread count): Fashion-MNIST's 60,000
            // × 784 took 0.24–0.29 s on one thread. A matrix over 2 GB, whose rows are reached through views, stays on one.
            int parts = all.IsEmpty ? 1 : RowParts();
            if (parts == 1)
            {
                for (long r = 0; r < Rows; r++) ScaleRow(RowSpan(all, r), c, s, bound2);
                return;
            }
            long rows = Rows;
            System.Threading.Tasks.Parallel.For(0, parts, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
            {
                var mine = AllRows();
                for (long r = rows * part / parts, end = rows * (part + 1) / parts; r < end; r++) ScaleRow(RowSpan(mine, r), c, s, bound2);
            });
        }

        /// <summary>Rows below which a part of a pass over the rows (<see cref="ScaleInPlace"/>, <see cref="Range"/>) is not worth a thread.</summary>
        private const long MinimumRowsPerPart = 4096;

        /// <summary>The parts a pass over the rows is split into: one per libtorch thread (the fit's thread count), at least <see cref="MinimumRowsPerPart"/> rows each.</summary>
        private int RowParts() => (int)Math.Clamp(Rows / MinimumRowsPerPart, 1, Math.Max(1, get_num_threads()));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void ScaleRow(Span<float> x, float[] center, float[] scale, double bound2)
        {
            int j = 0;
            if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
            {
                var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
                var vc = MemoryMarshal.Cast<float, Vector<float>>(center.AsSpan(0, x.Length));
                var vs = MemoryMarshal.Cast<float, Vector<float>>(scale.AsSpan(0, x.Length));
                var b2 = new Vector<double>(bound2);
                for (int v = 0; v < vx.Length; v++)
                {
                    Vector.Widen((vx[v] - vc[v]) * vs[v], out var low, out var high);
                    low /= Vector.SquareRoot(low * low / b2 + Vector<double>.One);
                    high /= Vector.SquareRoot(high * high / b2 + Vector<double>.One);
                    vx[v] = Vector.Narrow(low, high);
                }
                j = vx.Length * Vector<float>.Count;
            }
            for (; j < x.Length; j++)
            {
                double z = (x[j] - center[j]) * scale[j];
                x[j] = (float)(z / Math.Sqrt(z * z / bound2 + 1));
            }
        }

        // Every row as one span when they fit a span's length (empty otherwise, or when asked for the other path: a
        // matrix over 2 GB), for RowSpan.
        private Span<float> AllRows(bool viewPerRow = false) =>
            StorageBytes <= int.MaxValue && !viewPerRow ? MemoryMarshal.Cast<byte, float>(Values.bytes) : Span<float>.Empty;

        // Row r: a slice of AllRows' span, or, when it is empty, the memory under a view of the row (the memory is
        // Values', which outlives the view).
        private Span<float> RowSpan(Span<float> all, long r)
        {
            int width = (int)Width;
            if (!all.IsEmpty) return all.Slice(checked((int)(r * width)), width);
            using var view = Values.narrow(0, r, 1);
            return MemoryMarshal.Cast<byte, float>(view.bytes);
        }

        public override void Dispose() => Values.Dispose();
    }

    /// <summary>
    /// Rows in compressed-row (CSR) form: row offsets Int64 <c>[N + 1]</c>, column indices Int32 <c>[nnz]</c> and
    /// Float32 values <c>[nnz]</c>, so the cache takes <see cref="BytesPerNonZero"/> = 8 bytes per non-zero plus 8 bytes
    /// per row, whatever the width. A batch is gathered with a handful of tensor ops and compacted to the columns it
    /// touches (<see cref="SparseInput"/>).
    /// </summary>
    internal sealed class CsrFeatureMatrix : FeatureMatrix
    {
        /// <summary>A column index (Int32) and a value (Float32).</summary>
        public const int BytesPerNonZero = sizeof(int) + sizeof(float);

        /// <summary>Takes ownership of the three tensors; the caller has checked that they form a valid CSR matrix.</summary>
        /// <param name="offsets">Int64 <c>[N + 1]</c>, starting at 0, non-decreasing, ending at nnz.</param>
        /// <param name="columns">Int32 <c>[nnz]</c>, each in [0, <paramref name="width"/>), increasing within a row.</param>
        /// <param name="values">Float32 <c>[nnz]</c>.</param>
        /// <param name="width">F.</param>
        public CsrFeatureMatrix(Tensor offsets, Tensor columns, Tensor values, long width)
        {
            Offsets = offsets;
            Columns = columns;
            Values = values;
            Width = width;
        }

        /// <summary>Int64 <c>[N + 1]</c>: row i's entries are <c>[Offsets[i], Offsets[i + 1])</c>.</summary>
        public Tensor Offsets { get; }

        /// <summary>Int32 <c>[nnz]</c>.</summary>
        public Tensor Columns { get; }

        /// <summary>Float32 <c>[nnz]</c>.</summary>
        public Tensor Values { get; }

        public override long Rows => Offsets.shape[0] - 1;

        public override long Width { get; }

        public override long StoredEntries => Values.shape[0];

        public override long StorageBytes => checked(StoredEntries * BytesPerNonZero + Offsets.shape[0] * sizeof(long));

        public override InputBatch Gather(Tensor index)
        {
            var (rows, positions) = Entries(index);
            return SparseInput.FromEntries(rows, Columns.index_select(0, positions).to_type(ScalarType.Int64), Values.index_select(0, positions),
                index.shape[0], Width, SparseInput.BatchMinimumFill);
        }

        public override InputBatch Slice(long start, long count) => Gather(arange(start, start + count, dtype: ScalarType.Int64));

        public override (FeatureMatrix Head, FeatureMatrix Tail) SplitRows(Tensor order, long head) =>
            (Select(order.narrow(0, 0, head)), Select(order.narrow(0, head, Rows - head)));

        public override FeatureMatrix Select(Tensor index)
        {
            using var scope = NewDisposeScope();
            var (rows, positions) = Entries(index);
            var counts = rows.bincount(null, index.shape[0]);
            var offsets = cat(new[] { zeros(1, dtype: ScalarType.Int64), counts.cumsum(0) }, 0);
            return new CsrFeatureMatrix(offsets.DetachFromDisposeScope(), Columns.index_select(0, positions).DetachFromDisposeScope(),
                Values.index_select(0, positions).DetachFromDisposeScope(), Width);
        }

        /// <summary>
        /// For the rows at <paramref name="index"/>: each stored entry's position in the batch (Int64 <c>[nnz_B]</c>)
        /// and its position in <see cref="Columns"/> and <see cref="Values"/>, in batch-row order.
        /// </summary>
        private (Tensor Rows, Tensor Positions) Entries(Tensor index)
        {
            var starts = Offsets.index_select(0, index);
            var counts = Offsets.index_select(0, index + 1) - starts;
            var batchStarts = counts.cumsum(0) - counts;
            long total = counts.sum().item<long>();
            var rows = arange(index.shape[0], dtype: ScalarType.Int64).repeat_interleave(counts, output_size: total);
            // Entry e of batch row r sits at starts[r] + (e − batchStarts[r]).
            var positions = (starts - batchStarts).repeat_interleave(counts, output_size: total).add_(arange(total, dtype: ScalarType.Int64));
            return (rows, positions);
        }

        public override FeatureRange Range()
        {
            using var scope = NewDisposeScope();
            if (Values.numel() == 0) return new FeatureRange(0, 0, 0);
            // The slots a row does not store are 0, so 0 belongs to the range (a sparse column leaves some out).
            var values = Values.to_type(ScalarType.Float64);
            return new FeatureRange(Math.Min(0, values.min().item<double>()), Math.Max(0, values.max().item<double>()),
                Columns[values.abs().argmax()].item<int>());
        }

        public override Tensor ToDense() => Slice(0, Rows).ToDense();

        public override (Tensor Columns, Tensor Values)? Compressed => (Columns, Values);

        public override void ScaleInPlace(Tensor center, Tensor scale, float clipBound)
        {
            using var scope = NewDisposeScope();
            if (center.ne(0).any().item<bool>()) throw new ArgumentException("A sparse feature cache is scaled without centering: every center must be 0.", nameof(center));
            // A block of stored values at a time (2²⁰), so the gathered factors and the clip's Float64 temporaries stay near
            // 8 MB whatever the number of non-zeros.
            long stored = Values.shape[0];
            for (long start = 0; start < stored; start += ClipBlock)
            {
                using var block = NewDisposeScope();
                long count = Math.Min(ClipBlock, stored - start);
                var values = Values.narrow(0, start, count);
                values.mul_(scale.index_select(0, Columns.narrow(0, start, count).to_type(ScalarType.Int64)));
                ClipInPlace(values, clipBound);
            }
        }

        /// <summary>Stored values scaled and clipped at once by <see cref="ScaleInPlace"/> (so its Float64 temporaries stay near 8 MB).</summary>
        internal const long ClipBlock = 1L << 20;

        /// <summary>The smooth clip <c>z / √(1 + (z/B)²)</c>, in place, computed in Float64 and rounded once.</summary>
        private static void ClipInPlace(Tensor z, float clipBound)
        {
            using var scope = NewDisposeScope();
            var wide = z.to_type(ScalarType.Float64);
            z.copy_(wide / (wide.square().div_((double)clipBound * clipBound).add_(1).sqrt_()));
        }

        public override void Dispose()
        {
            Offsets.Dispose();
            Columns.Dispose();
            Values.Dispose();
        }
    }

    /// <summary>The smallest and largest feature value, and the slot holding the value of largest magnitude.</summary>
    internal readonly record struct FeatureRange(double Min, double Max, long LargestSlot)
    {
        /// <summary>The largest magnitude, <c>max(|Min|, |Max|)</c>.</summary>
        public double Magnitude => Math.Max(Math.Abs(Min), Math.Abs(Max));
    }
}
