using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// One <c>--data</c> group of the <c>tables</c> command or one table of a suite file: the file, how to read it, its label
    /// and task, any column named by hand, the metric it is judged by (<see cref="TablePlan.Accuracy"/>,
    /// <see cref="TablePlan.Auc"/> or <see cref="TablePlan.RSquared"/>) and, in a suite, its set (meta-train or meta-test).
    /// </summary>
    internal sealed record TableSpec(string Path, string Name, string Label, string Task, int SkipLines, bool HasHeader, int? MaxRows,
        IReadOnlyList<string> Numeric, IReadOnlyList<string> Categorical, IReadOnlyList<string> Text, IReadOnlyList<string> Ignore,
        string Metric, string? Set);

    /// <summary>A column of a table and how it is featurized: numeric, categorical, text, ignored or label.</summary>
    internal sealed record TableColumn(string Name, string Role, bool NamedByHand, int DistinctValues, int MissingValues);

    /// <summary>
    /// What every trainer's process of a table reads: the table in normal form (<see cref="Csv"/>: the used columns in file
    /// order, a header, every missing value as an empty field), its columns' roles, the label's values (the classes, in key
    /// order) and how many rows hold each, the rows kept, and the metric the table is judged by.
    /// </summary>
    internal sealed record TablePlan(string Name, string Source, string Task, string Label, string Csv, IReadOnlyList<TableColumn> Columns,
        IReadOnlyList<TableColumn> Ignored, IReadOnlyList<string> LabelValues, IReadOnlyList<int> LabelCounts, int Rows, int SourceRows, string Metric, string? Set)
    {
        public const string Numeric = "numeric", Categorical = "categorical", Text = "text", Ignore = "ignored", LabelRole = "label";
        public const string Multiclass = "multiclass", Binary = "binary", Regression = "regression";

        /// <summary>The metrics a table is judged by: hold-out (micro-)accuracy, AUC (binary only) or R² (regression only).</summary>
        public const string Accuracy = "accuracy", Auc = "auc", RSquared = "r2";

        /// <summary>
        /// A binary table whose rarer class holds less than this share of the rows is judged by AUC unless told otherwise
        /// (issue 18: "AUC where a class is under 10 %").
        /// </summary>
        public const double AucBelowShare = 0.10;

        /// <summary>Which metric fits which task, for messages.</summary>
        public const string MetricsByTask = "accuracy or auc for binary, accuracy for multiclass, r2 for regression";

        /// <summary>
        /// The metric <paramref name="metric"/> names for <paramref name="task"/>, or the default when it is empty: R² for
        /// regression, AUC for a binary table whose rarer class is under <see cref="AucBelowShare"/> of the rows
        /// (<paramref name="minorityShare"/>), accuracy otherwise. Null when the metric does not fit the task.
        /// </summary>
        public static string? JudgedBy(string task, string metric, double minorityShare) => (task, metric) switch
        {
            (Regression, "" or RSquared) => RSquared,
            (Binary, "") => minorityShare < AucBelowShare ? Auc : Accuracy,
            (Binary, Accuracy or Auc) => metric,
            (Multiclass, "" or Accuracy) => Accuracy,
            _ => null,
        };

        /// <summary>
        /// A string column is one-hot encoded when, over its first <see cref="InferenceRows"/> rows, distinct ÷ non-missing
        /// values is below <see cref="CategoricalRatio"/>, and featurized as text otherwise: AutoML's rule
        /// (PurposeInference in Microsoft.ML.AutoML, which Model Builder runs), except that a column AutoML would ignore
        /// (mostly distinct short values, such as identifiers) is featurized as text here; drop it with <c>--ignore</c>.
        /// </summary>
        public const int InferenceRows = 1000;

        /// <inheritdoc cref="InferenceRows"/>
        public const double CategoricalRatio = 0.7;

        /// <summary>Fields that mean "no value" (R writes NA; UCI files use ?).</summary>
        public static readonly string[] MissingTokens = { "", "NA", "NaN", "?" };

        /// <summary>
        /// Reads <paramref name="spec"/>'s file, decides every column's role, keeps at most <see cref="TableSpec.MaxRows"/> rows
        /// (a uniform sample, seed 1, in file order), and writes the normal form into <paramref name="directory"/>.
        /// Throws <see cref="InvalidDataException"/> naming the column, the line and the value for anything it cannot use.
        /// </summary>
        public static TablePlan Create(TableSpec spec, string directory)
        {
            var csv = TablesCsv.Read(spec.Path, spec.SkipLines, spec.HasHeader);
            string where = $"'{spec.Path}'";
            int Index(string column) => Array.IndexOf(csv.Header, column) is int i and >= 0 ? i
                : throw new InvalidDataException($"{where} has no column '{column}'; its columns are {string.Join(", ", csv.Header)}.");
            int label = Index(spec.Label);
            var byHand = new Dictionary<int, string>();
            foreach (var (names, role) in new[] { (spec.Numeric, Numeric), (spec.Categorical, Categorical), (spec.Text, Text), (spec.Ignore, Ignore) })
                foreach (string name in names)
                {
                    int i = Index(name);
                    if (i == label) throw new InvalidDataException($"{where}: column '{name}' is the label; it cannot also be {role}.");
                    if (byHand.TryGetValue(i, out string? other) && other != role)
                        throw new InvalidDataException($"{where}: column '{name}' is named both {other} and {role}.");
                    byHand[i] = role;
                }

            var rows = Sample(csv, spec.MaxRows);
            var columns = new List<(int Index, TableColumn Column)>();
            for (int c = 0; c < csv.Header.Length; c++)
            {
                var values = rows.Select(r => csv.Rows[r][c]).ToList();
                int missing = values.Count(IsMissing);
                int distinct = values.Where(v => !IsMissing(v)).Distinct().Count();
                string role = c == label ? LabelRole : byHand.TryGetValue(c, out string? chosen) ? chosen : Infer(csv, rows, c);
                if (role == Numeric) CheckNumbers(csv, rows, c, where, allowMissing: true);
                if (role != Ignore && missing == values.Count)
                    throw new InvalidDataException($"{where}: column '{csv.Header[c]}' has no value in any row; drop it with --ignore {csv.Header[c]}.");
                columns.Add((c, new TableColumn(csv.Header[c], role, byHand.ContainsKey(c), distinct, missing)));
            }
            var labelValues = ReadLabelValues(csv, rows, label, spec.Task, where);
            var labelCounts = labelValues.Select(v => rows.Count(r => csv.Rows[r][label] == v)).ToList();
            double minorityShare = labelCounts.Count > 0 ? (double)labelCounts.Min() / rows.Count : 1;
            string metric = JudgedBy(spec.Task, spec.Metric, minorityShare)
                            ?? throw new InvalidDataException($"{where}: metric '{spec.Metric}' does not fit task '{spec.Task}' ({TablePlan.MetricsByTask}).");

            // Every missing value becomes an empty field: a number the column's mean (ReplaceMissingValues), a category or
            // a text no value (the missing key: a zero one-hot vector, an empty text), whichever of the tokens marked it.
            var used = columns.Where(x => x.Column.Role != Ignore).ToList();
            string normal = Path.Combine(directory, $"{spec.Name}.csv");
            TablesCsv.Write(normal, used.Select(x => x.Column.Name),
                rows.Select(r => used.Select(x => IsMissing(csv.Rows[r][x.Index]) ? "" : csv.Rows[r][x.Index]).ToArray()));
            return new TablePlan(spec.Name, spec.Path, spec.Task, spec.Label, normal, used.Select(x => x.Column).ToList(),
                columns.Where(x => x.Column.Role == Ignore).Select(x => x.Column).ToList(), labelValues, labelCounts, rows.Count, csv.Rows.Count, metric, spec.Set);
        }

        private static bool IsMissing(string field) => MissingTokens.Contains(field.Trim());

        private static bool IsNumber(string field) => double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

        // Numbers if every present value parses; else categorical or text by AutoML's cardinality rule.
        private static string Infer(TablesCsv csv, IReadOnlyList<int> rows, int c)
        {
            var present = rows.Select(r => csv.Rows[r][c]).Where(v => !IsMissing(v)).ToList();
            if (present.All(IsNumber)) return Numeric;
            var head = present.Take(InferenceRows).ToList();
            return (double)head.Distinct().Count() / head.Count < CategoricalRatio ? Categorical : Text;
        }

        private static void CheckNumbers(TablesCsv csv, IReadOnlyList<int> rows, int c, string where, bool allowMissing)
        {
            foreach (int r in rows)
            {
                string value = csv.Rows[r][c];
                if (IsMissing(value) ? !allowMissing : !IsNumber(value))
                    throw new InvalidDataException($"{where}, line {csv.LineNumbers[r]}, column '{csv.Header[c]}': '{value}' is not a number" +
                                                   $"{(allowMissing ? "" : " (the label of a regression may not be missing)")}.");
            }
        }

        // The classes in key order (by value when all are numbers, else ordinal); binary needs exactly two, the first is false.
        private static IReadOnlyList<string> ReadLabelValues(TablesCsv csv, IReadOnlyList<int> rows, int label, string task, string where)
        {
            if (task == Regression)
            {
                CheckNumbers(csv, rows, label, where, allowMissing: false);
                return Array.Empty<string>();
            }
            var missing = rows.FirstOrDefault(r => IsMissing(csv.Rows[r][label]), -1);
            if (missing >= 0) throw new InvalidDataException($"{where}, line {csv.LineNumbers[missing]}: the label '{csv.Header[label]}' has no value.");
            var values = rows.Select(r => csv.Rows[r][label]).Distinct().ToList();
            values = values.All(IsNumber)
                ? values.OrderBy(v => double.Parse(v, CultureInfo.InvariantCulture)).ToList()
                : values.Order(StringComparer.Ordinal).ToList();
            if (task == Binary && values.Count != 2)
                throw new InvalidDataException($"{where}: a binary label needs exactly 2 values; '{csv.Header[label]}' has {values.Count} ({string.Join(", ", values.Take(5))}{(values.Count > 5 ? ", ..." : "")}).");
            if (values.Count < 2) throw new InvalidDataException($"{where}: the label '{csv.Header[label]}' has one value only ('{values[0]}').");
            return values;
        }

        // All rows, or maxRows of them drawn uniformly (partial Fisher-Yates, seed 1), kept in file order.
        private static List<int> Sample(TablesCsv csv, int? maxRows)
        {
            var all = Enumerable.Range(0, csv.Rows.Count).ToArray();
            if (maxRows is not { } keep || keep >= all.Length) return all.ToList();
            var random = new Random(1);
            for (int i = 0; i < keep; i++)
            {
                int j = random.Next(i, all.Length);
                (all[i], all[j]) = (all[j], all[i]);
            }
            return all.Take(keep).Order().ToList();
        }
    }
}
