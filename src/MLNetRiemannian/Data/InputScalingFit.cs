using System;
using System.Runtime.InteropServices;
using MLNetRiemannian.Model;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Data
{
    /// <summary>
    /// Learns the robust input scaling (<see cref="InputScaling"/>) from the training rows. Dense features: per slot the
    /// median as center and <c>1.349 / IQR</c> as scale (a normal column gets unit spread), over at most
    /// <see cref="SampleValues"/> values drawn as whole rows; a slot whose quartiles coincide (mostly one value, e.g. a
    /// rare indicator) falls back to its standard deviation, and a constant slot to 1. Sparse features: no center, and
    /// <c>1 / max |x|</c> over the stored values, so one-hot and count columns keep their zeros and land in [−1, 1].
    /// </summary>
    internal static class InputScalingFit
    {
        /// <summary>The smooth clip's bound (RealMLP's 3: values a few spreads out are bent, not cut).</summary>
        public const float ClipBound = 3;

        /// <summary>
        /// Values of the dense sample the quantiles are taken over (rows × slots), 16 MB of Float32 (at least 1,024 rows):
        /// over 5,000 rows for up to 800 slots, where a quartile's sampling error is about 0.6 % of the rows (√(¾·¼/n)).
        /// 2²⁴ took 0.7 s of Fashion-MNIST's setup for no visible difference.
        /// </summary>
        public const long SampleValues = 1L << 22;

        /// <summary>The IQR of the standard normal distribution, 2·Φ⁻¹(¾).</summary>
        private const double NormalInterquartileRange = 1.3489795003921634;

        /// <summary>
        /// The scaling for <paramref name="features"/>, from the rows whose example weight is positive (every row without
        /// <paramref name="weights"/>): a row that does not train does not shape the scaling either. Rows are sampled with
        /// a generator of its own drawn from <paramref name="seed"/>.
        /// </summary>
        /// <param name="features">The training rows.</param>
        /// <param name="weights">Example weights <c>[N]</c>, or null.</param>
        /// <param name="seed">The fit's seed.</param>
        public static InputScaling Fit(FeatureMatrix features, Tensor? weights, int seed)
        {
            using var scope = NewDisposeScope();
            var rows = TrainingRows(weights);
            if (features.Compressed is null)
            {
                var robust = Robust(features.ToDense(), rows, seed);
                // The sample's blocks (tens of MB on a large table) are freed into glibc's heap, where they would stay
                // resident under everything the fit allocates next: handed back when they are that large.
                Interop.GlibcAllocator.ReleaseFreeMemoryIfLarge();
                return Scaling(robust);
            }
            using var kept = rows is null ? null : features.Select(rows);
            var stored = (kept ?? features).Compressed!.Value;
            return Scaling(MaxAbs(stored.Columns, stored.Values, features.Width));
        }

        /// <summary>
        /// The rows that train, Int64 (null: every row): those of positive weight, or all when none weighs 0 or when all do
        /// (then there is nothing better to learn from).
        /// </summary>
        internal static Tensor? TrainingRows(Tensor? weights)
        {
            var rows = weights is not null && weights.le(0).any().item<bool>() ? weights.gt(0).nonzero().squeeze(1) : null;
            return rows is not null && rows.shape[0] == 0 ? null : rows;
        }

        /// <summary>
        /// The rows a quantile sample of <paramref name="candidates"/> rows of <paramref name="width"/> slots takes, at most
        /// <paramref name="sampleValues"/> values (at least 1,024 rows), drawn from <paramref name="rows"/> (null: every row) with a
        /// generator of its own from <paramref name="seed"/>; null when every candidate is taken and <paramref name="rows"/> is null.
        /// </summary>
        internal static (Tensor? Rows, long Take) SampleRows(long candidates, long width, Tensor? rows, int seed, long sampleValues = SampleValues)
        {
            long take = Math.Min(candidates, Math.Max(1024, sampleValues / Math.Max(1, width)));
            if (take == candidates) return (rows, take);
            var drawn = randperm(candidates, generator: new Generator(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + 1))).narrow(0, 0, take);
            return (rows is null ? drawn : rows.index_select(0, drawn), take);
        }

        /// <summary>Maps the cached rows of <paramref name="features"/> in place by <paramref name="scaling"/> (<see cref="FeatureMatrix.ScaleInPlace"/>).</summary>
        public static void Apply(InputScaling scaling, FeatureMatrix features)
        {
            using var center = tensor(scaling.Center.ToArray());
            using var factor = tensor(scaling.Scale.ToArray());
            features.ScaleInPlace(center, factor, scaling.ClipBound);
        }

        private static InputScaling Scaling((float[] Center, float[] Scale) fitted) => new(fitted.Center, fitted.Scale, ClipBound);

        /// <summary>Sample values gathered at once: the sample's slots go through the quantiles a block at a time, so the fit's memory stays near the sample's.</summary>
        internal const long BlockValues = 1L << 21;

        /// <summary>
        /// Slots <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> of the sample's rows
        /// (<paramref name="sampleRows"/>; null: every row of <paramref name="values"/>) as rows, <c>[count, take]</c>, so that
        /// each slot's sample is contiguous for the selections.
        /// </summary>
        internal static Tensor SampleBlock(Tensor values, Tensor? sampleRows, long start, long count)
        {
            var block = values.narrow(1, start, count);
            return (sampleRows is null ? block : block.index_select(0, sampleRows)).t().contiguous();
        }

        /// <param name="values">Every row, <c>[N, F]</c>.</param>
        /// <param name="rows">The rows to learn from (Int64), or null for all.</param>
        /// <param name="seed">Draws the sample's rows when there are more than <see cref="SampleValues"/> values.</param>
        private static (float[] Center, float[] Scale) Robust(Tensor values, Tensor? rows, int seed)
        {
            long candidates = rows?.shape[0] ?? values.shape[0], width = values.shape[1];
            // The sample's rows (null: every row), gathered a block of slots at a time below.
            var (sampleRows, take) = SampleRows(candidates, width, rows, seed);
            var center = new float[width];
            var scale = new float[width];
            long block = Math.Max(1, BlockValues / take);
            for (long start = 0; start < width; start += block)
            {
                using var scope = NewDisposeScope();
                long count = Math.Min(block, width - start);
                var slots = SampleBlock(values, sampleRows, start, count);
                // The quantiles are values of the sample, the ⌊p·(take − 1)⌉-th smallest of each slot, selected in the values'
                // own type (the order is the same in Float64) without sorting a copy of the block (Quartiles).
                var (lower, middle, upper) = Quartiles(slots, (int)count, (int)take);
                var median = tensor(middle);
                var spread = (tensor(upper) - tensor(lower)) / NormalInterquartileRange;
                // Quartiles that coincide: the standard deviation (of those slots only: the whole block in Float64 took
                // 10–18 ms a block of Fashion-MNIST's setup); a constant slot: 1.
                var fallback = ones(count, dtype: ScalarType.Float64);
                var coincide = spread.le(0).nonzero().squeeze(1);
                if (coincide.shape[0] > 0)
                {
                    var deviation = slots.index_select(0, coincide).to_type(ScalarType.Float64).std(1, unbiased: false);
                    fallback.index_copy_(0, coincide, where(deviation.gt(0), deviation, ones_like(deviation)));
                }
                var inverse = where(spread.gt(0), spread, fallback).reciprocal();
                median.to_type(ScalarType.Float32).data<float>().ToArray().CopyTo(center, start);
                inverse.to_type(ScalarType.Float32).data<float>().ToArray().CopyTo(scale, start);
            }
            return (center, scale);
        }

        /// <summary>
        /// The ⌊p·(n − 1)⌉-th smallest value of each row of <paramref name="slots"/> (<c>[rows, n]</c>, contiguous Float32) for
        /// p = ¼, ½ and ¾, in Float64 (<see cref="OrderStatistics"/>). The same values as torch's <c>kthvalue</c> (an order
        /// statistic is one value whichever way it is found), which took 0.14 s of a Fashion-MNIST fit's setup (784 slots ×
        /// 5,350 sampled rows) by three passes of partial sorts.
        /// </summary>
        internal static (double[] Lower, double[] Middle, double[] Upper) Quartiles(Tensor slots, int rows, int n)
        {
            var lower = new double[rows];
            var middle = new double[rows];
            var upper = new double[rows];
            if (rows == 0 || n == 0) return (lower, middle, upper);
            var ranks = new[] { (int)Math.Round(0.25 * (n - 1)), (int)Math.Round(0.5 * (n - 1)), (int)Math.Round(0.75 * (n - 1)) };
            var values = OrderStatistics(slots, rows, n, ranks);
            for (int row = 0; row < rows; row++) (lower[row], middle[row], upper[row]) = (values[3 * row], values[3 * row + 1], values[3 * row + 2]);
            return (lower, middle, upper);
        }

        /// <summary>
        /// The values of ranks <paramref name="ranks"/> (0-based, ascending, repeats allowed, each below <paramref name="n"/>)
        /// of each row of <paramref name="slots"/> (<c>[rows, n]</c>, contiguous Float32), <c>[rows, ranks]</c> row-major: each
        /// row copied once and the order statistics selected in place, the middle rank first and the others within its sides
        /// (so each selection searches a shrinking part), rows split over libtorch's threads. The values a sort would put at
        /// <paramref name="ranks"/>, without a sort's Int64 indices (24 MB for the encoding's sample of Fashion-MNIST).
        /// </summary>
        internal static float[] OrderStatistics(Tensor slots, int rows, int n, int[] ranks)
        {
            var values = new float[rows * ranks.Length];
            if (rows == 0 || n == 0) return values;
            var all = slots.contiguous();
            int parts = Math.Clamp(Math.Min(rows, get_num_threads()), 1, 64);
            System.Threading.Tasks.Parallel.For(0, parts, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
            {
                var scratch = new float[n];
                ReadOnlySpan<float> source = Numerics.FusedPasses.Elements<float>(all);
                for (int row = rows * part / parts, end = rows * (part + 1) / parts; row < end; row++)
                {
                    source.Slice(row * n, n).CopyTo(scratch);
                    SelectRanks(scratch, 0, n - 1, ranks, 0, ranks.Length - 1, values.AsSpan(row * ranks.Length, ranks.Length));
                }
            });
            return values;
        }

        /// <summary>
        /// Writes the values of ranks <paramref name="ranks"/>[<paramref name="first"/>..<paramref name="last"/>] of
        /// <paramref name="a"/>, all within [<paramref name="left"/> − 1, <paramref name="right"/> + 1], into the same positions of
        /// <paramref name="into"/>: the middle one by <see cref="Select"/>, then the lower ranks left of it and the higher right of it.
        /// </summary>
        private static void SelectRanks(float[] a, int left, int right, int[] ranks, int first, int last, Span<float> into)
        {
            if (first > last) return;
            int middle = first + (last - first) / 2, k = ranks[middle];
            into[middle] = Select(a, left, right, k);
            SelectRanks(a, left, k - 1, ranks, first, middle - 1, into);
            SelectRanks(a, k + 1, right, ranks, middle + 1, last, into);
        }

        /// <summary>
        /// The value of rank <paramref name="k"/> (0-based, within [<paramref name="left"/>, <paramref name="right"/>]) of
        /// <paramref name="a"/>, with the elements of [left, right] rearranged so that those before k are not larger and those
        /// after it not smaller (Hoare's selection with a median-of-three pivot). <paramref name="k"/> = left − 1 or right + 1
        /// (an empty side) returns the element there.
        /// </summary>
        private static float Select(float[] a, int left, int right, int k)
        {
            if (k < left || k > right) return a[k];
            while (right > left)
            {
                int mid = left + (right - left) / 2;
                // Median of three into a[mid], as the pivot.
                if (a[mid] < a[left]) (a[mid], a[left]) = (a[left], a[mid]);
                if (a[right] < a[left]) (a[right], a[left]) = (a[left], a[right]);
                if (a[right] < a[mid]) (a[right], a[mid]) = (a[mid], a[right]);
                float pivot = a[mid];
                int i = left, j = right;
                while (i <= j)
                {
                    while (a[i] < pivot) i++;
                    while (a[j] > pivot) j--;
                    if (i <= j)
                    {
                        (a[i], a[j]) = (a[j], a[i]);
                        i++;
                        j--;
                    }
                }
                // [left, j] ≤ pivot ≤ [i, right], and the elements between j and i equal the pivot.
                if (k <= j) right = j;
                else if (k >= i) left = i;
                else return a[k];
            }
            return a[k];
        }

        private static (float[] Center, float[] Scale) MaxAbs(Tensor columns, Tensor values, long width)
        {
            var largest = new float[width];
            var slots = MemoryMarshal.Cast<byte, int>(columns.contiguous().bytes);
            var stored = MemoryMarshal.Cast<byte, float>(values.contiguous().bytes);
            for (int e = 0; e < slots.Length; e++) largest[slots[e]] = Math.Max(largest[slots[e]], Math.Abs(stored[e]));
            return (new float[width], Array.ConvertAll(largest, m => m > 0 ? 1 / m : 1f));
        }
    }
}
