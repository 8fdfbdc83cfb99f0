using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>results.md of <c>tables</c>: one row per table and trainer with its ratios to LightGbm and to the task's SDCA trainer, the check every table must pass, and how it was measured.</summary>
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

        /// <summary>The report's text.</summary>
        public static string Markdown(TablesResults results)
        {
            var m = results.Machine;
            var s = results.Settings;
            var text = new StringBuilder();
            text.AppendLine("# RiemannianMlp, SDCA and LightGbm on tables");
            text.AppendLine();
            text.AppendLine($"`dotnet run -c Release --project test/MLNetRiemannian.Benchmarks -- {s.CommandLine}` on {m.Cpu}, {m.LogicalCores} logical cores, " +
                            $"{m.OperatingSystem}, {m.Runtime}, ML.NET {m.MLNet}, commit {m.Commit}, {m.StartedUtc}. Load average at start {m.LoadAverageAtStart}, " +
                            $"at end {m.LoadAverageAtEnd}; each run's load at its start is in its row.");
            text.AppendLine();
            text.AppendLine("| table | trainer | status | test metric | test AUC | training metric | fit s | peak RSS MB | metric − LightGbm's (points) | metric − SDCA's (points) | " +
                            "fit time ÷ LightGbm's | fit time ÷ SDCA's | peak RSS ÷ LightGbm's | model | load at start |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var table in results.Tables)
            {
                var runs = results.Runs.Where(r => r.Table == table.Name).ToList();
                var lightGbm = runs.FirstOrDefault(r => r.Trainer == TablesOne.LightGbm && r.Status == "ok");
                var sdca = runs.FirstOrDefault(r => r.Trainer == TablesOne.Sdca(table.Task) && r.Status == "ok");
                foreach (var r in runs)
                {
                    string status = r.Status == "ok" ? "ok" : $"**{r.Status}**: {r.Error?.Replace("|", "\\|").ReplaceLineEndings(" ")}";
                    text.AppendLine($"| {table.Name} | {r.Trainer} | {status} | {(r.TestMetric is { } metric ? $"{Number(metric)} {MetricName(table.Task)}" : "–")} | {Number(r.TestAuc)} | " +
                                    $"{Number(r.TrainingMetric)} | {Number(r.FitSeconds, "F2")} | {Number(r.PeakMemoryMB, "F0")} | {Points(r, lightGbm)} | {Points(r, sdca)} | " +
                                    $"{Ratio(r.FitSeconds, lightGbm?.FitSeconds)} | {Ratio(r.FitSeconds, sdca?.FitSeconds)} | {Ratio(r.PeakMemoryMB, lightGbm?.PeakMemoryMB)} | " +
                                    $"{r.Model ?? "–"} | {r.LoadAverageAtStart} |");
                }
            }
            text.AppendLine();
            text.AppendLine("Test metric: micro-accuracy (multiclass), accuracy (binary), R² (regression), on the 20% held out. Points are 100 × the difference " +
                            "of the test metrics. Ratios below 1 mean less time or memory than the reference.");
            text.AppendLine();
            text.AppendLine("## Check on every table (issue 11)");
            text.AppendLine();
            foreach (var table in results.Tables)
            {
                var ours = results.Runs.FirstOrDefault(r => r.Table == table.Name && r.Trainer == TablesOne.Ours);
                var sdca = results.Runs.FirstOrDefault(r => r.Table == table.Name && r.Trainer == TablesOne.Sdca(table.Task));
                string verdict = ours?.TestMetric is not { } a || sdca?.TestMetric is not { } b ? "not measured"
                    : a >= b - SdcaMargin - 1e-12 ? "**holds**" : "**misses**";
                text.AppendLine($"- {verdict}: {table.Name}, RiemannianMlp's test {MetricName(table.Task)} at most {100 * SdcaMargin:F0} point below " +
                                $"{TablesOne.Sdca(table.Task)}'s ({Number(ours?.TestMetric)} vs {Number(sdca?.TestMetric)}{(ours is { Status: not "ok" } ? $"; RiemannianMlp {ours.Status}" : "")}).");
            }
            text.AppendLine();
            text.AppendLine("## Tables");
            text.AppendLine();
            text.AppendLine("| table | source | task | label | rows used (of) | classes | numeric | categorical (one-hot) | text (FeaturizeText) | ignored | feature slots |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var t in results.Tables)
            {
                int? slots = results.Runs.FirstOrDefault(r => r.Table == t.Name && r.FeatureSlots is not null)?.FeatureSlots;
                text.AppendLine($"| {t.Name} | `{t.Source}` | {t.Task} | {t.Label} | {t.Rows:N0} ({t.SourceRows:N0}) | {(t.Classes > 0 ? $"{t.Classes}" : "–")} | " +
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
                            "in sort order (binary), Single (regression). Missing fields: empty, NA, NaN or ?.");
            text.AppendLine($"- Split: TrainTestSplit, {100 * s.TestFraction:F0}% held out, seed {s.Seed}; the same rows for every trainer.");
            text.AppendLine("- Trainers: RiemannianMlp, SdcaMaximumEntropy / SdcaLogisticRegression / Sdca, LightGbm, all with default options; an AppendCacheCheckpoint " +
                            "before a trainer that asks for caching (SDCA).");
            text.AppendLine("- Fit seconds: the whole pipeline's Fit from the CSV file (loading, featurization, caching and training); evaluation is outside the clock. " +
                            "Peak RSS: the process's VmHWM right after the fit.");
            text.AppendLine($"- Every trainer on every table runs in a fresh process (`{TablesOne.Command}`), one after another, stopped after {s.TimeoutSeconds:F0} s " +
                            $"or at {s.MemoryLimitMB:F0} MB resident (recorded as timeout or memory, with the peak memory when stopped). OpenMP: {s.OpenMpWaiting}.");
            return text.ToString();
        }

        private static string Number(double? value, string format = "F4") => value is { } v ? v.ToString(format, System.Globalization.CultureInfo.InvariantCulture) : "–";

        private static string Points(TableRun run, TableRun? reference) =>
            run.TestMetric is { } a && reference?.TestMetric is { } b && !ReferenceEquals(run, reference) ? $"{100 * (a - b):+0.0;-0.0;0.0}" : "–";

        private static string Ratio(double? value, double? reference) =>
            value is { } a && reference is { } b && b > 0 ? (a / b).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "–";

        private static string Names(IReadOnlyList<TableColumn> columns, string role)
        {
            var names = columns.Where(c => c.Role == role).Select(c => c.Name).ToList();
            return names.Count == 0 ? "–" : names.Count <= 4 ? string.Join(", ", names) : $"{names.Count} ({names[0]} … {names[^1]})";
        }
    }
}
