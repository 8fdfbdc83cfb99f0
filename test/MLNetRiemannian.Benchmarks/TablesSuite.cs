using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// One table of a suite file: its name in the report, its set (<see cref="TablesSuite.MetaTrain"/> or
    /// <see cref="TablesSuite.MetaTest"/>), the CSV (relative to the suite's root), the label, the task, the metric it is
    /// judged by (accuracy, auc or r2; default as <see cref="TablePlan.JudgedBy"/>), how to read the file and the columns
    /// whose role is set by hand (as the <c>--data</c> options of <c>tables</c>), and where the table comes from (for the reader).
    /// </summary>
    internal sealed record SuiteTable(string Name, string Set, string File, string Label, string Task, string? Metric = null, string? Source = null,
        int SkipLines = 0, bool NoHeader = false, int? MaxRows = null, IReadOnlyList<string>? Ignore = null, IReadOnlyList<string>? Numeric = null,
        IReadOnlyList<string>? Categorical = null, IReadOnlyList<string>? Text = null);

    /// <summary>
    /// A suite file of <c>tables --suite FILE</c> (JSON): <see cref="Root"/>, the folder the tables' files are relative to
    /// (itself relative to the suite file's folder; default that folder), and the tables, run in the file's order.
    /// </summary>
    internal sealed record TablesSuite(string? About, string? Root, IReadOnlyList<SuiteTable> Tables)
    {
        /// <summary>The sets of a suite: defaults are chosen on meta-train and measured once, at the end, on meta-test.</summary>
        public const string MetaTrain = "meta-train", MetaTest = "meta-test", All = "all";

        private static readonly JsonSerializerOptions Json = new(ScoringReport.Json) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

        /// <summary>
        /// The specs of <paramref name="path"/>'s tables in <paramref name="set"/> (meta-train, meta-test or all), only those
        /// named in <paramref name="only"/> when it names any, in the file's order; at most <paramref name="maxRows"/> rows
        /// each when given (<c>--quick</c>).
        /// </summary>
        /// <exception cref="InvalidDataException">The file cannot be read as a suite, a table is malformed, a table of the
        /// selection has no file (the message says how to make the public tables), or <paramref name="only"/> names a table the suite lacks.</exception>
        public static IReadOnlyList<TableSpec> Specs(string path, string set, IReadOnlyList<string> only, int? maxRows)
        {
            TablesSuite suite;
            try { suite = JsonSerializer.Deserialize<TablesSuite>(File.ReadAllText(path), Json) ?? throw new JsonException("the file holds null"); }
            catch (JsonException e) { throw new InvalidDataException($"--suite '{path}': not a suite file ({e.Message}).", e); }
            if (suite.Tables is null || suite.Tables.Count == 0) throw new InvalidDataException($"--suite '{path}': no tables.");
            string root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, suite.Root ?? "."));
            foreach (var t in suite.Tables)
            {
                string where = $"--suite '{path}', table '{t.Name}'";
                if (string.IsNullOrWhiteSpace(t.Name) || string.IsNullOrWhiteSpace(t.File) || string.IsNullOrWhiteSpace(t.Label))
                    throw new InvalidDataException($"{where}: name, file and label are required.");
                if (t.Set is not (MetaTrain or MetaTest)) throw new InvalidDataException($"{where}: set must be {MetaTrain} or {MetaTest}; got '{t.Set}'.");
                if (t.Task is not (TablePlan.Multiclass or TablePlan.Binary or TablePlan.Regression))
                    throw new InvalidDataException($"{where}: task must be multiclass, binary or regression; got '{t.Task}'.");
                if (TablePlan.JudgedBy(t.Task, t.Metric ?? "", 0.5) is null)
                    throw new InvalidDataException($"{where}: metric '{t.Metric}' does not fit task '{t.Task}' ({TablePlan.MetricsByTask}).");
            }
            var duplicate = suite.Tables.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null) throw new InvalidDataException($"--suite '{path}': two tables are named '{duplicate.Key}'.");
            var missing = only.Except(suite.Tables.Select(t => t.Name)).ToList();
            if (missing.Count > 0)
                throw new InvalidDataException($"--only: the suite has no table '{string.Join("', '", missing)}'; its tables are {string.Join(", ", suite.Tables.Select(t => t.Name))}.");

            var chosen = suite.Tables.Where(t => (set == All || t.Set == set) && (only.Count == 0 || only.Contains(t.Name))).ToList();
            if (chosen.Count == 0) throw new InvalidDataException($"--suite '{path}': no table is in set '{set}'{(only.Count > 0 ? " and named by --only" : "")}.");
            var absent = chosen.Where(t => !System.IO.File.Exists(Path.Combine(root, t.File))).ToList();
            if (absent.Count > 0)
                throw new InvalidDataException($"--suite '{path}': no file for {string.Join(", ", absent.Select(t => $"'{t.Name}' ({Path.Combine(root, t.File)})"))}; " +
                                               "`bash build/setup.sh --tables` writes the public tables into artifacts/tables.");
            // Inside the working folder (the repository, as a rule) a file is named relative to it, so that reports name no machine's folders.
            string Named(string file)
            {
                string relative = Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(root, file));
                return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? Path.Combine(root, file) : relative;
            }
            return chosen.Select(t => new TableSpec(Named(t.File), t.Name, t.Label, t.Task, t.SkipLines, !t.NoHeader,
                maxRows is { } quick ? Math.Min(t.MaxRows ?? quick, quick) : t.MaxRows, t.Numeric ?? Array.Empty<string>(), t.Categorical ?? Array.Empty<string>(),
                t.Text ?? Array.Empty<string>(), t.Ignore ?? Array.Empty<string>(), t.Metric ?? "", t.Set)).ToList();
        }
    }
}
