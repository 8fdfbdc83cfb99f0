using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Tests.Integration;

namespace MLNetRiemannian.Tests.Benchmarks
{
    /// <summary>
    /// Keeps the benchmarks' <c>compare</c> command from rotting: runs <c>compare --quick</c> (the digits, 2 epochs,
    /// seed 1) with the built benchmarks app as a separate <c>dotnet</c> process, then reads results.json as any
    /// consumer would (JSON, not the app's types) and checks its structure and that its numbers are sane, and that the
    /// report and both plots were written.
    /// </summary>
    [TestClass]
    public sealed class CompareToolTests
    {
        private static readonly string[] NetworkTrainers = { "RiemannianMlp-Identity", "RiemannianMlp-GaussNewton", "Adam", "SgdMomentum" };
        private static readonly string[] OneFitTrainers = { "LbfgsMaximumEntropy", "SdcaMaximumEntropy", "LightGbm" };
        private static readonly byte[] PngSignature = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };

        public TestContext TestContext { get; set; } = null!;

        [TestMethod]
        public void QuickCompareWritesSaneResultsReportAndPlots()
        {
            var directory = Directory.CreateTempSubdirectory("mlnetriemannian-compare-");
            try
            {
                var clock = Stopwatch.StartNew();
                var (exitCode, stdout, stderr) = HostProcess.Run(HostProcess.DllPath("MLNetRiemannianBenchmarks"), null, "compare", "--quick", "--out", directory.FullName);
                TestContext.WriteLine($"compare --quick: exit {exitCode} after {clock.Elapsed.TotalSeconds:F1} s\n{stdout}{stderr}");
                Assert.AreEqual(0, exitCode, $"compare --quick failed.\nstdout:\n{stdout}\nstderr:\n{stderr}");

                using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory.FullName, "results.json")));
                AssertMachine(results.RootElement.GetProperty("machine"));
                AssertRuns(results.RootElement.GetProperty("runs"));
                AssertHarnessCheck(results.RootElement.GetProperty("harnessCheck"));

                string report = File.ReadAllText(Path.Combine(directory.FullName, "results.md"));
                foreach (string trainer in NetworkTrainers.Concat(OneFitTrainers))
                    StringAssert.Contains(report, $"| {trainer} |", "results.md has a table row per trainer");
                foreach (string plot in new[] { "accuracy-vs-time.png", "accuracy-vs-epoch.png" })
                {
                    byte[] bytes = File.ReadAllBytes(Path.Combine(directory.FullName, plot));
                    Assert.IsTrue(bytes.Length > 10_000, $"{plot} is {bytes.Length} bytes: a 1000x650 plot with text and lines takes tens of kilobytes");
                    CollectionAssert.AreEqual(PngSignature, bytes.Take(PngSignature.Length).ToArray(), $"{plot} starts with the PNG signature");
                }
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        }

        private static void AssertMachine(JsonElement machine)
        {
            foreach (string text in new[] { "cpu", "operatingSystem", "dotNet", "date" })
                Assert.IsFalse(string.IsNullOrWhiteSpace(machine.GetProperty(text).GetString()), $"machine.{text} is set");
            Assert.IsTrue(machine.GetProperty("cores").GetInt32() >= 1, "machine.cores");
            Assert.IsTrue(machine.GetProperty("torchThreads").GetInt32() >= 1, "machine.torchThreads");
        }

        // Every trainer present for seed 1; network trainers one row per epoch 1..2 with seconds strictly growing, the
        // others one row at epoch 0; accuracies of a 10-class problem well above chance; memory and time positive.
        private static void AssertRuns(JsonElement runs)
        {
            var rows = runs.EnumerateArray().Select(r => (
                Trainer: r.GetProperty("trainer").GetString()!, Seed: r.GetProperty("seed").GetInt32(), Epoch: r.GetProperty("epoch").GetInt32(),
                Seconds: r.GetProperty("seconds").GetDouble(), Accuracy: r.GetProperty("testAccuracy").GetDouble(), PeakMB: r.GetProperty("peakMemoryMB").GetDouble())).ToList();
            CollectionAssert.AreEquivalent(NetworkTrainers.Concat(OneFitTrainers).ToArray(), rows.Select(r => r.Trainer).Distinct().ToArray(), "trainers in results.json");
            foreach (var row in rows)
            {
                string where = $"{row.Trainer}, seed {row.Seed}, epoch {row.Epoch}";
                Assert.AreEqual(1, row.Seed, where);
                Assert.IsTrue(row.Accuracy is > 0.5 and <= 1, $"{where}: test accuracy {row.Accuracy} not in (0.5, 1]");
                Assert.IsTrue(row.Seconds is > 0 and < 60, $"{where}: {row.Seconds} s of training");
                Assert.IsTrue(row.PeakMB is > 10 and < 4096, $"{where}: peak {row.PeakMB} MB");
            }
            foreach (string trainer in NetworkTrainers)
            {
                var epochs = rows.Where(r => r.Trainer == trainer).ToList();
                CollectionAssert.AreEqual(new[] { 1, 2 }, epochs.Select(r => r.Epoch).ToArray(), $"{trainer}: epochs in order");
                Assert.IsTrue(epochs[1].Seconds > epochs[0].Seconds, $"{trainer}: cumulative seconds {epochs[0].Seconds} then {epochs[1].Seconds}");
            }
            foreach (string trainer in OneFitTrainers)
                CollectionAssert.AreEqual(new[] { 0 }, rows.Where(r => r.Trainer == trainer).Select(r => r.Epoch).ToArray(), $"{trainer}: one row at epoch 0");
        }

        // The benchmark's RiemannianMlp harness reproduces the public trainer bit for bit, for both output metrics.
        private static void AssertHarnessCheck(JsonElement checks)
        {
            var list = checks.EnumerateArray().ToList();
            CollectionAssert.AreEquivalent(NetworkTrainers.Take(2).ToArray(), list.Select(c => c.GetProperty("trainer").GetString()).ToArray(), "harness checks");
            foreach (var check in list)
            {
                string trainer = check.GetProperty("trainer").GetString()!;
                Assert.AreEqual(check.GetProperty("trainerLoss").GetDouble(), check.GetProperty("harnessLoss").GetDouble(), $"{trainer}: training loss after one epoch");
                Assert.AreEqual(check.GetProperty("trainerTrainingAccuracy").GetDouble(), check.GetProperty("harnessTrainingAccuracy").GetDouble(),
                    $"{trainer}: training accuracy after one epoch");
                Assert.IsTrue(check.GetProperty("trainerTrainingAccuracy").GetDouble() > 0.5, $"{trainer}: one epoch on the digits learns something");
            }
        }
    }
}
