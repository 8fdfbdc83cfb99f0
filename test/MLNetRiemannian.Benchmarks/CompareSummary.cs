using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// One trainer's figures in results.md, each the median over the seeds of that figure per seed.
    /// <see cref="AccuracyAfterFirstEpoch"/> is null for a trainer not iterated by epochs, <see cref="BestWithinBudget"/>
    /// null when the median seed had no measurement within the budget; the differences and ratios to Adam are null
    /// when either side is missing (no Adam run, a level never reached).
    /// </summary>
    internal sealed record CompareSummary(string Trainer, int Seeds, double? AccuracyAfterFirstEpoch, double? FirstEpochDifferenceToAdam,
        double BestAccuracy, double? BestWithinBudget, double? BestWithinBudgetDifferenceToAdam, IReadOnlyList<CompareLevelTime> TimeToLevel,
        double TrainingSeconds, double PeakMemoryMB)
    {
        /// <summary>The trainer every ratio and difference is taken against: plain Adam (η 10⁻³, batch 128).</summary>
        public const string Reference = "Adam";

        /// <summary>
        /// Summarizes every trainer of <paramref name="trainers"/> from <paramref name="runs"/>, with its ratios and
        /// differences to <see cref="Reference"/>'s if it ran.
        /// </summary>
        public static List<CompareSummary> Of(IEnumerable<string> trainers, IReadOnlyList<CompareRun> runs, IReadOnlyList<double> levels, double budgetSeconds)
        {
            var own = trainers.Select(t => Own(t, runs, levels, budgetSeconds)).ToList();
            var adam = own.SingleOrDefault(s => s.Trainer == Reference);
            return own.Select(s => s with
            {
                FirstEpochDifferenceToAdam = s.AccuracyAfterFirstEpoch - adam?.AccuracyAfterFirstEpoch,
                BestWithinBudgetDifferenceToAdam = s.BestWithinBudget - adam?.BestWithinBudget,
                TimeToLevel = s.TimeToLevel.Select((level, i) => level with { RatioToAdam = level.Seconds / adam?.TimeToLevel[i].Seconds }).ToList(),
            }).ToList();
        }

        private static CompareSummary Own(string trainer, IReadOnlyList<CompareRun> runs, IReadOnlyList<double> levels, double budgetSeconds)
        {
            var bySeed = runs.Where(r => r.Trainer == trainer).GroupBy(r => r.Seed).OrderBy(g => g.Key).Select(g => g.OrderBy(r => r.Epoch).ToList()).ToList();
            if (bySeed.Count == 0) throw new ArgumentException($"No runs of trainer '{trainer}'.", nameof(runs));
            var timeToLevel = levels.Select(level =>
            {
                // The first measurement at or above the level, not an interpolation between measurements.
                var perSeed = bySeed.Select(seed => seed.FirstOrDefault(r => r.TestAccuracy >= level)?.Seconds).ToList();
                return new CompareLevelTime(level, MedianOrNever(perSeed), perSeed, perSeed.Count(s => s is not null), null);
            }).ToList();
            // NaN (no measurement within the budget) sorts first, so it is the median only when most seeds had none.
            double budget = Median(bySeed.Select(seed => seed.Where(r => r.Seconds <= budgetSeconds).Select(r => r.TestAccuracy).DefaultIfEmpty(double.NaN).Max()));
            var afterFirstEpoch = bySeed.Select(seed => seed.FirstOrDefault(r => r.Epoch == 1)?.TestAccuracy).ToList();
            return new CompareSummary(trainer, bySeed.Count,
                afterFirstEpoch.All(a => a is not null) ? Median(afterFirstEpoch.Select(a => a!.Value)) : null, null,
                Median(bySeed.Select(seed => seed.Max(r => r.TestAccuracy))),
                double.IsNaN(budget) ? null : budget, null, timeToLevel,
                Median(bySeed.Select(seed => seed[^1].Seconds)),
                Median(bySeed.Select(seed => seed.Max(r => r.PeakMemoryMB))));
        }

        /// <summary>
        /// Per fractional epoch, the median over seeds of the cumulative seconds and of the accuracy: the curve the
        /// accuracy-vs-epoch plot draws. A trainer that is not iterated by epochs gives one point, at epoch 0.
        /// </summary>
        public static List<(double Epoch, double Seconds, double Accuracy)> MedianCurve(string trainer, IEnumerable<CompareRun> runs) =>
            runs.Where(r => r.Trainer == trainer).GroupBy(r => r.Epoch).OrderBy(g => g.Key)
                .Select(g => (g.Key, Median(g.Select(r => r.Seconds)), Median(g.Select(r => r.TestAccuracy)))).ToList();

        /// <summary>
        /// The median of seconds where null means never: never when more than half the values are null; otherwise the
        /// middle value with nulls sorted last, and for an even count the mean of the middle two, or the lower of them
        /// when the upper is a never (exactly half never reach the level).
        /// </summary>
        public static double? MedianOrNever(IReadOnlyList<double?> values)
        {
            if (2 * values.Count(v => v is null) > values.Count) return null;
            var sorted = values.Select(v => v ?? double.PositiveInfinity).Order().ToArray();
            int middle = sorted.Length / 2;
            if (sorted.Length % 2 == 1) return sorted[middle];
            return double.IsFinite(sorted[middle]) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle - 1];
        }

        /// <summary>The middle value, or the mean of the two middle values.</summary>
        public static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            int middle = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        }
    }

    /// <summary>
    /// A trainer's time to one accuracy level: the median over seeds (null: never, see
    /// <see cref="CompareSummary.MedianOrNever"/>) of each seed's cumulative training seconds at its first measurement at
    /// or above the level (<see cref="SecondsPerSeed"/>, in seed order, null where a seed never reached it), and the
    /// ratio of the median to Adam's (null when either is never or Adam did not run).
    /// </summary>
    internal sealed record CompareLevelTime(double Level, double? Seconds, IReadOnlyList<double?> SecondsPerSeed, int SeedsReaching, double? RatioToAdam);
}
