using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// results.md of <c>tables</c>: issue 18's scores per set, per set a row per table with the three trainers' medians over
    /// the seeds, RiemannianMlp's points against LightGbm and SDCA and its fit time ÷ LightGbm's, every run, issue 11's check
    /// on every table, the tables, and how it was measured.
    /// </summary>
    internal static class TablesReport
    {
        /// <summary>How far below the SDCA trainer's test metric RiemannianMlp may be on any table (issue 11): 1 point.</summary>
        public const double SdcaMargin = 0.01;

        /// <summary>The test metric of <paramref name="task"/>, as the report names it.</summary>
        public static string MetricName(string task) => task switch
        {
            TablePlan.Multiclass => "micro-accuracy",
            TablePlan.Binary => "accuracy",
            _ => "R²",
        };

        /// <summary>The name of a judged metric (accuracy, auc, r2) in the report.</summary>
        public static string JudgedName(string metric) => metric switch
        {
            TablePlan.Auc => "AUC",
            TablePlan.RSquared => "R²",
            _ => "accuracy",
        };

        /// <summary>The report's text; <see cref="TablesResults.Summary"/> must be set.</summary>
        public static string Markdown(TablesResults results)
        {
            var m = results.Machine;
            var s = results.Settings;
            var summary = results.Summary ?? throw new ArgumentException("The results have no summary.", nameof(results));
            var text = new StringBuilder();
            text.AppendLine("# RiemannianMlp, SDCA and LightGbm on tables");
            text.AppendLine();
            text.AppendLine($"`dotnet run -c Release --project test/MLNetRiemannian.Benchmarks -- {s.CommandLine}` on {m.Cpu}, {m.LogicalCores} logical cores, " +
                            $"{m.OperatingSystem}, {m.Runtime}, ML.NET {m.MLNet}, commit {m.Commit}, {m.StartedUtc}. Load average at start {m.LoadAverageAtStart}, " +
                            $"at end {m.LoadAverageAtEnd}; each run's load at its start is in its row. Seeds 1..{s.Seeds}" +
                            $"{(s.RiemannianMlpSettings.Count > 0 ? $"; RiemannianMlp with --set {CompareOptionSettings.Format(s.RiemannianMlpSettings)}" : "; every trainer with default options")}.");
            text.AppendLine();
            var baseline = results.Baseline;
            if (baseline is not null)
                text.AppendLine($"Baseline: RiemannianMlp's medians in `{baseline.File}` (commit {baseline.Commit}, `{baseline.CommandLine}`).").AppendLine();
            text.AppendLine("## Scores (issue 18)");
            text.AppendLine();
            text.AppendLine("| set | tables | scored | mean RiemannianMlp − LightGbm (points) | at or above LightGbm | within 3 points of LightGbm | " +
                            "at or above SDCA − 1 point | median fit time ÷ LightGbm's | highest fit time ÷ LightGbm's | not scored |" +
                            (baseline is null ? "" : " more than 1 point below the baseline |"));
            text.AppendLine("|---|---|---|---|---|---|---|---|---|---|" + (baseline is null ? "" : "---|"));
            foreach (var set in summary.Sets)
                text.AppendLine($"| {set.Set} | {set.Tables} | {set.Scored} | {Signed(set.MeanPointsVsLightGbm, "+0.00;-0.00;0.00")} | {set.AtOrAboveLightGbm} of {set.Scored} | " +
                                $"{set.WithinThreePointsOfLightGbm} of {set.Scored} | {set.AtOrAboveSdcaMinusOnePoint} of {set.ComparedWithSdca} | {Number(set.MedianTimeRatio, "F2")} | " +
                                $"{(set.HighestTimeRatio is { } highest ? $"{Number(highest, "F2")} ({set.HighestTimeRatioTable})" : "–")} | " +
                                $"{(set.Unscored.Count == 0 ? "–" : string.Join(", ", set.Unscored))} |" +
                                (baseline is null ? "" : $" {set.BelowBaseline?.Count ?? 0} of {set.ComparedWithBaseline}{(set.BelowBaseline is { Count: > 0 } b ? $": {string.Join(", ", b)}" : "")} |"));
            text.AppendLine();
            text.AppendLine($"Each table is judged by its metric: accuracy (micro-accuracy for multiclass), AUC or R², on the {100 * s.TestFraction:F0}% held out; " +
                            $"the figures are medians over the seeds' ok runs. Points: 100 × (RiemannianMlp's median − the other's median), R² × 100 for regression. " +
                            "A table is scored when RiemannianMlp and LightGbm both have an ok run; fit time ÷ LightGbm's is the ratio of the median fit times." +
                            (baseline is null ? "" : " Below the baseline: RiemannianMlp more than 1 point below its baseline median, unless the baseline was " +
                                                     "above LightGbm and RiemannianMlp still is at or above it."));
            foreach (var set in summary.Tables.GroupBy(t => t.Set))
            {
                text.AppendLine();
                text.AppendLine($"## {(set.Key == TablesSummary.NoSet ? "Tables" : set.Key)}: medians over seeds 1..{s.Seeds}");
                text.AppendLine();
                text.AppendLine("| table | judged by | RiemannianMlp | SDCA | LightGbm | RiemannianMlp − LightGbm (points) | RiemannianMlp − SDCA (points) | " +
                                "fit s RiemannianMlp | fit s SDCA | fit s LightGbm | fit time ÷ LightGbm's | RiemannianMlp's model |" +
                                (baseline is null ? "" : " RiemannianMlp in the baseline | RiemannianMlp − baseline (points) |"));
                text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|" + (baseline is null ? "" : "---|---|"));
                foreach (var t in set)
                {
                    TrainerMedians? Of(string trainer) => t.Trainers.FirstOrDefault(x => x.Trainer == trainer);
                    var (ours, sdca, lightGbm) = (Of(TablesOne.Ours), Of(TablesOne.Sdca(t.Task)), Of(TablesOne.LightGbm));
                    text.AppendLine($"| {t.Table} | {JudgedName(t.Metric)} | {Judged(ours)} | {Judged(sdca)} | {Judged(lightGbm)} | {Signed(t.PointsVsLightGbm, "+0.0;-0.0;0.0")} | " +
                                    $"{Signed(t.PointsVsSdca, "+0.0;-0.0;0.0")} | {Number(ours?.FitSeconds, "F2")} | {Number(sdca?.FitSeconds, "F2")} | {Number(lightGbm?.FitSeconds, "F2")} | " +
                                    $"{Number(t.TimeRatioVsLightGbm, "F2")} | {ours?.Model ?? "–"} |" +
                                    (baseline is null ? "" : $" {Number(t.BaselineJudged)} | {Signed(t.PointsVsBaseline, "+0.0;-0.0;0.0")} |"));
                }
            }
            text.AppendLine();
            text.AppendLine("## Every run");
            text.AppendLine();
            text.AppendLine("| table | trainer | seed | status | test metric | test AUC | training metric | fit s | fit processor s | peak RSS MB | model | load at start |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var table in results.Tables)
                foreach (var r in results.Runs.Where(r => r.Table == table.Name))
                {
                    string status = r.Status == "ok" ? "ok" : $"**{r.Status}**: {r.Error?.Replace("|", "\\|").ReplaceLineEndings(" ")}";
                    text.AppendLine($"| {table.Name} | {r.Trainer} | {r.Seed} | {status} | {(r.TestMetric is { } metric ? $"{Number(metric)} {MetricName(table.Task)}" : "–")} | " +
                                    $"{Number(r.TestAuc)} | {Number(r.TrainingMetric)} | {Number(r.FitSeconds, "F2")} | {Number(r.FitCpuSeconds, "F2")} | {Number(r.PeakMemoryMB, "F0")} | {r.Model ?? "–"} | {r.LoadAverageAtStart} |");
                }
            text.AppendLine();
            text.AppendLine("## Check on every table (issue 11)");
            text.AppendLine();
            foreach (var t in summary.Tables)
            {
                var ours = t.Trainers.FirstOrDefault(r => r.Trainer == TablesOne.Ours);
                var sdca = t.Trainers.FirstOrDefault(r => r.Trainer == TablesOne.Sdca(t.Task));
                string verdict = ours?.TestMetric is not { } a || sdca?.TestMetric is not { } b ? "not measured"
                    : a >= b - SdcaMargin - 1e-12 ? "**holds**" : "**misses**";
                text.AppendLine($"- {verdict}: {t.Table}, RiemannianMlp's median test {MetricName(t.Task)} at most {100 * SdcaMargin:F0} point below " +
                                $"{TablesOne.Sdca(t.Task)}'s ({Number(ours?.TestMetric)} vs {Number(sdca?.TestMetric)}{(ours is { } o && o.Ok < o.Runs ? $"; RiemannianMlp ok on {o.Ok} of {o.Runs} seeds" : "")}).");
            }
            text.AppendLine();
            text.AppendLine("## Tables");
            text.AppendLine();
            text.AppendLine("| table | set | source | task | label | rows used (of) | classes (rows of each) | numeric | categorical (one-hot) | text (FeaturizeText) | ignored | feature slots |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var t in results.Tables)
            {
                int? slots = results.Runs.FirstOrDefault(r => r.Table == t.Name && r.FeatureSlots is not null)?.FeatureSlots;
                string classes = t.Classes == 0 ? "–" : t.ClassRows is { Count: <= 10 } rows ? $"{t.Classes} ({string.Join(", ", rows)})" : $"{t.Classes}";
                text.AppendLine($"| {t.Name} | {t.Set ?? "–"} | `{t.Source}` | {t.Task} | {t.Label} | {t.Rows:N0} ({t.SourceRows:N0}) | {classes} | " +
                                $"{Names(t.Columns, TablePlan.Numeric)} | {Names(t.Columns, TablePlan.Categorical)} | {Names(t.Columns, TablePlan.Text)} | " +
                                $"{(t.Ignored.Count == 0 ? "–" : string.Join(", ", t.Ignored.Select(c => c.Name)))} | {(slots is { } n ? $"{n:N0}" : "–")} |");
            }
            text.AppendLine();
            text.AppendLine("## How it is measured");
            text.AppendLine();
            text.AppendLine($"- Featurization (Model Builder's): numeric columns (every present value parses as a number) → ReplaceMissingValues (mean); string columns → " +
                            $"OneHotEncoding when distinct ÷ non-missing values over the first {s.InferenceRows:N0} rows is below {s.CategoricalRatio} (AutoML's rule), " +
                            "FeaturizeText (default options) otherwise; columns named by hand keep their role. All concatenated into Features, then NormalizeMinMax. " +
                            "Label: MapValueToKey over all the table's classes (multiclass, MapKeyToValue after the trainer), the two values mapped to false/true " +
                            "in sort order (binary), Single (regression). Missing fields (empty, NA, NaN or ?): a number the column's mean, a category no " +
                            "category (a zero one-hot vector), a text an empty one.");
            text.AppendLine($"- Split: per seed 1..{s.Seeds}, {100 * s.TestFraction:F0}% held out, {s.Split}; the same rows for every trainer of a seed, " +
                            "whose MLContext has that seed.");
            text.AppendLine("- Trainers: RiemannianMlp, SdcaMaximumEntropy / SdcaLogisticRegression / Sdca, LightGbm, all with default options (RiemannianMlp's " +
                            "changed by --set, if given above); an AppendCacheCheckpoint before a trainer that asks for caching (SDCA).");
            text.AppendLine("- Fit seconds: the whole pipeline's Fit from the CSV file (loading, featurization, caching and training); evaluation is outside the clock. " +
                            "Peak RSS: the process's VmHWM right after the fit.");
            text.AppendLine($"- Every trainer on every table runs in a fresh process (`{TablesOne.Command}`), one after another, stopped after {s.TimeoutSeconds:F0} s " +
                            $"or at {s.MemoryLimitMB:F0} MB resident (recorded as timeout or memory, with the peak memory when stopped). OpenMP: {s.OpenMpWaiting}.");
            return text.ToString();
        }

        private static string Number(double? value, string format = "F4") => value is { } v ? v.ToString(format, System.Globalization.CultureInfo.InvariantCulture) : "–";

        private static string Signed(double? value, string format) => value is { } v ? v.ToString(format, System.Globalization.CultureInfo.InvariantCulture) : "–";

        // A trainer's judged median, with the seeds it rests on when some run was not ok.
        private static string Judged(TrainerMedians? trainer) =>
            trainer is null ? "–" : $"{Number(trainer.Judged)}{(trainer.Ok < trainer.Runs ? $" ({trainer.Ok} of {trainer.Runs} seeds ok)" : "")}";

        private static string Names(IReadOnlyList<TableColumn> columns, string role)
        {
            var names = columns.Where(c => c.Role == role).Select(c => c.Name).ToList();
            return names.Count == 0 ? "–" : names.Count <= 4 ? string.Join(", ", names) : $"{names.Count} ({names[0]} … {names[^1]})";
        }
    }
}
