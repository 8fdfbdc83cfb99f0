using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// One trainer on one table over the seeds: how many runs there were and how many were "ok", and the medians over the ok
    /// runs of the judged metric (<see cref="TableInfo.Metric"/>), the test metric, the test AUC, the training metric and the
    /// fit seconds; the highest peak memory; the model of the first ok run.
    /// </summary>
    internal sealed record TrainerMedians(string Trainer, int Runs, int Ok, double? Judged, double? TestMetric, double? TestAuc, double? TrainingMetric,
        double? FitSeconds, double? PeakMemoryMB, string? Model);

    /// <summary>
    /// A table's medians per trainer and RiemannianMlp's comparison on the judged metric, in points (100 × the difference of
    /// the medians: accuracy, AUC or R² × 100), with LightGbm, with the task's SDCA trainer and with RiemannianMlp in the
    /// baseline (its median there: <see cref="BaselineJudged"/>); and RiemannianMlp's median fit time ÷ LightGbm's. Null where
    /// a trainer has no ok run or there is no baseline for the table.
    /// </summary>
    internal sealed record TableMedians(string Table, string Set, string Task, string Metric, IReadOnlyList<TrainerMedians> Trainers,
        double? PointsVsLightGbm, double? PointsVsSdca, double? TimeRatioVsLightGbm, double? BaselineJudged = null, double? PointsVsBaseline = null);

    /// <summary>
    /// Issue 18's scores over the tables of a set: the mean of RiemannianMlp − LightGbm in points, how many tables are at or
    /// above LightGbm, within 3 points below it, and at or above the SDCA trainer − 1 point, and the median and highest of
    /// RiemannianMlp's time ÷ LightGbm's. <see cref="Scored"/> tables have medians of both RiemannianMlp and LightGbm;
    /// <see cref="Unscored"/> names the others. With a baseline: how many tables it has, and those where RiemannianMlp is
    /// more than 1 point below its baseline median, except where the baseline was above LightGbm and RiemannianMlp still is
    /// at or above it (issue 18's target).
    /// </summary>
    internal sealed record SetScores(string Set, int Tables, int Scored, IReadOnlyList<string> Unscored, double? MeanPointsVsLightGbm, int AtOrAboveLightGbm,
        int WithinThreePointsOfLightGbm, int ComparedWithSdca, int AtOrAboveSdcaMinusOnePoint, double? MedianTimeRatio, double? HighestTimeRatio, string? HighestTimeRatioTable,
        int ComparedWithBaseline = 0, IReadOnlyList<string>? BelowBaseline = null);

    /// <summary>The medians of every table and the scores of every set (and of all tables together when there are several sets).</summary>
    internal sealed record TablesSummary(IReadOnlyList<TableMedians> Tables, IReadOnlyList<SetScores> Sets)
    {
        /// <summary>The set of tables outside a suite.</summary>
        public const string NoSet = "tables";

        /// <summary>The scores over every table when there are several sets.</summary>
        public const string AllSets = "all";

        // Points and ratios are compared with this slack, so that a tie computed in floating point counts as a tie.
        private const double Slack = 1e-9;

        /// <summary>
        /// The medians and scores of <paramref name="runs"/> on <paramref name="tables"/>, compared with
        /// <paramref name="baseline"/> where it has the table with the same metric.
        /// </summary>
        public static TablesSummary Of(IReadOnlyList<TableInfo> tables, IReadOnlyList<TableRun> runs, TablesBaseline? baseline)
        {
            var medians = tables.Select(table =>
            {
                var trainers = TablesOne.Trainers(table.Task).Select(trainer =>
                {
                    var all = runs.Where(r => r.Table == table.Name && r.Trainer == trainer).ToList();
                    var ok = all.Where(r => r.Status == "ok").OrderBy(r => r.Seed).ToList();
                    return new TrainerMedians(trainer, all.Count, ok.Count, Median(ok.Select(r => Judged(r, table.Metric))), Median(ok.Select(r => r.TestMetric)),
                        Median(ok.Select(r => r.TestAuc)), Median(ok.Select(r => r.TrainingMetric)), Median(ok.Select(r => r.FitSeconds)),
                        all.Max(r => r.PeakMemoryMB), ok.FirstOrDefault()?.Model);
                }).Where(t => t.Runs > 0).ToList();
                var ours = trainers.FirstOrDefault(t => t.Trainer == TablesOne.Ours);
                var lightGbm = trainers.FirstOrDefault(t => t.Trainer == TablesOne.LightGbm);
                var sdca = trainers.FirstOrDefault(t => t.Trainer == TablesOne.Sdca(table.Task));
                double? before = baseline?.Tables.FirstOrDefault(b => b.Table == table.Name && b.Metric == table.Metric)?.Judged;
                return new TableMedians(table.Name, table.Set ?? NoSet, table.Task, table.Metric, trainers, Points(ours?.Judged, lightGbm?.Judged),
                    Points(ours?.Judged, sdca?.Judged), ours?.FitSeconds / lightGbm?.FitSeconds, before, Points(ours?.Judged, before));
            }).ToList();
            var sets = medians.Select(t => t.Set).Distinct().Select(set => Scores(set, medians.Where(t => t.Set == set).ToList())).ToList();
            if (sets.Count > 1) sets.Add(Scores(AllSets, medians));
            return new TablesSummary(medians, sets);
        }

        /// <summary>The run's figure of <paramref name="metric"/>: its test AUC for auc, its test metric (accuracy or R²) otherwise.</summary>
        public static double? Judged(TableRun run, string metric) => metric == TablePlan.Auc ? run.TestAuc : run.TestMetric;

        /// <summary>The median of the values present (the mean of the middle two for an even count); null when none is.</summary>
        public static double? Median(IEnumerable<double?> values)
        {
            var sorted = values.OfType<double>().Order().ToList();
            return sorted.Count == 0 ? null : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
        }

        private static double? Points(double? value, double? reference) => 100 * (value - reference);

        private static SetScores Scores(string set, IReadOnlyList<TableMedians> tables)
        {
            var scored = tables.Where(t => t.PointsVsLightGbm is not null).ToList();
            var points = scored.Select(t => t.PointsVsLightGbm!.Value).ToList();
            var sdca = tables.Where(t => t.PointsVsSdca is not null).ToList();
            var timed = tables.Where(t => t.TimeRatioVsLightGbm is not null).ToList();
            var slowest = timed.MaxBy(t => t.TimeRatioVsLightGbm);
            var compared = tables.Where(t => t.PointsVsBaseline is not null).ToList();
            // Exempt: the baseline was above LightGbm (its points against LightGbm, the baseline's minus this run's) and this run is at or above it.
            var below = compared.Where(t => t.PointsVsBaseline < -1 - Slack && !(t.PointsVsLightGbm - t.PointsVsBaseline > Slack && t.PointsVsLightGbm >= -Slack))
                .Select(t => t.Table).ToList();
            return new SetScores(set, tables.Count, scored.Count, tables.Where(t => t.PointsVsLightGbm is null).Select(t => t.Table).ToList(),
                points.Count > 0 ? points.Average() : null, points.Count(p => p >= -Slack), points.Count(p => p >= -3 - Slack),
                sdca.Count, sdca.Count(t => t.PointsVsSdca >= -1 - Slack), Median(timed.Select(t => t.TimeRatioVsLightGbm)), slowest?.TimeRatioVsLightGbm, slowest?.Table,
                compared.Count, below);
        }
    }
}
