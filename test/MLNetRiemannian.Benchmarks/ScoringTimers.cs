using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Numerics.Tensors;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>The scoring benchmark's clocks: single-row latency, batch throughput, and a plain matrix-vector product.</summary>
    internal static class ScoringTimers
    {
        // Results land here (fields others could read) so that no timed call can be optimized away.
        internal static string LastLabel = "";
        internal static float LastValue;

        /// <summary>Predicts rows, untimed, cycling through the test set, for <paramref name="seconds"/>.</summary>
        public static void WarmUp(IRowPredictor predictor, double seconds)
        {
            long start = Stopwatch.GetTimestamp();
            for (int row = 0; Stopwatch.GetElapsedTime(start).TotalSeconds < seconds; row = (row + 1) % predictor.RowCount)
                LastLabel = predictor.Predict(row);
        }

        /// <summary>
        /// Gives the runtime time to install optimized code. .NET runs a new method unoptimized (tier 0) and recompiles
        /// the hot ones in the background only after no new method has been compiled for 100 ms; timing before that
        /// measured tier-0 code here (a 64-256-10 Predict took 30 µs instead of 2). Warm-up is therefore by time, twice
        /// over the models, with this pause after each round.
        /// </summary>
        public static void AwaitOptimizedCode() => System.Threading.Thread.Sleep(300);

        /// <summary>
        /// Appends the wall time in µs of each of <paramref name="calls"/> single-row Predict calls, continuing through
        /// the test rows from <paramref name="nextRow"/>.
        /// </summary>
        public static void TimePredictions(IRowPredictor predictor, int calls, List<double> microseconds, ref int nextRow)
        {
            double microsecondsPerTick = 1e6 / Stopwatch.Frequency;
            for (int c = 0; c < calls; c++)
            {
                int row = nextRow;
                nextRow = (nextRow + 1) % predictor.RowCount;
                long start = Stopwatch.GetTimestamp();
                LastLabel = predictor.Predict(row);
                microseconds.Add((Stopwatch.GetTimestamp() - start) * microsecondsPerTick);
            }
        }

        /// <summary>
        /// Rows per second of whole passes of <c>Transform</c> + a cursor reading Score over <paramref name="input"/>,
        /// repeated until <paramref name="minimumSeconds"/> have passed (at least one pass).
        /// </summary>
        public static double RowsPerSecond(ITransformer model, IDataView input, double minimumSeconds)
        {
            long rows = 0, start = Stopwatch.GetTimestamp();
            do rows += ScorePass(model, input);
            while (Stopwatch.GetElapsedTime(start).TotalSeconds < minimumSeconds);
            return rows / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        private static long ScorePass(ITransformer model, IDataView input)
        {
            var scored = model.Transform(input);
            var score = scored.Schema["Score"];
            using var cursor = scored.GetRowCursor(new[] { score });
            var getter = cursor.GetGetter<VBuffer<float>>(score);
            VBuffer<float> scores = default;
            long rows = 0;
            while (cursor.MoveNext())
            {
                getter(ref scores);
                rows++;
            }
            LastValue = scores.Length > 0 ? scores.GetItemOrDefault(0) : 0;
            return rows;
        }

        /// <summary>
        /// Rows per second of the plain product through the layers, <c>h_{l+1}[o] = Dot(W_l[o, :], h_l)</c> with
        /// TensorPrimitives, one row after another on this thread: no bias, no activation, no ML.NET.
        /// </summary>
        /// <param name="weights">Per layer, W row-major <c>[sizes[l + 1], sizes[l]]</c>.</param>
        /// <param name="sizes">Widths, input first.</param>
        /// <param name="rows">Input rows of <c>sizes[0]</c> floats.</param>
        /// <param name="minimumSeconds">Passes over <paramref name="rows"/> continue until this much time has passed.</param>
        public static double MatrixVectorRowsPerSecond(float[][] weights, int[] sizes, float[][] rows, double minimumSeconds)
        {
            int widest = 0;
            foreach (int size in sizes) widest = Math.Max(widest, size);
            float[] even = new float[widest], odd = new float[widest];
            long done = 0, start = Stopwatch.GetTimestamp();
            do
            {
                foreach (var row in rows) LastValue = MatrixVectorRow(weights, sizes, row, even, odd);
                done += rows.Length;
            }
            while (Stopwatch.GetElapsedTime(start).TotalSeconds < minimumSeconds);
            return done / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        // A method of its own: called per row, it gets the runtime's fully optimized code, where a loop inside a method
        // called a few times would keep its on-stack-replacement code (measured: 39 instead of about 60 GFLOP/s).
        private static float MatrixVectorRow(float[][] weights, int[] sizes, float[] row, float[] even, float[] odd)
        {
            ReadOnlySpan<float> input = row;
            for (int l = 0; l < weights.Length; l++)
            {
                Span<float> output = (l % 2 == 0 ? even : odd).AsSpan(0, sizes[l + 1]);
                ReadOnlySpan<float> matrix = weights[l];
                int width = sizes[l];
                for (int o = 0; o < output.Length; o++)
                    output[o] = TensorPrimitives.Dot(matrix.Slice(o * width, width), input);
                input = output;
            }
            return input[0];
        }

        /// <summary>The middle value (the mean of the two middle values for an even count).</summary>
        public static double Median(IReadOnlyCollection<double> values) => Percentile(values, 50);

        /// <summary>Linear interpolation between closest ranks, <paramref name="percent"/> in [0, 100].</summary>
        public static double Percentile(IReadOnlyCollection<double> values, double percent)
        {
            if (values.Count == 0) throw new ArgumentException("No values.", nameof(values));
            var sorted = new List<double>(values);
            sorted.Sort();
            double rank = percent / 100 * (sorted.Count - 1);
            int below = (int)Math.Floor(rank), above = Math.Min(below + 1, sorted.Count - 1);
            return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
        }
    }
}
