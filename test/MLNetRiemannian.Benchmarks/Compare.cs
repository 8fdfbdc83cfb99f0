using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using MLNetRiemannian.Interop;
using MLNetRiemannian.Samples;
using MLNetRiemannian.Trainers;
using static TorchSharp.torch;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// <c>compare --dataset fashion-mnist|digits|letter --epochs N --seeds K --out DIR [--evaluate test|validation]
    /// [--trainers A,B] [--set Name=Value;...] [--quick] [--parts] [--data-dir DIR]</c>: RiemannianMlp (identity and Gauss-Newton
    /// output metrics, default options unless <c>--set</c>) against the same network trained by Adam, by Adam with
    /// RiemannianMlp's default learning-rate schedule and by SGD with momentum from the same initialization in the same
    /// batch order, and against ML.NET's LbfgsMaximumEntropy, SdcaMaximumEntropy and LightGbm. The network trainers are
    /// measured every quarter epoch. Every trainer and seed runs in a child process (<see cref="CompareOne"/>). Writes
    /// DIR/results.json, DIR/results.md, DIR/accuracy-vs-time.png (every run) and DIR/accuracy-vs-epoch.png (medians).
    /// <c>compare-report --in results.json --out DIR</c> writes the same files again from the machine, settings, harness
    /// check and runs of an earlier results.json (the summaries and targets recomputed by this version).
    /// </summary>
    internal static class Compare
    {
        public const string Command = "compare";

        /// <summary>The command that reports an earlier run's results.json again.</summary>
        public const string ReportCommand = "compare-report";

        private const string Usage =
            "usage: MLNetRiemannian.Benchmarks compare --out DIR [--dataset fashion-mnist|digits|letter] [--epochs N] [--seeds K] [--evaluate test|validation]\n" +
            "                                          [--trainers A,B,...] [--set Name=Value;Name=Value] [--quick] [--parts] [--data-dir DIR]\n" +
            "  --out DIR          where results.json, results.md and the two PNG plots go\n" +
            "  --dataset D        fashion-mnist (default), digits or letter (LetterRecognition)\n" +
            "  --epochs N         passes of the network trainers (default 20)\n" +
            "  --seeds K          seeds 1..K for every trainer; the report gives medians (default 3)\n" +
            "  --evaluate E       test (default): accuracy on the test rows; validation: on a fixed part of the training rows, trained\n" +
            "                     on the rest, for choosing defaults without the test rows\n" +
            "  --trainers A,B     a subset of the trainers (default all)\n" +
            "  --set N=V;N=V      public int, double, bool or enum fields of RiemannianMlpMulticlassTrainer.Options for the RiemannianMlp trainers\n" +
            "  --quick            digits, 2 epochs, 1 seed unless given: under a minute, for the test that keeps the tool working\n" +
            "  --parts            each RiemannianMlp run prints its fit loop's milliseconds a step by part (forward, each layer's\n" +
            "                     gradient, mass and solve, the update, the loop's own work between steps)\n" +
            "  --data-dir DIR     the Fashion-MNIST IDX files (default " + FashionMnist.DefaultDirectory + ")";

        private static readonly string[] ValueOptions = { "--out", "--dataset", "--epochs", "--seeds", "--data-dir", "--evaluate", "--trainers", "--set" };

        /// <summary>Whether <paramref name="command"/> is <c>compare</c>, <c>compare-report</c> or the hidden child command.</summary>
        public static bool Handles(string command) => command is Command or ReportCommand or CompareOne.Command;

        /// <summary>Runs <c>args[0]</c> with the rest of <paramref name="args"/>.</summary>
        public static int Run(string[] args) => args[0] switch
        {
            CompareOne.Command => CompareOne.Run(args[1..]),
            ReportCommand => Report(args[1..]),
            _ => Benchmark(args[1..]),
        };

        private static int Report(string[] args)
        {
            string input = StepTiming.Option(args, "--in", ""), outDirectory = StepTiming.Option(args, "--out", "");
            if (input.Length == 0 || outDirectory.Length == 0 || args.Length != 4)
            {
                Console.Error.WriteLine($"usage: MLNetRiemannian.Benchmarks {ReportCommand} --in results.json --out DIR");
                return 2;
            }
            var earlier = JsonSerializer.Deserialize<CompareResults>(File.ReadAllText(input), ScoringReport.Json)
                          ?? throw new InvalidDataException($"'{input}' holds no compare results.");
            Write(earlier.Machine, earlier.Settings, earlier.HarnessCheck, earlier.Runs, outDirectory);
            return 0;
        }

        // Summaries and targets from the runs, then results.json, results.md and the plots.
        private static void Write(CompareMachine machine, CompareSettings settings, IReadOnlyList<HarnessCheck> checks, IReadOnlyList<CompareRun> runs, string outDirectory)
        {
            Directory.CreateDirectory(outDirectory);
            var summaries = CompareSummary.Of(settings.Trainers, runs, settings.AccuracyLevels, settings.BudgetSeconds);
            var results = new CompareResults(machine, settings, checks, runs, summaries, CompareTarget.Judge(summaries, settings.BudgetSeconds));
            File.WriteAllText(Path.Combine(outDirectory, "results.json"), JsonSerializer.Serialize(results, ScoringReport.Json));
            File.WriteAllText(Path.Combine(outDirectory, "results.md"), CompareReport.Markdown(results));
            ComparePlots.Save(results, outDirectory);
            Console.WriteLine($"wrote results.json, results.md, {ComparePlots.AccuracyVsTime} and {ComparePlots.AccuracyVsEpoch} to {Path.GetFullPath(outDirectory)}");
        }

        private static int Benchmark(string[] args)
        {
            for (int i = 0; i < args.Length; i++)
            {
                if (args[i] is "--quick" or CompareOne.PartsFlag) continue;
                if (!ValueOptions.Contains(args[i]) || i + 1 == args.Length) return Fail($"Unknown option or missing value: '{args[i]}'.");
                i++;
            }
            bool quick = args.Contains("--quick");
            bool parts = args.Contains(CompareOne.PartsFlag);
            string outDirectory = StepTiming.Option(args, "--out", "");
            string dataset = StepTiming.Option(args, "--dataset", quick ? ScoringData.Digits : ScoringData.FashionMnistName);
            string dataDirectory = StepTiming.Option(args, "--data-dir", FashionMnist.DefaultDirectory);
            if (outDirectory.Length == 0) return Fail("--out is required.");
            string evaluate = StepTiming.Option(args, "--evaluate", CompareData.EvaluateTest);
            if (!CompareData.Datasets.Contains(dataset)) return Fail($"--dataset must be one of {string.Join(", ", CompareData.Datasets)}; got '{dataset}'.");
            if (evaluate is not (CompareData.EvaluateTest or CompareData.EvaluateValidation)) return Fail($"--evaluate must be {CompareData.EvaluateTest} or {CompareData.EvaluateValidation}; got '{evaluate}'.");
            var trainers = StepTiming.Option(args, "--trainers", string.Join(",", CompareOne.Trainers)).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var unknown = trainers.Where(t => !CompareOne.Trainers.Contains(t)).ToList();
            if (unknown.Count > 0 || trainers.Length == 0)
                return Fail($"--trainers: unknown trainer(s) {string.Join(", ", unknown.Select(t => $"'{t}'"))}; expected a comma-separated subset of {string.Join(", ", CompareOne.Trainers)}.");
            // The report's order, whatever order they were given in.
            trainers = CompareOne.Trainers.Where(trainers.Contains).ToArray();
            IReadOnlyList<CompareOptionSetting> optionSettings;
            try { optionSettings = CompareOptionSettings.Parse(StepTiming.Option(args, "--set", "")); }
            catch (ArgumentException e) { return Fail(e.Message); }
            if (!int.TryParse(StepTiming.Option(args, "--epochs", quick ? "2" : "20"), out int epochs) || epochs < 1) return Fail("--epochs must be a positive integer.");
            if (!int.TryParse(StepTiming.Option(args, "--seeds", quick ? "1" : "3"), out int seedCount) || seedCount < 1) return Fail("--seeds must be a positive integer.");
            if (dataset == ScoringData.FashionMnistName)
            {
                try { ScoringData.CheckFashionMnist(dataDirectory); }
                catch (FileNotFoundException e) { Console.Error.WriteLine(e.Message); return 1; }
            }

            var started = DateTime.UtcNow;
            string loadAtStart = ScoringReport.LoadAverage();
            var seeds = Enumerable.Range(1, seedCount).ToArray();
            // The batch RiemannianMlp trains with on this data (its default unless --set BatchSize).
            var identityOptions = CompareRiemannianMlp.Options(OutputMetricKind.Identity, epochs, optionSettings);
            int batchSize = identityOptions.BatchSize ?? Defaults.Resolve(identityOptions,
                new TableShape(CompareData.Load(dataset, dataDirectory, seeds[0], evaluate).TrainingRows(), 1, 1, 1)).BatchSize;
            var levels = CompareData.AccuracyLevels(dataset);
            var settings = new CompareSettings(dataset, evaluate, CompareData.EvaluationRows(dataset, evaluate), epochs, seeds, batchSize, CompareOne.MeasurementsPerEpoch,
                levels, CompareReport.BudgetSeconds, quick, trainers, optionSettings, ChildProcess.OpenMpWaiting);
            Console.WriteLine($"# compare on {dataset} ({evaluate} rows): {epochs} epochs, seeds {string.Join(",", seeds)}, RiemannianMlp batch {settings.BatchSize}, " +
                              $"{get_num_threads()} torch threads{(optionSettings.Count > 0 ? $", --set {CompareOptionSettings.Format(optionSettings)}" : "")}");

            var checks = CompareHarnessCheck.Run(seeds[0], optionSettings);
            if (checks.Any(c => !c.Agrees))
            {
                Console.Error.WriteLine("The benchmark's RiemannianMlp harness no longer reproduces the public trainer (see the harness check above); fix CompareRiemannianMlp first.");
                return 1;
            }

            Directory.CreateDirectory(outDirectory);
            var runs = new List<CompareRun>();
            var jobs = seeds.SelectMany(seed => trainers.Select(trainer => (seed, trainer))).ToList();
            for (int i = 0; i < jobs.Count; i++)
            {
                var (seed, trainer) = jobs[i];
                Console.WriteLine($"[{i + 1}/{jobs.Count}] {trainer}, seed {seed}:");
                runs.AddRange(RunChild(trainer, seed, settings, dataDirectory, parts));
            }

            Write(Machine(started, loadAtStart), settings, checks, runs, outDirectory);
            return 0;
        }

        // This program again, with the hidden child command; its progress lines go straight to this console.
        private static List<CompareRun> RunChild(string trainer, int seed, CompareSettings settings, string dataDirectory, bool parts)
        {
            string rowsFile = Path.GetTempFileName();
            try
            {
                var start = ChildProcess.StartInfo(new[] { CompareOne.Command, "--trainer", trainer, "--seed", $"{seed}", "--epochs", $"{settings.Epochs}",
                                                           "--dataset", settings.Dataset, "--data-dir", dataDirectory, "--evaluate", settings.Evaluate,
                                                           "--set", CompareOptionSettings.Format(settings.RiemannianMlpSettings), "--rows", rowsFile }
                                                           .Concat(parts ? new[] { CompareOne.PartsFlag } : Array.Empty<string>()).ToArray(), redirectOutput: false);
                using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
                process.WaitForExit();
                if (process.ExitCode != 0)
                    throw new InvalidOperationException($"'{CompareOne.Command}' for {trainer}, seed {seed}, exited with code {process.ExitCode} (its output is above).");
                return JsonSerializer.Deserialize<List<CompareRun>>(File.ReadAllText(rowsFile), ScoringReport.Json)
                    ?? throw new InvalidDataException($"'{CompareOne.Command}' for {trainer}, seed {seed}, wrote no rows.");
            }
            finally
            {
                File.Delete(rowsFile);
            }
        }

        private static CompareMachine Machine(DateTime startedUtc, string loadAverageAtStart)
        {
            var m = ScoringReport.Machine(startedUtc, loadAverageAtStart);
            return new CompareMachine(m.Cpu, m.LogicalCores, m.OperatingSystem, m.Runtime, m.MLNet, get_num_threads(), m.Commit, m.StartedUtc,
                m.LoadAverageAtStart, m.LoadAverageAtEnd);
        }

        private static int Fail(string message)
        {
            Console.Error.WriteLine($"{message}\n{Usage}");
            return 2;
        }
    }
}
