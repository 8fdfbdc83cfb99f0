using System;

namespace MLNetRiemannian.Trainers
{
    /// <summary>
    /// The batch and curvature-batch sizes when the options leave them open. Small data (up to 6,400 training rows)
    /// trains in batches of 64 with the whole batch in the metric. Larger data takes larger batches, 64 per 6,400 rows
    /// up to 512, and keeps 64 of each in the metric: the gradient then averages more rows per step while the inner
    /// system stays at most <c>64·d</c> square, so an epoch costs fewer and equally cheap solves.
    /// </summary>
    internal static class BatchDefaults
    {
        /// <summary>Rows of each batch in the metric when the options leave it open.</summary>
        public const int CurvatureBatchSize = 64;

        /// <summary>64 rows per step up to 6,400 training rows, then 64 per 6,400 rows (rounded), at most 512.</summary>
        public static int BatchSize(long rows) => (int)Math.Clamp(64 * Math.Round(rows / 6400.0), 64, 512);

        /// <summary>The (batch, curvature batch) sizes <paramref name="options"/> ask for on <paramref name="rows"/> training rows (curvature 0 = whole batch).</summary>
        public static (int Batch, int Curvature) Resolve(RiemannianMlpTrainerOptions options, long rows)
        {
            int batch = options.BatchSize ?? BatchSize(rows);
            return (batch, options.CurvatureBatchSize ?? Math.Min(batch, CurvatureBatchSize));
        }
    }
}
