using System;
using System.Collections.Generic;
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
    /// consumer would (JSON, not the app's types) and checks its structure, that its numbers are sane, that its time to
    /// each accuracy level and ratios to Adam follow from its own measurements, and that the report and both plots were
    /// written.
    /// </summary>
    [TestClass]
    public sealed class CompareToolTests
    {
        private static readonly string[] NetworkTrainers = { "RiemannianMlp-Identity", "RiemannianMlp-GaussNewton", "Adam", "AdamSchedule", "SgdMomentum" };
        private static readonly double[] QuarterEpochs = { 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2 };
        private static readonly double[] DigitsLevels = { 0.90, 0.925, 0.94, 0.95, 0.96, 0.97 };
        private static readonly string[] Verdicts = { "pass", "pass (stretch)", "FAIL", "not judged", "not judged (neither reaches it)" };
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
                var runs = AssertRuns(results.RootElement.GetProperty("runs"));
                AssertHarnessCheck(results.RootElement.GetProperty("harnessCheck"));
                AssertSummaries(results.RootElement.GetProperty("summaries"), runs);
                AssertTargets(results.RootElement.GetProperty("targets"));

                string report = File.ReadAllText(Path.Combine(directory.FullName, "results.md"));
                foreach (string trainer in NetworkTrainers.Concat(OneFitTrainers))
                    StringAssert.Contains(report, $"| {trainer} |", "results.md has a table row per trainer");
                foreach (string section in new[] { "## Time to each test accuracy level", "## Targets of the speed issue", ": seconds | ÷ Adam's |" })
                    StringAssert.Contains(report, section, "results.md");
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

        // --set reaches the RiemannianMlp trainers: at η = 10⁻⁹ the network barely moves in 2 epochs, so its accuracy stays
        // that of the initial weights at every measurement (within 0.01: an argmax near a tie may flip) and near chance
        // (10 classes), while Adam, not a RiemannianMlp trainer, learns. The settings and the subset are recorded. With
        // --parts the RiemannianMlp run prints its fit loop's cost by part.
        [TestMethod]
        public void SetReachesTheRiemannianMlpTrainersOnlyAndIsRecorded()
        {
            var directory = Directory.CreateTempSubdirectory("mlnetriemannian-compare-set-");
            try
            {
                var (exitCode, stdout, stderr) = HostProcess.Run(HostProcess.DllPath("MLNetRiemannianBenchmarks"), null, "compare", "--quick",
                    "--trainers", "Adam,RiemannianMlp-Identity", "--set", "LearningRate=1e-9;Shuffle=false", "--parts", "--out", directory.FullName);
                TestContext.WriteLine($"{stdout}{stderr}");
                Assert.AreEqual(0, exitCode, $"compare --set failed.\nstdout:\n{stdout}\nstderr:\n{stderr}");
                // --parts: RiemannianMlp's run, and not Adam's, prints
                // the fit loop's parts, the loop's own work between steps among them.
                Assert.AreEqual(1, stdout.Split('\n').Count(l => l.Contains("the fit loop's parts over ")), $"one table of parts:\n{stdout}");
                // (The digits' first layer takes their encoded pixels: its input width is the encoding's.)
                foreach (string part in new[] { "    forward ", "    between steps ", "    update ", "→256: Woodbury solve " })
                    StringAssert.Contains(stdout, part, "--parts lists every part");
                using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory.FullName, "results.json")));
                var root = results.RootElement;
                CollectionAssert.AreEqual(new[] { "RiemannianMlp-Identity", "Adam" },
                    root.GetProperty("settings").GetProperty("trainers").EnumerateArray().Select(t => t.GetString()).ToArray(), "trainers, in the report's order");
                CollectionAssert.AreEqual(new[] { "LearningRate=1e-9", "Shuffle=false" }, root.GetProperty("settings").GetProperty("riemannianMlpSettings").EnumerateArray()
                    .Select(o => $"{o.GetProperty("name").GetString()}={o.GetProperty("value").GetString()}").ToArray(), "settings recorded");
                var runs = root.GetProperty("runs").EnumerateArray().ToList();
                var ours = runs.Where(r => r.GetProperty("trainer").GetString() == "RiemannianMlp-Identity").Select(r => r.GetProperty("testAccuracy").GetDouble()).ToList();
                var adam = runs.Where(r => r.GetProperty("trainer").GetString() == "Adam").Select(r => r.GetProperty("testAccuracy").GetDouble()).ToList();
                Assert.AreEqual(8, ours.Count);
                Assert.IsTrue(ours.Max() - ours.Min() <= 0.01, $"RiemannianMlp at η = 1e-9 moved: accuracies {string.Join(", ", ours)}");
                Assert.IsTrue(ours.Max() < 0.3, $"RiemannianMlp at η = 1e-9 learned: accuracies {string.Join(", ", ours)}");
                Assert.IsTrue(adam[^1] > 0.5, $"Adam is not set by --set and learns: {adam[^1]}");
                // The harness check applies the settings to the public trainer too: it agrees, and learns no more than the harness.
                foreach (var check in root.GetProperty("harnessCheck").EnumerateArray())
                {
                    string trainer = check.GetProperty("trainer").GetString()!;
                    Assert.AreEqual(check.GetProperty("trainerLoss").GetDouble(), check.GetProperty("harnessLoss").GetDouble(), $"{trainer}: training loss after one epoch");
                    Assert.IsTrue(check.GetProperty("trainerTrainingAccuracy").GetDouble() < 0.3, $"{trainer}: the public trainer at η = 1e-9 learned");
                }
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        }

        // --set "ValidationSetFraction=…" makes the harness hold rows out as the trainer does: the harness check (the public
        // trainer with the same setting against the harness, one epoch on the digits) agrees to the last digit only if both
        // trained on the same rows — a harness that ignored the setting would train on every row and differ — and the report
        // says the rows were held out.
        [TestMethod]
        public void AHoldOutSettingSplitsTheRowsAsTheTrainerDoes()
        {
            var directory = Directory.CreateTempSubdirectory("mlnetriemannian-compare-hold-out-");
            try
            {
                var (exitCode, stdout, stderr) = HostProcess.Run(HostProcess.DllPath("MLNetRiemannianBenchmarks"), null, "compare", "--quick",
                    "--trainers", "RiemannianMlp-Identity", "--set", "ValidationSetFraction=0.25", "--out", directory.FullName);
                TestContext.WriteLine($"{stdout}{stderr}");
                Assert.AreEqual(0, exitCode, $"compare with a hold-out failed.\nstdout:\n{stdout}\nstderr:\n{stderr}");
                using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory.FullName, "results.json")));
                AssertHarnessCheck(results.RootElement.GetProperty("harnessCheck"));
                StringAssert.Contains(File.ReadAllText(Path.Combine(directory.FullName, "results.md")), "of the training rows held out, validated every epoch with early stopping");
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        }

        // Bad --set and --trainers values stop before any training with exit code 2 and a message naming what is allowed.
        [TestMethod]
        [DataRow("--set", "Bogus=1", "LearningRate")]
        [DataRow("--set", "LearningRate=fast", "expected Double")]
        [DataRow("--set", "Seed=3", "--seeds")]
        [DataRow("--set", "Activation=Sideways", "one of ReLU, LeakyReLU, Tanh")]
        [DataRow("--set", "BatchSize=many", "expected Int32 or null")]
        [DataRow("--set", "LearningRate", "is not Name=Value")]
        [DataRow("--trainers", "Adam,Nope", "'Nope'")]
        public void BadSetOrTrainersFailClearly(string option, string value, string expectedInMessage)
        {
            var (exitCode, _, stderr) = HostProcess.Run(HostProcess.DllPath("MLNetRiemannianBenchmarks"), null, "compare", "--quick", option, value, "--out", Path.GetTempPath());
            Assert.AreEqual(2, exitCode, stderr);
            StringAssert.Contains(stderr, expectedInMessage);
        }

        // compare-report on made-up runs whose times to each level are worked out by hand (3 seeds; Adam measured at
        // 10, 20, …, 80 s, RiemannianMlp-Identity at 5, 10, …, 40 s, RiemannianMlp-GaussNewton exactly as Adam but
        // flat from the 7th measurement at 0.89). Levels 80, 85, 90, 95, 97%:
        // - Adam first reaches them at 30, 50, 70 s, never, never.
        // - Identity at 5, 5, 10 s (seed 3 starts at 0.79) → median 5 (÷ 30: stretch); 20 s (÷ 50 = 0.4: stretch); 40 s
        //   (÷ 70 = 0.571: pass); 40 s where Adam never (pass); 97% by seed 1 only → never, and Adam never: not judged.
        // - GaussNewton at Adam's times (ratio 1: FAIL), never at 90% which Adam reaches (FAIL), neither at 95 and 97%.
        // - After epoch 1 (4th measurement): Identity 0.87, GaussNewton and Adam 0.84 → +3 points pass, 0 points FAIL.
        // - Best within 60 s: Adam and GaussNewton 0.88 (their 6th measurement at 60 s), Identity 0.955 (median): both pass.
        [TestMethod]
        public void CompareReportJudgesHandWorkedRuns()
        {
            double[] adam = { 0.70, 0.78, 0.81, 0.84, 0.86, 0.88, 0.91, 0.92 };
            double[] gaussNewton = { 0.70, 0.78, 0.81, 0.84, 0.86, 0.88, 0.89, 0.89 };
            double[] Identity(int seed) => new[] { seed == 3 ? 0.79 : 0.81, 0.82, 0.83, 0.87, 0.86, 0.87, 0.88, seed == 1 ? 0.975 : 0.955 };
            var runs = new List<object>();
            foreach (int seed in new[] { 1, 2, 3 })
            {
                for (int q = 1; q <= 8; q++)
                {
                    runs.Add(Run("Adam", seed, q / 4.0, 10 * q, adam[q - 1]));
                    runs.Add(Run("RiemannianMlp-GaussNewton", seed, q / 4.0, 10 * q, gaussNewton[q - 1]));
                    runs.Add(Run("RiemannianMlp-Identity", seed, q / 4.0, 5 * q, Identity(seed)[q - 1]));
                }
                runs.Add(Run("LightGbm", seed, 0, 12, 0.93));
            }
            var input = new
            {
                machine = new { cpu = "made up", cores = 2, operatingSystem = "made up", dotNet = "made up", mlNet = "made up", torchThreads = 2, commit = "none",
                                date = "none", loadAverageAtStart = "0", loadAverageAtEnd = "0" },
                settings = new { dataset = "digits", evaluate = "test", evaluationRows = "made-up runs", epochs = 2, seeds = new[] { 1, 2, 3 }, batchSize = 64,
                                 measurementsPerEpoch = 4, accuracyLevels = new[] { 0.80, 0.85, 0.90, 0.95, 0.97 }, budgetSeconds = 60.0, quick = false,
                                 trainers = new[] { "RiemannianMlp-Identity", "RiemannianMlp-GaussNewton", "Adam", "LightGbm" },
                                 riemannianMlpSettings = Array.Empty<object>(), openMpWaiting = "none" },
                harnessCheck = Array.Empty<object>(),
                runs,
            };
            var directory = Directory.CreateTempSubdirectory("mlnetriemannian-compare-report-");
            try
            {
                string inputFile = Path.Combine(directory.FullName, "input.json");
                File.WriteAllText(inputFile, JsonSerializer.Serialize(input));
                var (exitCode, stdout, stderr) = HostProcess.Run(HostProcess.DllPath("MLNetRiemannianBenchmarks"), null, "compare-report", "--in", inputFile, "--out", directory.FullName);
                Assert.AreEqual(0, exitCode, $"compare-report failed.\nstdout:\n{stdout}\nstderr:\n{stderr}");
                using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory.FullName, "results.json")));
                var summaries = results.RootElement.GetProperty("summaries").EnumerateArray().ToDictionary(x => x.GetProperty("trainer").GetString()!);
                double?[] Seconds(string trainer) => summaries[trainer].GetProperty("timeToLevel").EnumerateArray().Select(l => Nullable(l.GetProperty("seconds"))).ToArray();
                double?[] Ratios(string trainer) => summaries[trainer].GetProperty("timeToLevel").EnumerateArray().Select(l => Nullable(l.GetProperty("ratioToAdam"))).ToArray();
                CollectionAssert.AreEqual(new double?[] { 30, 50, 70, null, null }, Seconds("Adam"), "Adam");
                CollectionAssert.AreEqual(new double?[] { 5, 20, 40, 40, null }, Seconds("RiemannianMlp-Identity"), "Identity");
                CollectionAssert.AreEqual(new double?[] { 30, 50, null, null, null }, Seconds("RiemannianMlp-GaussNewton"), "GaussNewton");
                CollectionAssert.AreEqual(new double?[] { 12, 12, 12, null, null }, Seconds("LightGbm"), "LightGbm");
                CollectionAssert.AreEqual(new[] { 3, 3, 3, 3, 1 },
                    summaries["RiemannianMlp-Identity"].GetProperty("timeToLevel").EnumerateArray().Select(l => l.GetProperty("seedsReaching").GetInt32()).ToArray(), "seeds reaching");
                var identityRatios = Ratios("RiemannianMlp-Identity");
                Assert.AreEqual(5.0 / 30, identityRatios[0]!.Value, 1e-12);
                Assert.AreEqual(20.0 / 50, identityRatios[1]!.Value, 1e-12);
                Assert.AreEqual(40.0 / 70, identityRatios[2]!.Value, 1e-12);
                Assert.IsNull(identityRatios[3], "no ratio where Adam never reaches the level");
                Assert.AreEqual(12.0 / 70, Ratios("LightGbm")[2]!.Value, 1e-12);
                Assert.AreEqual(0.03, summaries["RiemannianMlp-Identity"].GetProperty("firstEpochDifferenceToAdam").GetDouble(), 1e-12);
                Assert.AreEqual(0.955, summaries["RiemannianMlp-Identity"].GetProperty("bestWithinBudget").GetDouble(), 1e-12);
                Assert.AreEqual(0.88, summaries["Adam"].GetProperty("bestWithinBudget").GetDouble(), 1e-12);

                var verdicts = results.RootElement.GetProperty("targets").EnumerateArray()
                    .Select(t => $"{t.GetProperty("trainer").GetString()}: {t.GetProperty("verdict").GetString()}").ToArray();
                CollectionAssert.AreEqual(new[]
                {
                    "RiemannianMlp-Identity: pass (stretch)", "RiemannianMlp-Identity: pass (stretch)", "RiemannianMlp-Identity: pass", "RiemannianMlp-Identity: pass",
                    "RiemannianMlp-Identity: not judged (neither reaches it)", "RiemannianMlp-Identity: pass", "RiemannianMlp-Identity: pass",
                    "RiemannianMlp-GaussNewton: FAIL", "RiemannianMlp-GaussNewton: FAIL", "RiemannianMlp-GaussNewton: FAIL",
                    "RiemannianMlp-GaussNewton: not judged (neither reaches it)", "RiemannianMlp-GaussNewton: not judged (neither reaches it)",
                    "RiemannianMlp-GaussNewton: FAIL", "RiemannianMlp-GaussNewton: pass",
                }, verdicts, string.Join("\n", verdicts));
                StringAssert.Contains(File.ReadAllText(Path.Combine(directory.FullName, "results.md")), "| RiemannianMlp-GaussNewton | time to 90");
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        }

        private static object Run(string trainer, int seed, double epoch, double seconds, double accuracy) =>
            new { trainer, seed, epoch, seconds, testAccuracy = accuracy, peakMemoryMB = 100.0 };

        private static void AssertMachine(JsonElement machine)
        {
            foreach (string text in new[] { "cpu", "operatingSystem", "dotNet", "date" })
                Assert.IsFalse(string.IsNullOrWhiteSpace(machine.GetProperty(text).GetString()), $"machine.{text} is set");
            Assert.IsTrue(machine.GetProperty("cores").GetInt32() >= 1, "machine.cores");
            Assert.IsTrue(machine.GetProperty("torchThreads").GetInt32() >= 1, "machine.torchThreads");
        }

        // Every trainer present for seed 1; network trainers one row per quarter epoch 0.25..2 with seconds strictly
        // growing (digits: 11 and 22 steps per epoch, so every quarter ends at another step), the others one row at epoch 0;
        // accuracies of a 10-class problem well above chance after a whole epoch (a quarter epoch of SGD can still be near
        // chance); memory and time positive.
        private static List<(string Trainer, int Seed, double Epoch, double Seconds, double Accuracy, double PeakMB)> AssertRuns(JsonElement runs)
        {
            var rows = runs.EnumerateArray().Select(r => (
                Trainer: r.GetProperty("trainer").GetString()!, Seed: r.GetProperty("seed").GetInt32(), Epoch: r.GetProperty("epoch").GetDouble(),
                Seconds: r.GetProperty("seconds").GetDouble(), Accuracy: r.GetProperty("testAccuracy").GetDouble(), PeakMB: r.GetProperty("peakMemoryMB").GetDouble())).ToList();
            CollectionAssert.AreEquivalent(NetworkTrainers.Concat(OneFitTrainers).ToArray(), rows.Select(r => r.Trainer).Distinct().ToArray(), "trainers in results.json");
            foreach (var row in rows)
            {
                string where = $"{row.Trainer}, seed {row.Seed}, epoch {row.Epoch}";
                Assert.AreEqual(1, row.Seed, where);
                Assert.IsTrue(row.Accuracy is > 0 and <= 1, $"{where}: test accuracy {row.Accuracy} not in (0, 1]");
                if (row.Epoch >= 1) Assert.IsTrue(row.Accuracy > 0.5, $"{where}: test accuracy {row.Accuracy} after a whole epoch");
                Assert.IsTrue(row.Seconds is > 0 and < 60, $"{where}: {row.Seconds} s of training");
                Assert.IsTrue(row.PeakMB is > 10 and < 4096, $"{where}: peak {row.PeakMB} MB");
            }
            foreach (string trainer in NetworkTrainers)
            {
                var epochs = rows.Where(r => r.Trainer == trainer).ToList();
                CollectionAssert.AreEqual(QuarterEpochs, epochs.Select(r => r.Epoch).ToArray(), $"{trainer}: quarter epochs in order");
                for (int i = 1; i < epochs.Count; i++)
                    Assert.IsTrue(epochs[i].Seconds > epochs[i - 1].Seconds, $"{trainer}: cumulative seconds {epochs[i - 1].Seconds} then {epochs[i].Seconds}");
            }
            foreach (string trainer in OneFitTrainers)
                CollectionAssert.AreEqual(new[] { 0.0 }, rows.Where(r => r.Trainer == trainer).Select(r => r.Epoch).ToArray(), $"{trainer}: one row at epoch 0");
            return rows;
        }

        // One seed: the summary's figures are that seed's, recomputed here from the rows: time to a level is the seconds of
        // the first row at or above it (null if none), its ratio that over Adam's; accuracy after epoch 1 the row at epoch
        // 1 and its difference to Adam's.
        private static void AssertSummaries(JsonElement summaries, List<(string Trainer, int Seed, double Epoch, double Seconds, double Accuracy, double PeakMB)> runs)
        {
            var list = summaries.EnumerateArray().ToList();
            CollectionAssert.AreEqual(NetworkTrainers.Concat(OneFitTrainers).ToArray(), list.Select(s => s.GetProperty("trainer").GetString()).ToArray(), "summaries in order");
            double? FirstAt(string trainer, double level) => runs.Where(r => r.Trainer == trainer).OrderBy(r => r.Epoch).Where(r => r.Accuracy >= level).Select(r => (double?)r.Seconds).FirstOrDefault();
            double AfterEpoch1(string trainer) => runs.Single(r => r.Trainer == trainer && r.Epoch == 1).Accuracy;
            foreach (var summary in list)
            {
                string trainer = summary.GetProperty("trainer").GetString()!;
                var levels = summary.GetProperty("timeToLevel").EnumerateArray().ToList();
                CollectionAssert.AreEqual(DigitsLevels, levels.Select(l => l.GetProperty("level").GetDouble()).ToArray(), $"{trainer}: levels");
                foreach (var level in levels)
                {
                    double value = level.GetProperty("level").GetDouble();
                    double? expected = FirstAt(trainer, value), adam = FirstAt("Adam", value);
                    Assert.AreEqual(expected, Nullable(level.GetProperty("seconds")), $"{trainer}: seconds to {value}");
                    Assert.AreEqual(expected is null ? 0 : 1, level.GetProperty("seedsReaching").GetInt32(), $"{trainer}: seeds reaching {value}");
                    double? ratio = Nullable(level.GetProperty("ratioToAdam"));
                    if (expected is null || adam is null) Assert.IsNull(ratio, $"{trainer}: ratio at {value} without both times");
                    else Assert.AreEqual(expected.Value / adam.Value, ratio!.Value, 1e-12, $"{trainer}: ratio to Adam at {value}");
                }
                double? first = Nullable(summary.GetProperty("accuracyAfterFirstEpoch"));
                if (OneFitTrainers.Contains(trainer)) Assert.IsNull(first, $"{trainer}: no epoch 1");
                else
                {
                    Assert.AreEqual(AfterEpoch1(trainer), first!.Value, 0, $"{trainer}: accuracy after epoch 1");
                    Assert.AreEqual(AfterEpoch1(trainer) - AfterEpoch1("Adam"), summary.GetProperty("firstEpochDifferenceToAdam").GetDouble(), 1e-12, $"{trainer}: lead over Adam");
                }
            }
        }

        // Each level, the lead after epoch 1 and the best within 60 s, for each RiemannianMlp trainer, with a known verdict.
        private static void AssertTargets(JsonElement targets)
        {
            var list = targets.EnumerateArray().ToList();
            foreach (string trainer in NetworkTrainers.Take(2))
                Assert.AreEqual(DigitsLevels.Length + 2, list.Count(t => t.GetProperty("trainer").GetString() == trainer), $"{trainer}: targets");
            Assert.AreEqual(2 * (DigitsLevels.Length + 2), list.Count, "targets only for the RiemannianMlp trainers");
            foreach (var target in list)
                CollectionAssert.Contains(Verdicts, target.GetProperty("verdict").GetString(), target.GetProperty("target").GetString());
        }

        private static double? Nullable(JsonElement value) => value.ValueKind == JsonValueKind.Null ? null : value.GetDouble();

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
