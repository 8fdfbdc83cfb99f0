using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using MLNetRiemannian.Model;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// The scoring benchmark's child processes, each this same program with a hidden sub-command, so that memory is
    /// that of a process doing one job from its start:
    /// <c>scoring-train TRAINER DATASET ZIP EPOCHS DATADIR</c> trains one model and saves it;
    /// <c>scoring-score ZIP DATASET DATADIR</c> loads a saved model and scores the test set, as a deployed app would.
    /// Each prints one line <c>RESULT {json}</c>.
    /// </summary>
    internal static class ScoringProcesses
    {
        public const string TrainCommand = "scoring-train";
        public const string ScoreCommand = "scoring-score";
        public static readonly string[] Trainers = { "RiemannianMlp", "SdcaMaximumEntropy", "LbfgsMaximumEntropy", "LightGbm" };
        private const string ResultPrefix = "RESULT ";

        /// <summary><c>scoring-train</c>: the sample's pipeline with one trainer, default options ("auto" epochs or N for ours).</summary>
        public static int Train(string[] args)
        {
            if (args.Length != 5) throw new ArgumentException($"usage: {TrainCommand} TRAINER DATASET ZIP EPOCHS|auto DATADIR");
            string trainer = args[0], dataset = args[1], zip = args[2];
            int? epochs = args[3] == "auto" ? null : int.Parse(args[3]);
            var mlContext = new MLContext(seed: 1);
            var (train, test) = ScoringData.LoadForTraining(mlContext, dataset, args[4]);
            var clock = Stopwatch.StartNew();
            var model = Pipeline(mlContext, trainer, epochs).Fit(train);
            double seconds = clock.Elapsed.TotalSeconds;
            mlContext.Model.Save(model, train.Schema, zip);
            var memory = ProcessMemory.Read(); // before evaluation: the peak of loading, fitting and saving
            var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(test), labelColumnName: "Label");
            var predictor = ((IEnumerable<ITransformer>)model).OfType<IPredictionTransformer<object>>().Single().Model;
            string network = predictor is RiemannianMlpModelParameters mlp
                ? $"{string.Join("-", mlp.LayerSizes)}, {mlp.History.Count} epochs"
                : trainer == "LightGbm" ? "boosted trees" : "linear";
            Report(new TrainingResult(trainer, dataset, network, seconds, memory.PeakMB, metrics.MicroAccuracy, new FileInfo(zip).Length));
            return 0;
        }

        /// <summary><c>scoring-score</c>: load a model zip, score every test row (Score and PredictedLabel), report memory.</summary>
        public static int Score(string[] args)
        {
            if (args.Length != 3) throw new ArgumentException($"usage: {ScoreCommand} ZIP DATASET DATADIR");
            var mlContext = new MLContext(seed: 1);
            var data = ScoringData.LoadTestSet(mlContext, args[1], args[2]);
            var clock = Stopwatch.StartNew();
            var model = mlContext.Model.Load(args[0], out _);
            double loadSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var scored = model.Transform(data.Test);
            DataViewSchema.Column score = scored.Schema["Score"], label = scored.Schema["PredictedLabel"];
            long rows = 0;
            using (var cursor = scored.GetRowCursor(new[] { score, label }))
            {
                var scoreGetter = cursor.GetGetter<VBuffer<float>>(score);
                var labelGetter = cursor.GetGetter<ReadOnlyMemory<char>>(label);
                VBuffer<float> scores = default;
                ReadOnlyMemory<char> predicted = default;
                while (cursor.MoveNext())
                {
                    scoreGetter(ref scores);
                    labelGetter(ref predicted);
                    rows++;
                }
            }
            double scoreSeconds = clock.Elapsed.TotalSeconds;
            var memory = ProcessMemory.Read();
            Report(new ScoringProcessResult(memory.PeakMB, memory.ResidentMB, rows, loadSeconds, scoreSeconds,
                memory.TorchSharpAssemblies, memory.LibtorchMappings, ProcessMemory.NonFrameworkAssemblies()));
            return 0;
        }

        /// <summary>Runs this program with <paramref name="args"/> in a new process and returns the result it printed.</summary>
        public static T Run<T>(params string[] args)
        {
            var start = ChildProcess.StartInfo(args, redirectOutput: true);
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
            var errors = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            string? result = output.Split('\n').LastOrDefault(line => line.StartsWith(ResultPrefix, StringComparison.Ordinal));
            if (process.ExitCode != 0 || result is null)
                throw new InvalidOperationException($"'{string.Join(" ", args)}' exited with code {process.ExitCode}:\n{errors.Result}\n{output}");
            return JsonSerializer.Deserialize<T>(result[ResultPrefix.Length..], ScoringReport.Json)
                ?? throw new InvalidDataException($"'{string.Join(" ", args)}' printed an empty result.");
        }

        private static void Report<T>(T result) =>
            Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(result, ScoringReport.Json).ReplaceLineEndings(""));

        // samples/TrainDigits's pipeline; only the trainer changes. Built in the training process alone, so that a
        // scoring process never compiles a method that names a TorchSharp-backed trainer.
        private static IEstimator<ITransformer> Pipeline(MLContext mlContext, string trainer, int? epochs)
        {
            var classification = mlContext.MulticlassClassification.Trainers;
            IEstimator<ITransformer> estimator = trainer switch
            {
                "RiemannianMlp" => classification.RiemannianMlp(numberOfEpochs: epochs),
                "SdcaMaximumEntropy" => classification.SdcaMaximumEntropy(),
                "LbfgsMaximumEntropy" => classification.LbfgsMaximumEntropy(),
                "LightGbm" => classification.LightGbm(),
                _ => throw new ArgumentException($"Unknown trainer '{trainer}'; expected one of {string.Join(", ", Trainers)}.", nameof(trainer)),
            };
            return mlContext.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
                .Append(mlContext.Transforms.Concatenate("Features", "Pixels"))
                .Append(mlContext.Transforms.NormalizeMinMax("Features"))
                .Append(estimator)
                .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        }
    }

    /// <summary>This process's memory as Linux reports it, and whether TorchSharp or libtorch is in it.</summary>
    internal sealed record ProcessMemory(double PeakMB, double ResidentMB, string[] TorchSharpAssemblies, string[] LibtorchMappings)
    {
        /// <summary>VmHWM (peak resident set) and VmRSS from /proc/self/status; loaded assemblies; /proc/self/maps.</summary>
        public static ProcessMemory Read()
        {
            var (peakMB, residentMB) = Resident("self");
            string[] torchSharp = AppDomain.CurrentDomain.GetAssemblies()
                .Select(assembly => assembly.GetName().Name ?? "")
                .Where(name => name.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase))
                .Order().ToArray();
            string[] libtorch = File.ReadLines("/proc/self/maps")
                .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "")
                .Where(path => Path.GetFileName(path).Contains("torch", StringComparison.OrdinalIgnoreCase))
                .Distinct().Order().ToArray();
            return new ProcessMemory(peakMB, residentMB, torchSharp, libtorch);
        }

        /// <summary>VmHWM and VmRSS in MB of process <paramref name="process"/> ("self" or a process id), from /proc/PROCESS/status.</summary>
        public static (double PeakMB, double ResidentMB) Resident(string process)
        {
            var status = File.ReadAllLines($"/proc/{process}/status");
            double Megabytes(string key) =>
                long.Parse(status.Single(line => line.StartsWith(key + ":", StringComparison.Ordinal))[(key.Length + 1)..].Trim().Split(' ')[0]) / 1024.0;
            return (Megabytes("VmHWM"), Megabytes("VmRSS"));
        }

        /// <summary>Names of the loaded assemblies that do not come with .NET (the app, ML.NET, the model's loader).</summary>
        public static string[] NonFrameworkAssemblies() => AppDomain.CurrentDomain.GetAssemblies()
            .Where(assembly => !assembly.Location.StartsWith(Path.GetDirectoryName(typeof(object).Assembly.Location)!, StringComparison.Ordinal))
            .Select(assembly => assembly.GetName().Name ?? "").Order().ToArray();
    }
}
