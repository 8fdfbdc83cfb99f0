using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// One trainer's figures in results.md, each the median over the seeds of that figure per seed.
    /// <see cref="TimeToTarget"/> is infinite when the median seed did not reach the target, and
    /// <see cref="BestWithinBudget"/> null when the median seed had no measurement within the budget.
    /// </summary>
    internal sealed record CompareSummary(string Trainer, int Seeds, double? AccuracyAfterFirstEpoch, double BestAccuracy, double TimeToTarget,
        int SeedsReachingTarget, double? BestWithinBudget, double TrainingSeconds, double PeakMemoryMB)
    {
        /// <summary>Summarizes <paramref name="trainer"/>'s rows of <paramref name="runs"/>.</summary>
        public static CompareSummary Of(string trainer, IEnumerable<CompareRun> runs, double targetAccuracy, double budgetSeconds)
        {
            var bySeed = runs.Where(r => r.Trainer == trainer).GroupBy(r => r.Seed).Select(g => g.OrderBy(r => r.Epoch).ToList()).ToList();
            if (bySeed.Count == 0) throw new ArgumentException($"No runs of trainer '{trainer}'.", nameof(runs));
            var timeToTarget = bySeed.Select(seed => seed.Where(r => r.TestAccuracy >= targetAccuracy).Select(r => r.Seconds).DefaultIfEmpty(double.PositiveInfinity).Min()).ToList();
            // NaN (no measurement within the budget) sorts first, so it is the median only when most seeds had none.
            double budget = Median(bySeed.Select(seed => seed.Where(r => r.Seconds <= budgetSeconds).Select(r => r.TestAccuracy).DefaultIfEmpty(double.NaN).Max()));
            return new CompareSummary(trainer, bySeed.Count,
                bySeed.All(seed => seed[0].Epoch == 1) ? Median(bySeed.Select(seed => seed[0].TestAccuracy)) : null,
                Median(bySeed.Select(seed => seed.Max(r => r.TestAccuracy))),
                Median(timeToTarget), timeToTarget.Count(double.IsFinite),
                double.IsNaN(budget) ? null : budget,
                Median(bySeed.Select(seed => seed[^1].Seconds)),
                Median(bySeed.Select(seed => seed.Max(r => r.PeakMemoryMB))));
        }

        /// <summary>
        /// Per epoch, the median over seeds of the cumulative seconds and of the test accuracy: the curve the plots draw.
        /// A trainer that is not iterated by epochs gives one point, at epoch 0.
        /// </summary>
        public static List<(int Epoch, double Seconds, double Accuracy)> MedianCurve(string trainer, IEnumerable<CompareRun> runs) =>
            runs.Where(r => r.Trainer == trainer).GroupBy(r => r.Epoch).OrderBy(g => g.Key)
                .Select(g => (g.Key, Median(g.Select(r => r.Seconds)), Median(g.Select(r => r.TestAccuracy)))).ToList();

        /// <summary>The middle value, or the mean of the two middle values; infinities allowed.</summary>
        public static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            int middle = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        }
    }
}
