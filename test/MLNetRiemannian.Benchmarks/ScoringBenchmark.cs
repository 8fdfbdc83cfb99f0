using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.ML;
using MLNetRiemannian.Samples;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// <c>scoring --out DIR [--quick]</c>: issue 8's scoring benchmark. Trains RiemannianMlp and ML.NET's
    /// SdcaMaximumEntropy, LbfgsMaximumEntropy and LightGbm on the digits and on Fashion-MNIST, then measures for each
    /// saved model the PredictionEngine latency, the batch throughput and the memory of a fresh scoring process, and
    /// our forward pass's FLOP rate against a plain matrix-vector product. Writes DIR/scoring.json and DIR/scoring.md.
    /// </summary>
    internal static class ScoringBenchmark
    {
        private const string Usage =
            "usage: MLNetRiemannian.Benchmarks scoring --out DIR [--quick] [--data-dir DIR] [--fashion-epochs N] [--models DIR]\n" +
            "  --out DIR            where scoring.json and scoring.md go\n" +
            "  --quick              the digits only, few repetitions (under a minute)\n" +
            "  --data-dir DIR       the Fashion-MNIST IDX files (default " + FashionMnist.DefaultDirectory + ")\n" +
            "  --fashion-epochs N   RiemannianMlp's epochs on Fashion-MNIST (default 3: speed, not accuracy, is measured)\n" +
            "  --models DIR         keep the model zips there (default: a temporary folder, deleted at the end)";

        /// <summary>Whether <paramref name="command"/> is <c>scoring</c> or one of its hidden child-process commands.</summary>
        public static bool Handles(string command) => command is "scoring" or ScoringProcesses.TrainCommand or ScoringProcesses.ScoreCommand;

        /// <summary>Runs <c>args[0]</c> with the rest of <paramref name="args"/>.</summary>
        public static int Run(string[] args) => args[0] switch
        {
            ScoringProcesses.TrainCommand => ScoringProcesses.Train(args[1..]),
            ScoringProcesses.ScoreCommand => ScoringProcesses.Score(args[1..]),
            _ => Scoring(args[1..]),
        };

        private static int Scoring(string[] args)
        {
            string? outDirectory = null, modelDirectory = null;
            string dataDirectory = FashionMnist.DefaultDirectory;
            int epochs = 3;
            bool quick = false;
            for (int i = 0; i < args.Length; i++)
            {
                if (args[i] == "--quick") { quick = true; continue; }
                if (args[i] is not ("--out" or "--data-dir" or "--fashion-epochs" or "--models") || i + 1 == args.Length)
                {
                    Console.Error.WriteLine($"Unknown option or missing value: '{args[i]}'.\n{Usage}");
                    return 2;
                }
                string value = args[++i];
                switch (args[i - 1])
                {
                    case "--out": outDirectory = value; break;
                    case "--data-dir": dataDirectory = value; break;
                    case "--models": modelDirectory = value; break;
                    default:
                        if (!int.TryParse(value, out epochs) || epochs < 1) { Console.Error.WriteLine($"--fashion-epochs must be a positive integer; got '{value}'."); return 2; }
                        break;
                }
            }
            if (outDirectory is null) { Console.Error.WriteLine($"--out is required.\n{Usage}"); return 2; }
            string[] datasets = quick ? new[] { ScoringData.Digits } : new[] { ScoringData.Digits, ScoringData.FashionMnistName };
            if (!quick)
            {
                try { ScoringData.CheckFashionMnist(dataDirectory); }
                catch (FileNotFoundException e) { Console.Error.WriteLine(e.Message); return 1; }
            }
            var settings = quick
                ? new BenchmarkSettings(true, WarmUpSeconds: 0.25, LatencyRounds: 2, CallsPerRound: 1000, ThroughputRepetitions: 3, SecondsPerRepetition: 0.1, epochs)
                : new BenchmarkSettings(false, WarmUpSeconds: 1, LatencyRounds: 5, CallsPerRound: 1000, ThroughputRepetitions: 7, SecondsPerRepetition: 0.3, epochs);

            var started = DateTime.UtcNow;
            string loadAtStart = ScoringReport.LoadAverage();
            bool temporaryModels = modelDirectory is null;
            modelDirectory ??= Path.Combine(Path.GetTempPath(), $"mlnetriemannian-scoring-{Environment.ProcessId}");
            Directory.CreateDirectory(modelDirectory);
            Directory.CreateDirectory(outDirectory);
            var models = new List<ModelResult>();
            var forwardPass = new List<ForwardPassResult>();
            try
            {
                foreach (string dataset in datasets)
                {
                    var (results, forward) = Measure(dataset, dataDirectory, modelDirectory, settings);
                    models.AddRange(results);
                    forwardPass.Add(forward);
                }
            }
            finally
            {
                if (temporaryModels) Directory.Delete(modelDirectory, recursive: true);
            }

            var withRatios = ScoringReport.WithRatios(models);
            var report = new ScoringResults(ScoringReport.Machine(started, loadAtStart), settings, withRatios, forwardPass,
                ScoringReport.Targets(withRatios, forwardPass));
            File.WriteAllText(Path.Combine(outDirectory, "scoring.json"), JsonSerializer.Serialize(report, ScoringReport.Json) + "\n");
            string markdown = ScoringReport.Markdown(report);
            File.WriteAllText(Path.Combine(outDirectory, "scoring.md"), markdown);
            Console.WriteLine(markdown);
            return 0;
        }

        // One data set: train and probe each model in its own processes, then time them all here, taking turns.
        private static (List<ModelResult> Models, ForwardPassResult ForwardPass) Measure(string dataset, string dataDirectory, string modelDirectory, BenchmarkSettings settings)
        {
            string[] trainers = ScoringProcesses.Trainers;
            var zips = trainers.Select(trainer => Path.Combine(modelDirectory, $"{dataset}-{trainer}.zip")).ToArray();
            var training = new TrainingResult[trainers.Length];
            var scoring = new ScoringProcessResult[trainers.Length];
            for (int i = 0; i < trainers.Length; i++)
            {
                string epochs = trainers[i] == ScoringReport.Ours && dataset == ScoringData.FashionMnistName ? settings.FashionMnistEpochs.ToString() : "auto";
                training[i] = ScoringProcesses.Run<TrainingResult>(ScoringProcesses.TrainCommand, trainers[i], dataset, zips[i], epochs, dataDirectory);
                scoring[i] = ScoringProcesses.Run<ScoringProcessResult>(ScoringProcesses.ScoreCommand, zips[i], dataset, dataDirectory);
                Console.Error.WriteLine($"{dataset} {trainers[i]}: trained in {training[i].Seconds:F1} s ({training[i].Network}, accuracy {training[i].MicroAccuracy:F4}), " +
                                        $"training process peak {training[i].PeakResidentMB:F0} MB, fresh scoring process peak {scoring[i].PeakResidentMB:F0} MB");
            }

            var mlContext = new MLContext(seed: 1);
            var data = ScoringData.LoadTestSet(mlContext, dataset, dataDirectory);
            var cachedTest = mlContext.Data.Cache(data.Test);
            var loaded = zips.Select(zip => mlContext.Model.Load(zip, out _)).ToArray();
            var predictors = loaded.Select(data.CreatePredictor).ToArray();
            try
            {
                int n = trainers.Length;
                var latencies = Enumerable.Range(0, n).Select(_ => new List<double>()).ToArray();
                var nextRow = new int[n];
                var throughput = Enumerable.Range(0, n).Select(_ => new double[settings.ThroughputRepetitions]).ToArray();
                for (int pass = 0; pass < 2; pass++)
                {
                    for (int i = 0; i < n; i++)
                    {
                        ScoringTimers.WarmUp(predictors[i], settings.WarmUpSeconds);
                        ScoringTimers.RowsPerSecond(loaded[i], cachedTest, settings.WarmUpSeconds); // the first pass fills the cache
                    }
                    ScoringTimers.AwaitOptimizedCode();
                }
                // Models take turns, starting with a different one each round, so a burst of other work on the machine
                // falls on all of them alike.
                for (int round = 0; round < settings.LatencyRounds; round++)
                    for (int k = 0; k < n; k++)
                    {
                        int i = (k + round) % n;
                        GC.Collect();
                        ScoringTimers.TimePredictions(predictors[i], settings.CallsPerRound, latencies[i], ref nextRow[i]);
                    }
                for (int r = 0; r < settings.ThroughputRepetitions; r++)
                    for (int k = 0; k < n; k++)
                    {
                        int i = (k + r) % n;
                        throughput[i][r] = ScoringTimers.RowsPerSecond(loaded[i], cachedTest, settings.SecondsPerRepetition);
                    }
                var results = Enumerable.Range(0, n).Select(i => new ModelResult(trainers[i], dataset, training[i], scoring[i],
                    ScoringTimers.Median(latencies[i]), ScoringTimers.Percentile(latencies[i], 99), latencies[i].Count,
                    ScoringTimers.Median(throughput[i]), throughput[i])).ToList();
                var forward = ForwardPassRate.Measure(mlContext, dataset, loaded[Array.IndexOf(trainers, ScoringReport.Ours)], cachedTest, settings);
                return (results, forward);
            }
            finally
            {
                foreach (var predictor in predictors) predictor.Dispose();
            }
        }
    }
}
