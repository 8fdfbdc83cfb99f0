using System.Collections.Generic;
using System.Linq;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// One trainer on one table for one seed (its split and the MLContext's seed). <see cref="Status"/> is "ok", "failed" (the fit or evaluation threw: <see cref="Error"/>),
    /// "timeout" or "memory" (stopped by the parent at the time or resident-memory limit) or "crashed" (the process died).
    /// <see cref="TestMetric"/> and <see cref="TrainingMetric"/> are micro-accuracy (multiclass), accuracy (binary) or R²
    /// (regression); <see cref="FitSeconds"/> is the whole pipeline's Fit (featurization included); <see cref="PeakMemoryMB"/>
    /// is the process's VmHWM after the fit (or when it was stopped); <see cref="LoadAverageAtStart"/> is /proc/loadavg as the
    /// parent started the process, <see cref="WallSeconds"/> the process's whole life (both set by the parent);
    /// <see cref="FitCpuSeconds"/> is the processor time all the process's threads spent during the Fit (user and system):
    /// on a busy machine it moves far less than the wall time, so two builds can be compared by it when no idle machine is at hand.
    /// </summary>
    internal sealed record TableRun(string Table, string Task, string Trainer, int Seed, string Status, string? Error, double? FitSeconds, double? PeakMemoryMB,
        double? TestMetric, double? TestAuc, double? TestRmse, double? TrainingMetric, long? TrainingRows, long? TestRows, int? FeatureSlots,
        int Classes, string? Model, string? LoadAverageAtStart, double? WallSeconds, double? FitCpuSeconds = null)
    {
        /// <summary>A run without figures: it failed, was stopped or crashed.</summary>
        public static TableRun NotMeasured(TablePlan plan, string trainer, int seed, string status, string error, double? peakMemoryMB) =>
            new(plan.Name, plan.Task, trainer, seed, status, error, null, peakMemoryMB, null, null, null, null, null, null, null, plan.LabelValues.Count, null, null, null);
    }

    /// <summary>
    /// A table as the benchmark read it: its source, the rows kept, every column's role, the rows of each class (in the
    /// classes' key order; none for regression), the metric it is judged by (accuracy, auc or r2) and its suite set
    /// (meta-train or meta-test; null outside a suite).
    /// </summary>
    internal sealed record TableInfo(string Name, string Source, string Task, string Label, int SourceRows, int Rows, int Classes,
        IReadOnlyList<TableColumn> Columns, IReadOnlyList<TableColumn> Ignored, IReadOnlyList<int>? ClassRows, string Metric, string? Set);

    /// <summary>
    /// What was run: the limits per process, the split (<see cref="TestFraction"/> held out, seeds 1..<see cref="Seeds"/>),
    /// how OpenMP threads waited, the suite file and set (null without <c>--suite</c>) and RiemannianMlp's <c>--set</c> options.
    /// </summary>
    internal sealed record TablesSettings(string CommandLine, double TimeoutSeconds, double MemoryLimitMB, double TestFraction, int Seeds, string Split, bool Quick,
        string OpenMpWaiting, int InferenceRows, double CategoricalRatio, string? Suite, string? SuiteSet, IReadOnlyList<CompareOptionSetting> RiemannianMlpSettings);

    /// <summary>
    /// Everything results.json holds: the runs, the baseline they are compared with (if any: <c>--baseline</c>) and, computed
    /// from both, the medians and scores (<see cref="TablesSummary"/>).
    /// </summary>
    internal sealed record TablesResults(MachineInfo Machine, TablesSettings Settings, IReadOnlyList<TableInfo> Tables, IReadOnlyList<TableRun> Runs, TablesSummary? Summary,
        TablesBaseline? Baseline = null);

    /// <summary>
    /// RiemannianMlp's medians in an earlier run (<c>--baseline FILE</c>, e.g. the defaults before a change): the file, that
    /// run's commit and command, and per table its judged metric's median.
    /// </summary>
    internal sealed record TablesBaseline(string File, string? Commit, string? CommandLine, IReadOnlyList<BaselineTable> Tables)
    {
        /// <summary>The baseline of the results in <paramref name="path"/>: RiemannianMlp's medians of every table there.</summary>
        public static TablesBaseline Read(string path)
        {
            var earlier = MLNetRiemannian.Benchmarks.Tables.ReadResults(path);
            var summary = TablesSummary.Of(earlier.Tables, earlier.Runs, null);
            return new TablesBaseline(path, earlier.Machine.Commit, earlier.Settings.CommandLine, summary.Tables.Select(t =>
                new BaselineTable(t.Table, t.Metric, t.Trainers.FirstOrDefault(x => x.Trainer == TablesOne.Ours)?.Judged)).ToList());
        }
    }

    /// <summary>A table of a baseline: RiemannianMlp's median of the judged metric (null if it had no ok run).</summary>
    internal sealed record BaselineTable(string Table, string Metric, double? Judged);
}
