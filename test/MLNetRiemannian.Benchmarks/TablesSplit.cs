using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// The hold-out split of <c>tables</c> for one seed: <see cref="TestFraction"/> of the rows held out, stratified by class
    /// for classification (each class's rows shuffled and round(fraction × its rows) of them held out, so every seed keeps
    /// the classes' shares) and drawn from all rows for regression. The parent writes the training and test rows of a table's
    /// normal form into two files that every trainer's process of that seed reads: the same rows for every trainer.
    /// </summary>
    internal static class TablesSplit
    {
        /// <summary>The share of the rows held out for the test metric.</summary>
        public const double TestFraction = 0.2;

        /// <summary>How the report describes the split.</summary>
        public const string Description = "stratified by class for classification, uniform for regression; System.Random(seed) shuffles";

        /// <summary>
        /// The test rows (ascending) of <paramref name="rows"/> rows for <paramref name="seed"/>: per stratum of
        /// <paramref name="strata"/> (the label of every row; null for one stratum), in ordinal order of the strata, the
        /// stratum's rows shuffled by one <see cref="Random"/>(<paramref name="seed"/>) and the first
        /// round(<see cref="TestFraction"/> × its rows), halves up, held out.
        /// </summary>
        public static int[] TestRows(IReadOnlyList<string>? strata, int rows, int seed)
        {
            var random = new Random(seed);
            var groups = strata is null
                ? new[] { Enumerable.Range(0, rows).ToArray() }
                : Enumerable.Range(0, rows).GroupBy(i => strata[i], StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.ToArray()).ToArray();
            var test = new List<int>();
            foreach (var group in groups)
            {
                for (int i = group.Length - 1; i > 0; i--)
                {
                    int j = random.Next(i + 1);
                    (group[i], group[j]) = (group[j], group[i]);
                }
                test.AddRange(group.Take((int)Math.Round(TestFraction * group.Length, MidpointRounding.AwayFromZero)));
            }
            return test.Order().ToArray();
        }

        /// <summary>
        /// Writes <paramref name="plan"/>'s normal form split for <paramref name="seed"/> into <paramref name="directory"/> as
        /// NAME.sSEED.train.csv and NAME.sSEED.test.csv (rows in file order) and returns the two paths.
        /// </summary>
        public static (string Train, string Test) Write(TablePlan plan, int seed, string directory)
        {
            var csv = TablesCsv.Read(plan.Csv, 0, hasHeader: true);
            int label = Array.IndexOf(csv.Header, plan.Label);
            var strata = plan.Task == TablePlan.Regression ? null : csv.Rows.Select(r => r[label]).ToList();
            var test = new HashSet<int>(TestRows(strata, csv.Rows.Count, seed));
            string train = Path.Combine(directory, $"{plan.Name}.s{seed}.train.csv"), held = Path.Combine(directory, $"{plan.Name}.s{seed}.test.csv");
            TablesCsv.Write(train, csv.Header, csv.Rows.Where((_, i) => !test.Contains(i)));
            TablesCsv.Write(held, csv.Header, csv.Rows.Where((_, i) => test.Contains(i)));
            return (train, held);
        }
    }
}
