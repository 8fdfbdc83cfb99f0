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
    /// <c>dotnet</c> process on the committed breast-cancer table (<c>--quick</c>: 300 rows), reads results.json as any
    /// consumer would (JSON, not the app's types) and checks the table's inferred columns, every trainer's figures and the
    /// report; and checks that a bad column name and a time limit are reported, not crashed on.
    /// </summary>
    [TestClass]
    public sealed class TablesToolTests
    {
        private static readonly string[] Trainers = { "RiemannianMlp", "SdcaLogisticRegression", "LightGbm" };

        public TestContext TestContext { get; set; } = null!;

        // breast_cancer.csv: a first line "569,30,malignant,benign", no header, 30 features then the 0/1 target.
        private static readonly string[] BreastCancer = { "--data", SampleData.DataPath("breast_cancer.csv"), "--skip-lines", "1", "--no-header", "--label", "C30", "--task", "binary" };

        [TestMethod]
        public void QuickTablesWritesSaneResultsAndReport()
        {
            var directory = Directory.CreateTempSubdirectory("mlnetriemannian-tables-");
            try
            {
                var (exitCode, stdout, stderr) = Run(new[] { "tables", "--quick", "--out", directory.FullName }.Concat(BreastCancer).ToArray());
                Assert.AreEqual(0, exitCode, $"tables --quick failed.\nstdout:\n{stdout}\nstderr:\n{stderr}");

                using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory.FullName, "results.json")));
                var table = results.RootElement.GetProperty("tables").EnumerateArray().Single();
                Assert.AreEqual("breast_cancer", table.GetProperty("name").GetString());
                Assert.AreEqual(569, table.GetProperty("sourceRows").GetInt32(), "data rows of breast_cancer.csv");
                Assert.AreEqual(300, table.GetProperty("rows").GetInt32(), "--quick keeps 300 rows");
                var roles = table.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("role").GetString()).ToList();
                Assert.AreEqual(30, roles.Count(r => r == "numeric"), "30 numeric features inferred");
                Assert.AreEqual(1, roles.Count(r => r == "label"), "one label column");

                var runs = results.RootElement.GetProperty("runs").EnumerateArray().ToList();
                CollectionAssert.AreEqual(Trainers, runs.Select(r => r.GetProperty("trainer").GetString()).ToArray(), "one run per trainer, in order");
                foreach (var run in runs)
                {
                    string trainer = run.GetProperty("trainer").GetString()!;
                    Assert.AreEqual("ok", run.GetProperty("status").GetString(), $"{trainer}: {run.GetProperty("error")}");
                    // 300 rows split 80/20 by TrainTestSplit's hashing: about 60 test rows. A linear model reaches about 0.95 on this table.
                    Assert.IsTrue(run.GetProperty("testRows").GetInt64() is > 30 and < 90, $"{trainer}: {run.GetProperty("testRows")} test rows");
                    Assert.AreEqual(300, run.GetProperty("testRows").GetInt64() + run.GetProperty("trainingRows").GetInt64(), $"{trainer}: every row in one split");
                    Assert.IsTrue(run.GetProperty("testMetric").GetDouble() is > 0.85 and <= 1, $"{trainer}: test accuracy {run.GetProperty("testMetric")}");
                    Assert.IsTrue(run.GetProperty("testAuc").GetDouble() is > 0.9 and <= 1, $"{trainer}: test AUC {run.GetProperty("testAuc")}");
                    Assert.IsTrue(run.GetProperty("fitSeconds").GetDouble() > 0, $"{trainer}: fit seconds");
                    Assert.IsTrue(run.GetProperty("peakMemoryMB").GetDouble() is > 10 and < 4096, $"{trainer}: peak {run.GetProperty("peakMemoryMB")} MB");
                    Assert.AreEqual(30, run.GetProperty("featureSlots").GetInt32(), $"{trainer}: feature slots");
                }
                string report = File.ReadAllText(Path.Combine(directory.FullName, "results.md"));
                foreach (string trainer in Trainers)
                    StringAssert.Contains(report, $"| breast_cancer | {trainer} | ok |", "results.md has a row per trainer");
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

                // No child starts, loads ML.NET and TorchSharp and trains 569 rows in 1 s; the parent must stop it and say so.
                (exitCode, string stdout, stderr) = Run(new[] { "tables", "--out", directory.FullName, "--timeout", "1", "--trainers", "RiemannianMlp" }.Concat(BreastCancer).ToArray());
                Assert.AreEqual(0, exitCode, $"stdout:\n{stdout}\nstderr:\n{stderr}");
                using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory.FullName, "results.json")));
                var run = results.RootElement.GetProperty("runs").EnumerateArray().Single();
                Assert.AreEqual("timeout", run.GetProperty("status").GetString());
                Assert.AreEqual(JsonValueKind.Null, run.GetProperty("testMetric").ValueKind, "a stopped run has no metric");
                StringAssert.Contains(File.ReadAllText(Path.Combine(directory.FullName, "results.md")), "| breast_cancer | RiemannianMlp | **timeout**: stopped after 1 s");
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
