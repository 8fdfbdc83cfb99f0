using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Tests.Integration;
using MLNetRiemannian.Tests.Reference;

namespace MLNetRiemannian.Tests.Benchmarks
{
    /// <summary>
    /// Keeps the benchmarks' <c>tables</c> command from rotting: runs it with the built benchmarks app as a separate
    /// <c>dotnet</c> process in suite mode on two committed tables (breast cancer judged by AUC in meta-train, Boston in
    /// meta-test; <c>--quick</c>: 300 rows, two seeds), reads results.json as any consumer would (JSON, not the app's
    /// types) and checks the tables' inferred columns, the splits, every run's figures, the medians and the scores; checks
    /// the score arithmetic of <c>tables-report</c> (with a baseline) against a hand-worked example; checks that missing numbers and
    /// categories are featurized, not dropped or made a category; and checks that a bad column name, a bad option and a
    /// time limit are reported, not crashed on.
    /// </summary>
    [TestClass]
    public sealed class TablesToolTests
    {
        private static readonly string[] BinaryTrainers = { "RiemannianMlp", "SdcaLogisticRegression", "LightGbm" };

        public TestContext TestContext { get; set; } = null!;

        // breast_cancer.csv: a first line "569,30,malignant,benign", no header, 30 features then the 0/1 target.
        private static readonly string[] BreastCancer = { "--data", SampleData.DataPath("breast_cancer.csv"), "--skip-lines", "1", "--no-header", "--label", "C30", "--task", "binary" };

        // The two committed tables as a suite file names them (absolute paths: the root does not matter).
        private static string Suite(string directory)
        {
            string path = Path.Combine(directory, "suite.json");
            File.WriteAllText(path, JsonSerializer.Serialize(new
            {
                about = "two tables for the test",
                tables = new object[]
                {
                    new { name = "breast_cancer", set = "meta-train", file = SampleData.DataPath("breast_cancer.csv"), label = "C30", task = "binary", metric = "auc", skipLines = 1, noHeader = true },
                    new { name = "boston", set = "meta-test", file = SampleData.DataPath("boston_house_prices.csv"), label = "MEDV", task = "regression", metric = "r2", skipLines = 1, ignore = new[] { "B" } },
                },
            }));
            return path;
        }

