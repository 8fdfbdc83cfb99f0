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
    /// <c>tables --out DIR --data FILE --label COL --task multiclass|binary|regression [table options] [--data ...]</c>:
    /// RiemannianMlp, the task's SDCA trainer and LightGbm on CSV tables featurized as Model Builder does
    /// (<see cref="TablePlan"/>, <see cref="TablesOne"/>), each trainer on each table in a process of its own with a time and
    /// memory limit. Writes DIR/results.json and DIR/results.md.
    /// </summary>
    internal static class Tables
    {
        public const string Command = "tables";

        private const string Usage =
            "usage: MLNetRiemannian.Benchmarks tables --out DIR [--quick] [--timeout S] [--memory-limit MB] [--trainers A,B]\n" +
            "                                         --data FILE --label COL --task multiclass|binary|regression [table options] [--data FILE ...]\n" +
            "  --out DIR           where results.json and results.md go\n" +
            "  --quick             at most 300 rows per table and a 180 s limit: for the test that keeps the tool working\n" +
            "  --timeout S         seconds one trainer's process may run before it is stopped and recorded as 'timeout' (default 600)\n" +
            "  --memory-limit MB   resident memory at which a trainer's process is stopped and recorded as 'memory' (default 8192)\n" +
            "  --trainers A,B      only these trainers (RiemannianMlp, Sdca, LightGbm: Sdca stands for the task's SDCA trainer)\n" +
            "Each --data starts a table; the options after it, up to the next --data, are that table's:\n" +
            "  --label COL         the label column (required)\n" +
            "  --task T            multiclass, binary (exactly two label values; the first in sort order is false) or regression (required)\n" +
            "  --name N            the table's name in the report (default: the file's name without extension)\n" +
            "  --skip-lines N      lines before the header (or the first row) to skip (default 0)\n" +
            "  --no-header         the file has no header; columns are named C0, C1, ...\n" +
            "  --max-rows N        keep N rows drawn uniformly (seed 1)\n" +
            "  --numeric A,B  --categorical A,B  --text A,B  --ignore A,B   name columns' roles by hand instead of inferring them";

        private static readonly string[] GlobalValueOptions = { "--out", "--timeout", "--memory-limit", "--trainers" };
        private static readonly string[] TableValueOptions = { "--label", "--task", "--name", "--skip-lines", "--max-rows", "--numeric", "--categorical", "--text", "--ignore" };
        private const int QuickMaxRows = 300;

        /// <summary>Whether <paramref name="command"/> is <c>tables</c> or its hidden child command.</summary>
        public static bool Handles(string command) => command is Command or TablesOne.Command;

        /// <summary>Runs <c>args[0]</c> with the rest of <paramref name="args"/>.</summary>
        public static int Run(string[] args) => args[0] == TablesOne.Command ? TablesOne.Run(args[1..]) : Benchmark(args[1..]);

        private static int Benchmark(string[] args)
        {
            var global = new List<string>();
            var groups = new List<List<string>>();
            for (int i = 0; i < args.Length; i++)
            {
                bool flag = args[i] is "--quick" or "--no-header";
                if (!flag && i + 1 == args.Length) return Fail($"Option '{args[i]}' has no value.");
                if (args[i] == "--data") groups.Add(new List<string> { args[i], args[++i] });
                else if (args[i] == "--quick" || GlobalValueOptions.Contains(args[i])) global.AddRange(flag ? new[] { args[i] } : new[] { args[i], args[++i] });
                else if (groups.Count == 0) return Fail($"'{args[i]}' is a table option: put it after the --data it belongs to.");
                else if (args[i] == "--no-header" || TableValueOptions.Contains(args[i])) groups[^1].AddRange(flag ? new[] { args[i] } : new[] { args[i], args[++i] });
                else return Fail($"Unknown option '{args[i]}'.");
            }
            bool quick = global.Contains("--quick");
            string outDirectory = StepTiming.Option(global.ToArray(), "--out", "");
            if (outDirectory.Length == 0) return Fail("--out is required.");
            if (groups.Count == 0) return Fail("At least one --data FILE is required.");
            if (!double.TryParse(StepTiming.Option(global.ToArray(), "--timeout", quick ? "180" : "600"), NumberStyles.Float, CultureInfo.InvariantCulture, out double timeout) || timeout <= 0)
                return Fail("--timeout must be a positive number of seconds.");
            if (!double.TryParse(StepTiming.Option(global.ToArray(), "--memory-limit", "8192"), NumberStyles.Float, CultureInfo.InvariantCulture, out double memoryLimit) || memoryLimit <= 0)
                return Fail("--memory-limit must be a positive number of MB.");
            var trainerFilter = List(global.ToArray(), "--trainers");
            var unknown = trainerFilter.Except(new[] { TablesOne.Ours, "Sdca", TablesOne.LightGbm }).ToList();
            if (unknown.Count > 0) return Fail($"--trainers: unknown '{string.Join(", ", unknown)}'; expected RiemannianMlp, Sdca, LightGbm.");

            var specs = new List<TableSpec>();
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
                    Console.WriteLine($"# {p.Name}: {p.Rows} of {p.SourceRows} rows, {p.Task} on '{p.Label}'{(p.LabelValues.Count > 0 ? $" ({p.LabelValues.Count} classes)" : "")}; " +
                                      string.Join(", ", p.Columns.Where(c => c.Role != TablePlan.LabelRole).GroupBy(c => c.Role).Select(g => $"{g.Count()} {g.Key}")) +
                                      (p.Ignored.Count > 0 ? $", ignored {string.Join(", ", p.Ignored.Select(c => c.Name))}" : ""));
                }
                Directory.CreateDirectory(outDirectory);
                var settings = new TablesSettings(string.Join(" ", new[] { Command }.Concat(args).Select(Quote)), timeout, memoryLimit, TablesOne.TestFraction,
                    TablesOne.Seed, quick, ChildProcess.OpenMpWaiting, TablePlan.InferenceRows, TablePlan.CategoricalRatio);
                var tables = plans.Select(p => new TableInfo(p.Name, p.Source, p.Task, p.Label, p.SourceRows, p.Rows, p.LabelValues.Count, p.Columns, p.Ignored)).ToList();
                var runs = new List<TableRun>();
                var jobs = plans.SelectMany(p => TablesOne.Trainers(p.Task)
                    .Where(t => trainerFilter.Count == 0 || trainerFilter.Contains(t == TablesOne.Sdca(p.Task) ? "Sdca" : t)).Select(t => (Plan: p, Trainer: t))).ToList();
                for (int i = 0; i < jobs.Count; i++)
                {
                    var (plan, trainer) = jobs[i];
                    Console.WriteLine($"[{i + 1}/{jobs.Count}] {trainer} on {plan.Name} (load {ScoringReport.LoadAverage()}):");
                    var run = RunChild(plan, trainer, work.FullName, timeout, memoryLimit);
                    runs.Add(run);
                    Console.WriteLine(run.Status == "ok"
                        ? $"  {run.Status}: test {TablesReport.MetricName(plan.Task)} {run.TestMetric:F4}{(run.TestAuc is { } auc ? $", AUC {auc:F4}" : "")}, fit {run.FitSeconds:F2} s, peak RSS {run.PeakMemoryMB:F0} MB, {run.Model}"
                        : $"  {run.Status}: {run.Error}");
                    // Written after every run, so that a long run stopped by hand still leaves what it measured.
                    var results = new TablesResults(ScoringReport.Machine(started, loadAtStart), settings, tables, runs);
                    File.WriteAllText(Path.Combine(outDirectory, "results.json"), JsonSerializer.Serialize(results, ScoringReport.Json));
                    File.WriteAllText(Path.Combine(outDirectory, "results.md"), TablesReport.Markdown(results));
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
            return (new TableSpec(path, StepTiming.Option(group, "--name", Path.GetFileNameWithoutExtension(path)), label, task, skip, !group.Contains("--no-header"), maxRows,
                List(group, "--numeric"), List(group, "--categorical"), List(group, "--text"), List(group, "--ignore")), null);
        }

        private static List<string> List(string[] args, string option) =>
            StepTiming.Option(args, option, "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

        /// <summary>
        /// Runs <c>tables-one</c> for <paramref name="trainer"/> on <paramref name="plan"/>, polling every half second: past
        /// <paramref name="timeoutSeconds"/> or <paramref name="memoryLimitMB"/> of resident memory the process tree is killed
        /// and the run recorded as "timeout" or "memory" with the peak memory read just before; a process that dies without
        /// a result is "crashed".
        /// </summary>
        private static TableRun RunChild(TablePlan plan, string trainer, string work, double timeoutSeconds, double memoryLimitMB)
        {
            string planFile = Path.Combine(work, $"{plan.Name}.plan.json"), resultFile = Path.Combine(work, $"{plan.Name}.{trainer}.result.json");
            File.WriteAllText(planFile, JsonSerializer.Serialize(plan, ScoringReport.Json));
            var start = ChildProcess.StartInfo(new[] { TablesOne.Command, "--plan", planFile, "--trainer", trainer, "--result", resultFile }, redirectOutput: false);
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
                return TableRun.NotMeasured(plan, trainer, stop, stop == "timeout"
                    ? $"stopped after {timeoutSeconds:F0} s (--timeout), at {resident:F0} MB resident"
                    : $"stopped at {resident:F0} MB resident (--memory-limit {memoryLimitMB:F0}) after {clock.Elapsed.TotalSeconds:F0} s", peak)
                    with { LoadAverageAtStart = load, WallSeconds = clock.Elapsed.TotalSeconds };
            }
            var run = File.Exists(resultFile)
                ? JsonSerializer.Deserialize<TableRun>(File.ReadAllText(resultFile), ScoringReport.Json) ?? throw new InvalidDataException($"'{resultFile}' holds no result.")
                : TableRun.NotMeasured(plan, trainer, "crashed", $"exited with code {process.ExitCode} without a result (its output is above)", null);
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
