using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// <c>tables --out DIR [--seeds N] [--set N=V;...] (--data FILE --label COL --task T [table options] ... | --suite FILE
    /// [--suite-set S] [--only A,B])</c>: RiemannianMlp, the task's SDCA trainer and LightGbm on CSV tables featurized as
    /// Model Builder does (<see cref="TablePlan"/>, <see cref="TablesOne"/>), each trainer on each table for each seed (its
    /// own 80/20 split, <see cref="TablesSplit"/>) in a process of its own with a time and memory limit. Writes
    /// DIR/results.json and DIR/results.md, with the medians over the seeds and issue 18's scores (<see cref="TablesSummary"/>),
    /// and DIR/vs-lightgbm.png (<see cref="TablesPlot"/>) when LightGbm ran.
    /// <c>tables-report --in results.json --out DIR [--baseline results.json]</c> writes them again from an earlier
    /// results.json's runs (and baseline, unless another is given).
    /// </summary>
    internal static class Tables
    {
        public const string Command = "tables";

        /// <summary>The command that reports an earlier run's results.json again.</summary>
        public const string ReportCommand = "tables-report";

        private const string Usage =
            "usage: MLNetRiemannian.Benchmarks tables --out DIR [--quick] [--dry-run] [--seeds N] [--timeout S] [--memory-limit MB] [--trainers A,B] [--set N=V;N=V] [--baseline FILE]\n" +
            "                                         (--data FILE --label COL --task multiclass|binary|regression [table options] [--data FILE ...]\n" +
            "                                          | --suite FILE [--suite-set meta-train|meta-test|all] [--only NAME,NAME])\n" +
            "       MLNetRiemannian.Benchmarks tables-report --in results.json --out DIR [--baseline results.json]\n" +
            "  --out DIR           where results.json, results.md and (with LightGbm) vs-lightgbm.png go\n" +
            "  --quick             at most 300 rows per table and a 180 s limit: for the test that keeps the tool working\n" +
            "  --dry-run           read every table and print how it is featurized and judged, then stop (no trainer runs)\n" +
            "  --seeds N           seeds 1..N: per seed its own 80/20 split (stratified for classification); the report gives medians (default 1)\n" +
            "  --timeout S         seconds one trainer's process may run before it is stopped and recorded as 'timeout' (default 600)\n" +
            "  --memory-limit MB   resident memory at which a trainer's process is stopped and recorded as 'memory' (default 8192)\n" +
            "  --trainers A,B      only these trainers (RiemannianMlp, Sdca, LightGbm: Sdca stands for the task's SDCA trainer)\n" +
            "  --set N=V;N=V       RiemannianMlp's options (as compare --set, and NumberOfEpochs, OutputMetric, HiddenLayerSizes=W,W), for every table\n" +
            "  --suite FILE        the tables of a suite file (docs/benchmarks/tables/suite.json) instead of --data\n" +
            "  --suite-set S       meta-train, meta-test or all (default all)\n" +
            "  --only A,B          only these tables of the suite\n" +
            "  --baseline FILE     an earlier results.json: RiemannianMlp's medians there beside this run's, and the tables more than 1 point below\n" +
            "Each --data starts a table; the options after it, up to the next --data, are that table's:\n" +
            "  --label COL         the label column (required)\n" +
            "  --task T            multiclass, binary (exactly two label values; the first in sort order is false) or regression (required)\n" +
            "  --metric M          what the scores judge by: accuracy, auc (binary) or r2 (regression); default r2, accuracy, or auc for a binary\n" +
            "                      table whose rarer class is under 10 % of the rows\n" +
            "  --name N            the table's name in the report (default: the file's name without extension)\n" +
            "  --skip-lines N      lines before the header (or the first row) to skip (default 0)\n" +
            "  --no-header         the file has no header; columns are named C0, C1, ...\n" +
            "  --max-rows N        keep N rows drawn uniformly (seed 1)\n" +
            "  --numeric A,B  --categorical A,B  --text A,B  --ignore A,B   name columns' roles by hand instead of inferring them";

        private static readonly string[] GlobalValueOptions = { "--out", "--timeout", "--memory-limit", "--trainers", "--seeds", "--set", "--suite", "--suite-set", "--only", "--baseline" };
        private static readonly string[] TableValueOptions = { "--label", "--task", "--metric", "--name", "--skip-lines", "--max-rows", "--numeric", "--categorical", "--text", "--ignore" };
        private const int QuickMaxRows = 300;

        /// <summary>Whether <paramref name="command"/> is <c>tables</c>, <c>tables-report</c> or the hidden child command.</summary>
        public static bool Handles(string command) => command is Command or ReportCommand or TablesOne.Command;

        /// <summary>Runs <c>args[0]</c> with the rest of <paramref name="args"/>.</summary>
        public static int Run(string[] args) => args[0] switch
        {
            TablesOne.Command => TablesOne.Run(args[1..]),
            ReportCommand => Report(args[1..]),
            _ => Benchmark(args[1..]),
        };

        private static int Report(string[] args)
        {
            string input = StepTiming.Option(args, "--in", ""), outDirectory = StepTiming.Option(args, "--out", ""), baseline = StepTiming.Option(args, "--baseline", "");
            if (input.Length == 0 || outDirectory.Length == 0 || args.Length != (baseline.Length > 0 ? 6 : 4))
                return Fail($"{ReportCommand} takes --in results.json, --out DIR and optionally --baseline results.json.");
            var earlier = ReadResults(input);
            if (baseline.Length > 0) earlier = earlier with { Baseline = TablesBaseline.Read(baseline) };
            Directory.CreateDirectory(outDirectory);
            Write(earlier, outDirectory);
            Console.WriteLine($"wrote results.json and results.md to {Path.GetFullPath(outDirectory)}");
            return 0;
        }

        /// <summary>
        /// The results in <paramref name="path"/>, a results.json of <c>tables</c>; one from before issue 18 (one split,
        /// TrainTestSplit's, seed 1; no judged metric: accuracy or R²; no --set) is read as one seed.
        /// </summary>
        public static TablesResults ReadResults(string path)
        {
            var earlier = JsonSerializer.Deserialize<TablesResults>(File.ReadAllText(path), ScoringReport.Json)
                          ?? throw new InvalidDataException($"'{path}' holds no tables results.");
            var settings = earlier.Settings;
            return earlier with
            {
                Settings = settings with
                {
                    Seeds = Math.Max(settings.Seeds, 1), Split = settings.Split ?? "TrainTestSplit, seed 1 (before issue 18)",
                    RiemannianMlpSettings = settings.RiemannianMlpSettings ?? Array.Empty<CompareOptionSetting>(),
                },
                Tables = earlier.Tables.Select(t => t.Metric is null ? t with { Metric = t.Task == TablePlan.Regression ? TablePlan.RSquared : TablePlan.Accuracy } : t).ToList(),
                Runs = earlier.Runs.Select(r => r.Seed == 0 ? r with { Seed = 1 } : r).ToList(),
            };
        }

        // results.json and results.md, the summary computed from the runs and the baseline.
        private static void Write(TablesResults results, string outDirectory)
        {
            results = results with { Summary = TablesSummary.Of(results.Tables, results.Runs, results.Baseline) };
            File.WriteAllText(Path.Combine(outDirectory, "results.json"), JsonSerializer.Serialize(results, ScoringReport.Json));
            File.WriteAllText(Path.Combine(outDirectory, "results.md"), TablesReport.Markdown(results));
            TablesPlot.Save(results, outDirectory);
        }

        private static int Benchmark(string[] args)
        {
            var global = new List<string>();
            var groups = new List<List<string>>();
            for (int i = 0; i < args.Length; i++)
            {
                bool flag = args[i] is "--quick" or "--dry-run" or "--no-header";
                if (!flag && i + 1 == args.Length) return Fail($"Option '{args[i]}' has no value.");
                if (args[i] == "--data") groups.Add(new List<string> { args[i], args[++i] });
                else if (args[i] is "--quick" or "--dry-run" || GlobalValueOptions.Contains(args[i])) global.AddRange(flag ? new[] { args[i] } : new[] { args[i], args[++i] });
                else if (groups.Count == 0) return Fail($"'{args[i]}' is a table option: put it after the --data it belongs to.");
                else if (args[i] == "--no-header" || TableValueOptions.Contains(args[i])) groups[^1].AddRange(flag ? new[] { args[i] } : new[] { args[i], args[++i] });
                else return Fail($"Unknown option '{args[i]}'.");
            }
            var options = global.ToArray();
            bool quick = global.Contains("--quick");
            string outDirectory = StepTiming.Option(options, "--out", "");
            if (outDirectory.Length == 0) return Fail("--out is required.");
            string suite = StepTiming.Option(options, "--suite", "");
            if ((groups.Count == 0) == (suite.Length == 0)) return Fail("Give the tables either with --data FILE ... or with --suite FILE, not both.");
            string suiteSet = StepTiming.Option(options, "--suite-set", TablesSuite.All);
            if (suiteSet is not (TablesSuite.MetaTrain or TablesSuite.MetaTest or TablesSuite.All)) return Fail($"--suite-set must be meta-train, meta-test or all; got '{suiteSet}'.");
            if (suite.Length == 0 && (options.Contains("--suite-set") || options.Contains("--only"))) return Fail("--suite-set and --only choose tables of a --suite.");
            if (!double.TryParse(StepTiming.Option(options, "--timeout", quick ? "180" : "600"), NumberStyles.Float, CultureInfo.InvariantCulture, out double timeout) || timeout <= 0)
                return Fail("--timeout must be a positive number of seconds.");
            if (!double.TryParse(StepTiming.Option(options, "--memory-limit", "8192"), NumberStyles.Float, CultureInfo.InvariantCulture, out double memoryLimit) || memoryLimit <= 0)
                return Fail("--memory-limit must be a positive number of MB.");
            if (!int.TryParse(StepTiming.Option(options, "--seeds", "1"), out int seeds) || seeds < 1) return Fail($"--seeds must be 1 or more; got '{StepTiming.Option(options, "--seeds", "")}'.");
            var trainerFilter = List(options, "--trainers");
            var unknown = trainerFilter.Except(new[] { TablesOne.Ours, "Sdca", TablesOne.LightGbm }).ToList();
            if (unknown.Count > 0) return Fail($"--trainers: unknown '{string.Join(", ", unknown)}'; expected RiemannianMlp, Sdca, LightGbm.");
            IReadOnlyList<CompareOptionSetting> optionSettings;
            try { optionSettings = TablesOptionSettings.Parse(StepTiming.Option(options, "--set", "")); }
            catch (ArgumentException e) { return Fail(e.Message); }

            TablesBaseline? baseline = null;
            if (StepTiming.Option(options, "--baseline", "") is { Length: > 0 } baselineFile)
            {
                try { baseline = TablesBaseline.Read(baselineFile); }
                catch (Exception e) when (e is IOException or JsonException or InvalidDataException) { return Fail($"--baseline '{baselineFile}': {e.Message}"); }
            }

            var specs = new List<TableSpec>();
            if (suite.Length > 0)
            {
                try { specs.AddRange(TablesSuite.Specs(suite, suiteSet, List(options, "--only"), quick ? QuickMaxRows : null)); }
                catch (Exception e) when (e is InvalidDataException or IOException) { return Fail(e.Message); }
            }
            foreach (var group in groups)
            {
                var (spec, error) = Spec(group.ToArray(), quick);
                if (spec is null) return Fail(error!);
                specs.Add(spec);
            }
            var duplicate = specs.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null) return Fail($"Two tables are named '{duplicate.Key}': give one a --name.");

            var started = DateTime.UtcNow;
            string loadAtStart = ScoringReport.LoadAverage();
            var work = Directory.CreateTempSubdirectory("mlnetriemannian-tables-");
            try
            {
                var plans = new List<TablePlan>();
                foreach (var spec in specs)
                {
                    try { plans.Add(TablePlan.Create(spec, work.FullName)); }
                    catch (Exception e) when (e is InvalidDataException or IOException) { Console.Error.WriteLine(e.Message); return 1; }
                    var p = plans[^1];
                    Console.WriteLine($"# {p.Name}{(p.Set is null ? "" : $" ({p.Set})")}: {p.Rows} of {p.SourceRows} rows, {p.Task} on '{p.Label}'" +
                                      $"{(p.LabelValues.Count > 0 ? $" ({p.LabelValues.Count} classes)" : "")}, judged by {p.Metric}; " +
                                      string.Join(", ", p.Columns.Where(c => c.Role != TablePlan.LabelRole).GroupBy(c => c.Role).Select(g => $"{g.Count()} {g.Key}")) +
                                      (p.Ignored.Count > 0 ? $", ignored {string.Join(", ", p.Ignored.Select(c => c.Name))}" : ""));
                }
                if (global.Contains("--dry-run")) return 0;
                Directory.CreateDirectory(outDirectory);
                var settings = new TablesSettings(string.Join(" ", new[] { Command }.Concat(args).Select(Quote)), timeout, memoryLimit, TablesSplit.TestFraction,
                    seeds, TablesSplit.Description, quick, ChildProcess.OpenMpWaiting, TablePlan.InferenceRows, TablePlan.CategoricalRatio,
                    suite.Length > 0 ? suite : null, suite.Length > 0 ? suiteSet : null, optionSettings);
                var tables = plans.Select(p => new TableInfo(p.Name, p.Source, p.Task, p.Label, p.SourceRows, p.Rows, p.LabelValues.Count, p.Columns, p.Ignored,
                    p.LabelCounts, p.Metric, p.Set)).ToList();
                var runs = new List<TableRun>();
                // Table by table, and within a table seed by seed, every trainer one after another: a trainer's time is compared
                // with the others' under about the same load, and a run stopped early has whole tables.
                var jobs = plans.SelectMany(p => Enumerable.Range(1, seeds).SelectMany(seed => TablesOne.Trainers(p.Task)
                    .Where(t => trainerFilter.Count == 0 || trainerFilter.Contains(t == TablesOne.Sdca(p.Task) ? "Sdca" : t)).Select(t => (Plan: p, Seed: seed, Trainer: t)))).ToList();
                (string Train, string Test) split = default;
                for (int i = 0; i < jobs.Count; i++)
                {
                    var (plan, seed, trainer) = jobs[i];
                    if (i == 0 || jobs[i - 1].Plan != plan || jobs[i - 1].Seed != seed) split = TablesSplit.Write(plan, seed, work.FullName);
                    Console.WriteLine($"[{i + 1}/{jobs.Count}] {trainer} on {plan.Name}, seed {seed} (load {ScoringReport.LoadAverage()}):");
                    var run = RunChild(plan, trainer, seed, split, optionSettings, work.FullName, timeout, memoryLimit);
                    runs.Add(run);
                    Console.WriteLine(run.Status == "ok"
                        ? $"  {run.Status}: test {TablesReport.MetricName(plan.Task)} {run.TestMetric:F4}{(run.TestAuc is { } auc ? $", AUC {auc:F4}" : "")}, fit {run.FitSeconds:F2} s ({run.FitCpuSeconds:F2} s of processor time), peak RSS {run.PeakMemoryMB:F0} MB, {run.Model}"
                        : $"  {run.Status}: {run.Error}");
                    // Written after every run, so that a long run stopped by hand still leaves what it measured.
                    Write(new TablesResults(ScoringReport.Machine(started, loadAtStart), settings, tables, runs, null, baseline), outDirectory);
                }
                Console.WriteLine($"wrote results.json and results.md to {Path.GetFullPath(outDirectory)}");
                return 0;
            }
            finally
            {
                work.Delete(recursive: true);
            }
        }

        private static (TableSpec? Spec, string? Error) Spec(string[] group, bool quick)
        {
            string path = group[1];
            if (!File.Exists(path)) return (null, $"--data '{path}': no such file.");
            string label = StepTiming.Option(group, "--label", ""), task = StepTiming.Option(group, "--task", "");
            if (label.Length == 0) return (null, $"--data '{path}': --label is required.");
            if (task is not (TablePlan.Multiclass or TablePlan.Binary or TablePlan.Regression))
                return (null, $"--data '{path}': --task must be multiclass, binary or regression; got '{task}'.");
            if (!int.TryParse(StepTiming.Option(group, "--skip-lines", "0"), out int skip) || skip < 0) return (null, $"--data '{path}': --skip-lines must be 0 or more.");
            int? maxRows = null;
            if (group.Contains("--max-rows"))
            {
                if (!int.TryParse(StepTiming.Option(group, "--max-rows", ""), out int rows) || rows < 10) return (null, $"--data '{path}': --max-rows must be at least 10.");
                maxRows = rows;
            }
            if (quick) maxRows = Math.Min(maxRows ?? QuickMaxRows, QuickMaxRows);
            string metric = StepTiming.Option(group, "--metric", "");
            if (metric.Length > 0 && TablePlan.JudgedBy(task, metric, 0.5) is null)
                return (null, $"--data '{path}': --metric {metric} does not fit --task {task} ({TablePlan.MetricsByTask}).");
            return (new TableSpec(path, StepTiming.Option(group, "--name", Path.GetFileNameWithoutExtension(path)), label, task, skip, !group.Contains("--no-header"), maxRows,
                List(group, "--numeric"), List(group, "--categorical"), List(group, "--text"), List(group, "--ignore"), metric, null), null);
        }

        private static List<string> List(string[] args, string option) =>
            StepTiming.Option(args, option, "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

        /// <summary>
        /// Runs <c>tables-one</c> for <paramref name="trainer"/> on <paramref name="plan"/>'s <paramref name="split"/> of <paramref name="seed"/>, polling every half second: past
        /// <paramref name="timeoutSeconds"/> or <paramref name="memoryLimitMB"/> of resident memory the process tree is killed
        /// and the run recorded as "timeout" or "memory" with the peak memory read just before; a process that dies without
        /// a result is "crashed".
        /// </summary>
        private static TableRun RunChild(TablePlan plan, string trainer, int seed, (string Train, string Test) split, IReadOnlyList<CompareOptionSetting> optionSettings,
            string work, double timeoutSeconds, double memoryLimitMB)
        {
            string planFile = Path.Combine(work, $"{plan.Name}.plan.json"), resultFile = Path.Combine(work, $"{plan.Name}.s{seed}.{trainer}.result.json");
            File.WriteAllText(planFile, JsonSerializer.Serialize(plan, ScoringReport.Json));
            var start = ChildProcess.StartInfo(new[] { TablesOne.Command, "--plan", planFile, "--trainer", trainer, "--seed", seed.ToString(CultureInfo.InvariantCulture),
                "--train", split.Train, "--test", split.Test, "--result", resultFile, "--set", CompareOptionSettings.Format(optionSettings) }, redirectOutput: false);
            string load = ScoringReport.LoadAverage();
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
            while (!process.WaitForExit(500))
            {
                double peak, resident;
                // A process that has just exited has no status file, or one without memory lines (a zombie): wait again.
                try { (peak, resident) = ProcessMemory.Resident(process.Id.ToString(CultureInfo.InvariantCulture)); }
                catch (Exception e) when (e is IOException or InvalidOperationException) { continue; }
                string? stop = clock.Elapsed.TotalSeconds > timeoutSeconds ? "timeout" : resident > memoryLimitMB ? "memory" : null;
                if (stop is null) continue;
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return TableRun.NotMeasured(plan, trainer, seed, stop, stop == "timeout"
                    ? $"stopped after {timeoutSeconds:F0} s (--timeout), at {resident:F0} MB resident"
                    : $"stopped at {resident:F0} MB resident (--memory-limit {memoryLimitMB:F0}) after {clock.Elapsed.TotalSeconds:F0} s", peak)
                    with { LoadAverageAtStart = load, WallSeconds = clock.Elapsed.TotalSeconds };
            }
            var run = File.Exists(resultFile)
                ? JsonSerializer.Deserialize<TableRun>(File.ReadAllText(resultFile), ScoringReport.Json) ?? throw new InvalidDataException($"'{resultFile}' holds no result.")
                : TableRun.NotMeasured(plan, trainer, seed, "crashed", $"exited with code {process.ExitCode} without a result (its output is above)", null);
            return run with { LoadAverageAtStart = load, WallSeconds = clock.Elapsed.TotalSeconds };
        }

        private static string Quote(string argument) => argument.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'') ? $"'{argument}'" : argument;

        private static int Fail(string message)
        {
            Console.Error.WriteLine($"{message}\n{Usage}");
            return 2;
        }
    }
}