        [TestMethod]
        public void QuickSuiteWritesSaneResultsMediansAndScores()
        {
            var directory = Directory.CreateTempSubdirectory("mlnetriemannian-tables-");
            try
            {
                var (exitCode, stdout, stderr) = Run(new[] { "tables", "--quick", "--seeds", "2", "--suite", Suite(directory.FullName), "--out", directory.FullName });
                Assert.AreEqual(0, exitCode, $"tables --quick --suite failed.\nstdout:\n{stdout}\nstderr:\n{stderr}");
                var plot = File.ReadAllBytes(Path.Combine(directory.FullName, "vs-lightgbm.png"));
                CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, plot.Take(4).ToArray(), "vs-lightgbm.png beside results.md is a PNG image");

                using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory.FullName, "results.json")));
                var root = results.RootElement;
                var tables = root.GetProperty("tables").EnumerateArray().ToList();
                CollectionAssert.AreEqual(new[] { "breast_cancer", "boston" }, tables.Select(t => t.GetProperty("name").GetString()).ToArray(), "the suite's tables, in order");
                CollectionAssert.AreEqual(new[] { "meta-train", "meta-test" }, tables.Select(t => t.GetProperty("set").GetString()).ToArray());
                CollectionAssert.AreEqual(new[] { "auc", "r2" }, tables.Select(t => t.GetProperty("metric").GetString()).ToArray());
                var cancer = tables[0];
                Assert.AreEqual(569, cancer.GetProperty("sourceRows").GetInt32(), "data rows of breast_cancer.csv");
                Assert.AreEqual(300, cancer.GetProperty("rows").GetInt32(), "--quick keeps 300 rows");
                var roles = cancer.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("role").GetString()).ToList();
                Assert.AreEqual(30, roles.Count(r => r == "numeric"), "30 numeric features inferred");
                Assert.AreEqual(1, roles.Count(r => r == "label"), "one label column");
                var classRows = cancer.GetProperty("classRows").EnumerateArray().Select(c => c.GetInt32()).ToArray();
                Assert.AreEqual(300, classRows.Sum(), "rows of the two classes");
                Assert.AreEqual("B", tables[1].GetProperty("ignored").EnumerateArray().Single().GetProperty("name").GetString(), "Boston's B dropped");

                var runs = root.GetProperty("runs").EnumerateArray().ToList();
                Assert.AreEqual(12, runs.Count, "2 tables × 2 seeds × 3 trainers");
                CollectionAssert.AreEqual(BinaryTrainers.Concat(BinaryTrainers).ToArray(), runs.Take(6).Select(r => r.GetProperty("trainer").GetString()).ToArray(), "seed by seed, every trainer in order");
                CollectionAssert.AreEqual(new[] { 1, 1, 1, 2, 2, 2 }, runs.Take(6).Select(r => r.GetProperty("seed").GetInt32()).ToArray());
                foreach (var run in runs)
                {
                    string what = $"{run.GetProperty("table").GetString()} {run.GetProperty("trainer").GetString()} seed {run.GetProperty("seed").GetInt32()}";
                    Assert.AreEqual("ok", run.GetProperty("status").GetString(), $"{what}: {run.GetProperty("error")}");
                    Assert.AreEqual(300, run.GetProperty("testRows").GetInt64() + run.GetProperty("trainingRows").GetInt64(), $"{what}: every row in one split");
                    Assert.IsTrue(run.GetProperty("fitSeconds").GetDouble() > 0, $"{what}: fit seconds");
                    Assert.IsTrue(run.GetProperty("peakMemoryMB").GetDouble() is > 10 and < 4096, $"{what}: peak {run.GetProperty("peakMemoryMB")} MB");
                }
                foreach (var run in runs.Take(6))
                {
                    string what = $"{run.GetProperty("trainer").GetString()} seed {run.GetProperty("seed").GetInt32()}";
                    // Stratified: round(0.2 × rows) of each class held out. A linear model reaches about 0.95 on this table.
                    Assert.AreEqual(classRows.Sum(n => (long)Math.Round(0.2 * n, MidpointRounding.AwayFromZero)), run.GetProperty("testRows").GetInt64(), $"{what}: test rows");
                    Assert.IsTrue(run.GetProperty("testMetric").GetDouble() is > 0.85 and <= 1, $"{what}: test accuracy {run.GetProperty("testMetric")}");
                    Assert.IsTrue(run.GetProperty("testAuc").GetDouble() is > 0.9 and <= 1, $"{what}: test AUC {run.GetProperty("testAuc")}");
                    Assert.AreEqual(30, run.GetProperty("featureSlots").GetInt32(), $"{what}: feature slots");
                }
                Assert.AreEqual(60, runs[6].GetProperty("testRows").GetInt64(), "Boston: 20 % of 300 rows, not stratified");
                Assert.AreEqual(12, runs[6].GetProperty("featureSlots").GetInt32(), "Boston: 12 features");

                // The medians and scores, recomputed here from the runs: with two seeds a median is the mean of the two.
                double Median(string table, string trainer, string property) =>
                    runs.Where(r => r.GetProperty("table").GetString() == table && r.GetProperty("trainer").GetString() == trainer).Average(r => r.GetProperty(property).GetDouble());
                var summary = root.GetProperty("summary");
                var medians = summary.GetProperty("tables").EnumerateArray().ToList();
                double cancerPoints = 100 * (Median("breast_cancer", "RiemannianMlp", "testAuc") - Median("breast_cancer", "LightGbm", "testAuc"));
                double bostonPoints = 100 * (Median("boston", "RiemannianMlp", "testMetric") - Median("boston", "LightGbm", "testMetric"));
                Assert.AreEqual(cancerPoints, medians[0].GetProperty("pointsVsLightGbm").GetDouble(), 1e-9, "breast_cancer: judged by AUC");
                Assert.AreEqual(bostonPoints, medians[1].GetProperty("pointsVsLightGbm").GetDouble(), 1e-9, "boston: R² × 100");
                Assert.AreEqual(Median("boston", "RiemannianMlp", "fitSeconds") / Median("boston", "LightGbm", "fitSeconds"),
                    medians[1].GetProperty("timeRatioVsLightGbm").GetDouble(), 1e-9, "boston: fit time ÷ LightGbm's");
                var sets = summary.GetProperty("sets").EnumerateArray().ToList();
                CollectionAssert.AreEqual(new[] { "meta-train", "meta-test", "all" }, sets.Select(x => x.GetProperty("set").GetString()).ToArray());
                Assert.AreEqual((cancerPoints + bostonPoints) / 2, sets[2].GetProperty("meanPointsVsLightGbm").GetDouble(), 1e-9, "all: the mean of the two");

                string report = File.ReadAllText(Path.Combine(directory.FullName, "results.md"));
                foreach (string heading in new[] { "## Scores (issue 18)", "## meta-train: medians over seeds 1..2", "## meta-test: medians over seeds 1..2", "## Every run" })
                    StringAssert.Contains(report, heading);
                foreach (string trainer in BinaryTrainers)
                    StringAssert.Contains(report, $"| breast_cancer | {trainer} | 2 | ok |", "results.md has a row per run");
                StringAssert.Contains(report, "| breast_cancer | AUC | ");
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        }

        // A hand-worked example through tables-report (no trainer runs). Points are 100 × the difference of the medians:
        //   a (binary, AUC, meta-train): RiemannianMlp AUCs 0.90, 0.94 → 0.92; LightGbm 0.91, 0.95 → 0.93: −1 point; SDCA
        //     0.80, 0.82 → 0.81: +11 points. Fit 2 s, 4 s → 3 s; LightGbm 1 s, 1 s → 1 s: 3×. (Accuracies, which a would
        //     not be judged by, favour RiemannianMlp: 0.99 against 0.50.)
        //   b (regression, R², meta-train): 0.80, 0.86 → 0.83; LightGbm 0.78, 0.80 → 0.79: +4 points. Fit 1.5, 2.5 → 2 s;
        //     LightGbm 0.5 s: 4×.
        //   c (multiclass, accuracy, meta-test): RiemannianMlp 0.70 on seed 1, timed out on seed 2 → 0.70 (1 of 2 seeds);
        //     LightGbm 0.72, 0.74 → 0.73: −3 points. Fit 10 s; LightGbm 2 s: 5×. No SDCA run.
        //   meta-train: mean (−1 + 4) / 2 = 1.5 points, 1 of 2 at or above LightGbm, 2 of 2 within 3 points, 2 of 2 at or
        //     above SDCA − 1; time ratios 3 and 4: median 3.5, highest 4 (b). meta-test: −3 points, 0 of 1, 1 of 1, SDCA 0
        //     of 0, median 5. all: mean 0, 1 of 3, 3 of 3, median of 3, 4, 5 = 4, highest 5 (c).
        //   Against a baseline where RiemannianMlp had 0.935 on a, 0.90 on b and 0.705 on c: a −1.5 points (the baseline was
        //     above LightGbm's 0.93, but a no longer is: below), b −7 (exempt: the baseline was above LightGbm's 0.79 and
        //     0.83 still is), c −0.5 (within 1 point). meta-train: a below, of 2; meta-test: none of 1.
        [TestMethod]
        public void ReportComputesMediansAndScoresOfAHandWorkedExample()
        {
            object Measured(string table, string task, string trainer, int seed, string status, double? metric, double? auc, double? seconds) => new
            {
                table, task, trainer, seed, status, error = status == "ok" ? null : "stopped", fitSeconds = seconds, peakMemoryMB = 100.0,
                testMetric = metric, testAuc = auc, trainingMetric = metric, model = trainer == "RiemannianMlp" ? "mlp" : "other",
            };
            object Table(string name, string task, string metric, string set) => new
            {
                name, source = $"{name}.csv", task, label = "y", sourceRows = 100, rows = 100, classes = task == "regression" ? 0 : 2,
                columns = Array.Empty<object>(), ignored = Array.Empty<object>(), metric, set,
            };
            var earlier = new
            {
                machine = new { cpu = "hand", logicalCores = 2, commit = "example" },
                settings = new { commandLine = "tables (hand-worked)", testFraction = 0.2, seeds = 2, split = "by hand", riemannianMlpSettings = Array.Empty<object>() },
                tables = new[] { Table("a", "binary", "auc", "meta-train"), Table("b", "regression", "r2", "meta-train"), Table("c", "multiclass", "accuracy", "meta-test") },
                runs = new[]
                {
                    Measured("a", "binary", "RiemannianMlp", 1, "ok", 0.99, 0.90, 2), Measured("a", "binary", "SdcaLogisticRegression", 1, "ok", 0.6, 0.80, 0.5),
                    Measured("a", "binary", "LightGbm", 1, "ok", 0.50, 0.91, 1), Measured("a", "binary", "RiemannianMlp", 2, "ok", 0.99, 0.94, 4),
                    Measured("a", "binary", "SdcaLogisticRegression", 2, "ok", 0.6, 0.82, 0.5), Measured("a", "binary", "LightGbm", 2, "ok", 0.50, 0.95, 1),
                    Measured("b", "regression", "RiemannianMlp", 1, "ok", 0.80, null, 1.5), Measured("b", "regression", "Sdca", 1, "ok", 0.5, null, 0.1),
                    Measured("b", "regression", "LightGbm", 1, "ok", 0.78, null, 0.5), Measured("b", "regression", "RiemannianMlp", 2, "ok", 0.86, null, 2.5),
                    Measured("b", "regression", "Sdca", 2, "ok", 0.5, null, 0.1), Measured("b", "regression", "LightGbm", 2, "ok", 0.80, null, 0.5),
                    Measured("c", "multiclass", "RiemannianMlp", 1, "ok", 0.70, null, 10), Measured("c", "multiclass", "LightGbm", 1, "ok", 0.72, null, 2),
                    Measured("c", "multiclass", "RiemannianMlp", 2, "timeout", null, null, null), Measured("c", "multiclass", "LightGbm", 2, "ok", 0.74, null, 2),
                },
            };
            var before = earlier with
            {
                runs = new[]
                {
                    Measured("a", "binary", "RiemannianMlp", 1, "ok", 0.99, 0.935, 2), Measured("b", "regression", "RiemannianMlp", 1, "ok", 0.90, null, 2),
                    Measured("c", "multiclass", "RiemannianMlp", 1, "ok", 0.705, null, 2),
                },
            };
            var directory = Directory.CreateTempSubdirectory("mlnetriemannian-tables-");
            try
            {
                string input = Path.Combine(directory.FullName, "earlier.json"), baseline = Path.Combine(directory.FullName, "baseline.json"), output = Path.Combine(directory.FullName, "report");
                File.WriteAllText(input, JsonSerializer.Serialize(earlier));
                File.WriteAllText(baseline, JsonSerializer.Serialize(before));
                var (exitCode, stdout, stderr) = Run(new[] { "tables-report", "--in", input, "--out", output, "--baseline", baseline });
                Assert.AreEqual(0, exitCode, $"stdout:\n{stdout}\nstderr:\n{stderr}");

                using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
                var summary = results.RootElement.GetProperty("summary");
                var tables = summary.GetProperty("tables").EnumerateArray().ToDictionary(t => t.GetProperty("table").GetString()!);
                void CheckTable(string name, double points, double? sdcaPoints, double ratio)
                {
                    var t = tables[name];
                    Assert.AreEqual(points, t.GetProperty("pointsVsLightGbm").GetDouble(), 1e-9, $"{name}: points against LightGbm");
                    if (sdcaPoints is { } p) Assert.AreEqual(p, t.GetProperty("pointsVsSdca").GetDouble(), 1e-9, $"{name}: points against SDCA");
                    else Assert.AreEqual(JsonValueKind.Null, t.GetProperty("pointsVsSdca").ValueKind, $"{name}: no SDCA run");
                    Assert.AreEqual(ratio, t.GetProperty("timeRatioVsLightGbm").GetDouble(), 1e-9, $"{name}: fit time ÷ LightGbm's");
                }
                CheckTable("a", -1, 11, 3);
                CheckTable("b", 4, 33, 4);
                CheckTable("c", -3, null, 5);
                foreach (var (name, points) in new[] { ("a", -1.5), ("b", -7.0), ("c", -0.5) })
                    Assert.AreEqual(points, tables[name].GetProperty("pointsVsBaseline").GetDouble(), 1e-9, $"{name}: points against the baseline");
                var ours = tables["a"].GetProperty("trainers").EnumerateArray().First();
                Assert.AreEqual(0.92, ours.GetProperty("judged").GetDouble(), 1e-9, "a: RiemannianMlp's median AUC");
                Assert.AreEqual(0.99, ours.GetProperty("testMetric").GetDouble(), 1e-9, "a: RiemannianMlp's median accuracy");
                var oursOnC = tables["c"].GetProperty("trainers").EnumerateArray().First();
                Assert.AreEqual((2, 1), (oursOnC.GetProperty("runs").GetInt32(), oursOnC.GetProperty("ok").GetInt32()), "c: one of two seeds ok");

                var sets = summary.GetProperty("sets").EnumerateArray().ToDictionary(x => x.GetProperty("set").GetString()!);
                void CheckSet(string name, double mean, int atOrAbove, int within3, int comparedWithSdca, int aboveSdca, double median, double highest, string slowest)
                {
                    var x = sets[name];
                    Assert.AreEqual(mean, x.GetProperty("meanPointsVsLightGbm").GetDouble(), 1e-9, $"{name}: mean points");
                    Assert.AreEqual(atOrAbove, x.GetProperty("atOrAboveLightGbm").GetInt32(), $"{name}: at or above LightGbm");
                    Assert.AreEqual(within3, x.GetProperty("withinThreePointsOfLightGbm").GetInt32(), $"{name}: within 3 points");
                    Assert.AreEqual(comparedWithSdca, x.GetProperty("comparedWithSdca").GetInt32(), $"{name}: compared with SDCA");
                    Assert.AreEqual(aboveSdca, x.GetProperty("atOrAboveSdcaMinusOnePoint").GetInt32(), $"{name}: at or above SDCA − 1");
                    Assert.AreEqual(median, x.GetProperty("medianTimeRatio").GetDouble(), 1e-9, $"{name}: median time ratio");
                    Assert.AreEqual(highest, x.GetProperty("highestTimeRatio").GetDouble(), 1e-9, $"{name}: highest time ratio");
                    Assert.AreEqual(slowest, x.GetProperty("highestTimeRatioTable").GetString(), $"{name}: slowest table");
                }
                Assert.AreEqual(3, sets.Count, "meta-train, meta-test and all");
                CheckSet("meta-train", 1.5, 1, 2, 2, 2, 3.5, 4, "b");
                CheckSet("meta-test", -3, 0, 1, 0, 0, 5, 5, "c");
                CheckSet("all", 0, 1, 3, 2, 2, 4, 5, "c");
                foreach (var (name, compared, below) in new[] { ("meta-train", 2, new[] { "a" }), ("meta-test", 1, Array.Empty<string>()), ("all", 3, new[] { "a" }) })
                {
                    Assert.AreEqual(compared, sets[name].GetProperty("comparedWithBaseline").GetInt32(), $"{name}: tables in the baseline");
                    CollectionAssert.AreEqual(below, sets[name].GetProperty("belowBaseline").EnumerateArray().Select(x => x.GetString()).ToArray(), $"{name}: below the baseline");
                }

                string report = File.ReadAllText(Path.Combine(output, "results.md"));
                StringAssert.Contains(report, "| meta-train | 2 | 2 | +1.50 | 1 of 2 | 2 of 2 | 2 of 2 | 3.50 | 4.00 (b) | – | 1 of 2: a |");
                StringAssert.Contains(report, "| a | AUC | 0.9200 | 0.8100 | 0.9300 | -1.0 | +11.0 | 3.00 | 0.50 | 1.00 | 3.00 | mlp | 0.9350 | -1.5 |");
                StringAssert.Contains(report, "| c | accuracy | 0.7000 (1 of 2 seeds ok) | – | 0.7300 | -3.0 | – |");
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        }

        // 60 rows: x (numeric, the signal: label = x > 0.5) missing on every 6th row, c (categorical, a or b, following the
        // label) missing on every 5th row as an empty field or NA. SDCA, which has no missing-value handling of its own,
        // fits it only if the featurization replaced every missing number (ReplaceMissingValues) and gave every missing
        // category no slot of its own: x plus c's two categories make 3 feature slots.
        [TestMethod]
        public void MissingNumbersAndCategoriesAreReplacedNotDropped()
        {
            var directory = Directory.CreateTempSubdirectory("mlnetriemannian-tables-");
            try
            {
                string file = Path.Combine(directory.FullName, "missing.csv");
                File.WriteAllLines(file, new[] { "x,c,y" }.Concat(Enumerable.Range(0, 60).Select(i =>
                {
                    double x = (i % 20 + 0.5) / 20;
                    string c = i % 5 == 0 ? (i % 10 == 0 ? "" : "NA") : x > 0.5 ? "b" : "a";
                    return $"{(i % 6 == 0 ? "" : x.ToString("F3", System.Globalization.CultureInfo.InvariantCulture))},{c},{(x > 0.5 ? "yes" : "no")}";
                })));
                var (exitCode, stdout, stderr) = Run(new[] { "tables", "--out", directory.FullName, "--trainers", "Sdca", "--data", file, "--label", "y", "--task", "binary" });
                Assert.AreEqual(0, exitCode, $"stdout:\n{stdout}\nstderr:\n{stderr}");
                using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory.FullName, "results.json")));
                var columns = results.RootElement.GetProperty("tables").EnumerateArray().Single().GetProperty("columns").EnumerateArray()
                    .ToDictionary(c => c.GetProperty("name").GetString()!);
                Assert.AreEqual(("numeric", 10), (columns["x"].GetProperty("role").GetString(), columns["x"].GetProperty("missingValues").GetInt32()));
                Assert.AreEqual(("categorical", 12, 2), (columns["c"].GetProperty("role").GetString(), columns["c"].GetProperty("missingValues").GetInt32(),
                    columns["c"].GetProperty("distinctValues").GetInt32()));
                var run = results.RootElement.GetProperty("runs").EnumerateArray().Single();
                Assert.AreEqual("ok", run.GetProperty("status").GetString(), run.GetProperty("error").ToString());
                Assert.AreEqual(3, run.GetProperty("featureSlots").GetInt32(), "x and the categories a and b; no slot for a missing category");
                Assert.IsTrue(run.GetProperty("trainingMetric").GetDouble() >= 0.8, $"training accuracy {run.GetProperty("trainingMetric")}: missing values did not reach SDCA as NaN");
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        }

        [TestMethod]
        public void UnknownLabelColumnIsNamedAndTimeLimitIsRecorded()
        {
            var directory = Directory.CreateTempSubdirectory("mlnetriemannian-tables-");
            try
            {
                var wrongLabel = BreastCancer.Select(a => a == "C30" ? "Diagnosis" : a).ToArray();
                var (exitCode, _, stderr) = Run(new[] { "tables", "--out", directory.FullName }.Concat(wrongLabel).ToArray());
                Assert.AreEqual(1, exitCode, stderr);
                StringAssert.Contains(stderr, "has no column 'Diagnosis'; its columns are C0, C1,");

                // No child trains 569 rows for 100,000 epochs in 1 s (the default fit now can: 0.45 s); the parent must stop it and say so.
                (exitCode, string stdout, stderr) = Run(new[] { "tables", "--out", directory.FullName, "--timeout", "1", "--trainers", "RiemannianMlp", "--set", "NumberOfEpochs=100000" }.Concat(BreastCancer).ToArray());
                Assert.AreEqual(0, exitCode, $"stdout:\n{stdout}\nstderr:\n{stderr}");
                using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory.FullName, "results.json")));
                var run = results.RootElement.GetProperty("runs").EnumerateArray().Single();
                Assert.AreEqual("timeout", run.GetProperty("status").GetString());
                Assert.AreEqual(JsonValueKind.Null, run.GetProperty("testMetric").ValueKind, "a stopped run has no metric");
                StringAssert.Contains(File.ReadAllText(Path.Combine(directory.FullName, "results.md")), "| breast_cancer | RiemannianMlp | 1 | **timeout**: stopped after 1 s");

                // Options the command cannot use are named before anything runs.
                foreach (var (arguments, message) in new[]
                {
                    (new[] { "--set", "NumberOfEpochs=zero" }.Concat(BreastCancer), "--set: NumberOfEpochs=zero: expected a positive whole number or null"),
                    (new[] { "--set", "Seed=3" }.Concat(BreastCancer), "--set: Seed is the benchmark's own"),
                    (new[] { "--set", "HiddenLayerSizes=256,0" }.Concat(BreastCancer), "--set: HiddenLayerSizes=256,0: expected positive widths separated by commas"),
                    (new[] { "--set", "NoSuchOption=1" }.Concat(BreastCancer), "'NoSuchOption' is no settable option"),
                    (new[] { "--seeds", "0" }.Concat(BreastCancer), "--seeds must be 1 or more; got '0'"),
                    (BreastCancer.Concat(new[] { "--metric", "r2" }), "--metric r2 does not fit --task binary"),
                    (new[] { "--suite", Suite(directory.FullName), "--only", "digits" }, "--only: the suite has no table 'digits'; its tables are breast_cancer, boston"),
                    (new[] { "--suite", Suite(directory.FullName), "--suite-set", "validation" }, "--suite-set must be meta-train, meta-test or all; got 'validation'"),
                })
                {
                    (exitCode, _, stderr) = Run(new[] { "tables", "--out", directory.FullName }.Concat(arguments).ToArray());
                    Assert.AreEqual(2, exitCode, stderr);
                    StringAssert.Contains(stderr, message);
                }
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        }

        private (int ExitCode, string Stdout, string Stderr) Run(string[] arguments)
        {
            var clock = Stopwatch.StartNew();
            var result = HostProcess.Run(HostProcess.DllPath("MLNetRiemannianBenchmarks"), null, arguments);
            TestContext.WriteLine($"{string.Join(" ", arguments)}: exit {result.ExitCode} after {clock.Elapsed.TotalSeconds:F1} s\n{result.Stdout}{result.Stderr}");
            return result;
        }
    }
}
