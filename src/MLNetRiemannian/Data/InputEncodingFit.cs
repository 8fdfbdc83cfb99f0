using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using MLNetRiemannian.Model;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Data
{
    /// <summary>
    /// Learns the piecewise linear input encoding (<see cref="InputEncoding"/>) from the training rows and applies it to the
    /// cached rows. Per dense slot, over a row sample drawn as the input scaling's is (<see cref="InputScalingFit.SampleRows"/>, of <see cref="SampleValues"/> values),
    /// the bin edges are the sample's ⌊t·(n − 1)/T⌉-th smallest values for t = 0..T, repeated values (and values within
    /// <see cref="MinimumBinShare"/> of the range of the one before) kept once: T bins for a slot of many values, fewer for a
    /// slot of few. A slot of more than two values keeps its value as an input of its own
    /// before its bins; an indicator (two values) becomes its one bin, the value mapped to 0 and 1; a slot of one value
    /// passes through.
    /// </summary>
    internal static class InputEncodingFit
    {
        /// <summary>
        /// Values of the dense sample the edges are taken over (rows × slots, at least 1,024 rows): 2¹⁸, a sixteenth of the
        /// scaling's, since four or eight bins need coarser quantiles than a median (a quantile of 1,024 rows is within about
        /// 1.4 % of the rows), and a wide table (Fashion-MNIST: 784 slots) is fitted in milliseconds before the bounds turn
        /// the encoding down.
        /// </summary>
        public const long SampleValues = 1L << 18;

        /// <summary>
        /// The encoding of <paramref name="features"/>' slots, from the rows whose example weight is positive (every row
        /// without <paramref name="weights"/>); the sample's rows are drawn from <paramref name="seed"/>.
        /// </summary>
        /// <param name="features">The (scaled) training rows, dense or sparse.</param>
        /// <param name="weights">Example weights <c>[N]</c>, or null.</param>
        /// <param name="bins">T, the most bins a slot gets (≥ 2).</param>
        /// <param name="seed">The fit's seed.</param>
        public static InputEncoding Fit(FeatureMatrix features, Tensor? weights, int bins, int seed)
        {
            using var scope = NewDisposeScope();
            long width = features.Width;
            var rows = InputScalingFit.TrainingRows(weights);
            var (sampleRows, take) = InputScalingFit.SampleRows(rows?.shape[0] ?? features.Rows, width, rows, seed, SampleValues);
            // Dense rows are read in place, the sample's gathered a block of slots at a time below; sparse rows are made
            // dense for the sample only.
            Tensor values;
            if (features.Compressed is null) values = features.ToDense();
            else
            {
                using var sample = sampleRows is null ? null : features.Select(sampleRows);
                values = (sample ?? features).ToDense();
                sampleRows = null;
            }
            var ranks = new int[bins + 1];
            for (int t = 0; t <= bins; t++) ranks[t] = (int)Math.Round((double)t * (take - 1) / bins);
            var source = new List<int>();
            var lower = new List<float>();
            var inverseWidth = new List<float>();
            var clipped = new List<bool>();
            void Add(int slot, float lowerEdge, float inverse, bool clip)
            {
                source.Add(slot);
                lower.Add(lowerEdge);
                inverseWidth.Add(inverse);
                clipped.Add(clip);
            }
            long block = Math.Max(1, InputScalingFit.BlockValues / take);
            for (long start = 0; start < width; start += block)
            {
                using var blockScope = NewDisposeScope();
                long count = Math.Min(block, width - start);
                var slots = InputScalingFit.SampleBlock(values, sampleRows, start, count);
                // The quantiles of each slot of the block, [count, T + 1], ascending: the values a sort would put at the ranks.
                var quantiles = InputScalingFit.OrderStatistics(slots, (int)count, (int)take, ranks);
                for (long j = 0; j < count; j++)
                {
                    int slot = (int)(start + j);
                    var edges = Distinct(quantiles.AsSpan((int)(j * (bins + 1)), bins + 1));
                    // One value passes through; more than two keep the value beside their bins (two values: the one bin is
                    // the value, mapped to 0 and 1).
                    if (edges.Count != 2) Add(slot, 0, 1, clip: false);
                    // In double, rounded once (Distinct keeps only bins wide enough, whose inverse is finite).
                    for (int t = 0; t + 1 < edges.Count; t++) Add(slot, edges[t], (float)(1 / ((double)edges[t + 1] - edges[t])), clip: true);
                }
            }
            return new InputEncoding((int)width, source.ToArray(), lower.ToArray(), inverseWidth.ToArray(), clipped.ToArray());
        }

        /// <summary>
        /// The smallest bin kept, as a share of the slot's quantile range: an edge closer than this to the one before is
        /// dropped. A narrower bin would be a step on a rounding difference: the ONNX graph smooth-clips in Float32 where
        /// the trainer and the managed scorer round once from Float64, and a bin one unit in the last place wide would turn
        /// that difference into a whole bin.
        /// </summary>
        public const double MinimumBinShare = 1e-4;

        // The increasing values of an ascending span kept as edges: the first, then each at least MinimumBinShare of the
        // span's range above the last kept (so 1 / width is finite too).
        private static List<float> Distinct(ReadOnlySpan<float> ascending)
        {
            var kept = new List<float>(ascending.Length);
            double least = MinimumBinShare * ((double)ascending[^1] - ascending[0]);
            foreach (float v in ascending)
                if (kept.Count == 0 || ((double)v - kept[^1] > least && v > kept[^1] && float.IsFinite((float)(1 / ((double)v - kept[^1]))))) kept.Add(v);
            return kept;
        }

        /// <summary>The rows of <paramref name="features"/> encoded, <c>[N, encoding.Width]</c> Float32, as a new dense matrix.</summary>
        public static DenseFeatureMatrix Apply(InputEncoding encoding, FeatureMatrix features)
        {
            using var scope = NewDisposeScope();
            long rows = features.Rows;
            int inputs = encoding.InputWidth, outputs = encoding.Width;
            var encoded = empty(rows, outputs, dtype: ScalarType.Float32);
            var source = features.ToDense().contiguous();
            // A chunk of rows at a time, so each span stays within a Span's length.
            long chunk = Math.Max(1, (1L << 28) / Math.Max(inputs, outputs));
            for (long start = 0; start < rows; start += chunk)
            {
                long count = Math.Min(chunk, rows - start);
                var xs = source.narrow(0, start, count);
                var ys = encoded.narrow(0, start, count);
                var x = MemoryMarshal.Cast<byte, float>(xs.bytes);
                var y = MemoryMarshal.Cast<byte, float>(ys.bytes);
                for (int r = 0; r < count; r++)
                    encoding.Apply(x.Slice(r * inputs, inputs), y.Slice(r * outputs, outputs));
            }
            return new DenseFeatureMatrix(encoded.DetachFromDisposeScope());
        }
    }
}
