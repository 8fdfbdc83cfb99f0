using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetRiemannian.Model;
using MLNetRiemannian.Samples;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// <c>tune --dataset fashion-mnist|digits|letter [--set "Name=Value;..."] [--epochs N] [--stop-after K] [--seed S] [--data-dir DIR]</c>:
    /// trains the public multiclass trainer with the options set, on the training rows minus a held-out part, and prints
    /// the held-out accuracy and the cumulative fit seconds after every epoch. For choosing defaults: the test rows are
    /// never read. <c>--stop-after K</c> ends the run after epoch K (the schedule still spans N epochs). Held out: Fashion-MNIST's last 10,000 training images; 20 % of the digits' training split and of
    /// LetterRecognition's first 16,000 rows (mlbench's training part), by a fixed-seed split.
    /// </summary>
    internal static class Tune
    {
        public const string Command = "tune";

        public static int Run(string[] args)
        {
            string dataset = StepTiming.Option(args, "--dataset", ScoringData.FashionMnistName);
            int seed = int.Parse(StepTiming.Option(args, "--seed", "1"), CultureInfo.InvariantCulture);
            var ml = new MLContext(seed);
            var (train, validation) = Split(ml, dataset, StepTiming.Option(args, "--data-dir", FashionMnist.DefaultDirectory));
            var options = new RiemannianMlpMulticlassTrainer.Options { Seed = seed, ValidationSet = validation, EarlyStoppingPatience = 0 };
            if (StepTiming.Option(args, "--epochs", "") is { Length: > 0 } epochs) options.NumberOfEpochs = int.Parse(epochs, CultureInfo.InvariantCulture);
            string set = StepTiming.Option(args, "--set", "");
            foreach (var assignment in set.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                Assign(options, assignment);
            double seconds = 0;
            int stopAfter = int.Parse(StepTiming.Option(args, "--stop-after", "0"), CultureInfo.InvariantCulture);
            using var stop = new System.Threading.CancellationTokenSource();
            options.StopToken = stop.Token;
            options.Progress = new Progress(e =>
            {
                seconds += e.Seconds;
                if (e.Epoch == stopAfter) stop.Cancel();
                Console.WriteLine(FormattableString.Invariant($"tune {dataset} [{set}] seed {seed}: epoch {e.Epoch}, {seconds:F1} s, loss {e.TrainingLoss:F4}, held-out accuracy {e.ValidationMetric:F4}"));
            });
            var clock = Stopwatch.StartNew();
            ml.MulticlassClassification.Trainers.RiemannianMlp(options).Fit(train);
            Console.WriteLine(FormattableString.Invariant($"tune {dataset} [{set}]: fit {clock.Elapsed.TotalSeconds:F1} s"));
            return 0;
        }

        private sealed class Progress(Action<EpochSummary> report) : IProgress<EpochSummary>
        {
            public void Report(EpochSummary value) => report(value);
        }

        /// <summary>Sets one public field of the options from "Name=Value" (numbers, Booleans, enums, their nullables, int arrays as 1,2).</summary>
        internal static void Assign(RiemannianMlpTrainerOptions options, string assignment)
        {
            var parts = assignment.Split('=', 2);
            var field = options.GetType().GetField(parts[0].Trim())
                ?? throw new ArgumentException($"No option '{parts[0]}'; options: {string.Join(", ", options.GetType().GetFields().Select(f => f.Name))}.");
            var type = Nullable.GetUnderlyingType(field.FieldType) ?? field.FieldType;
            string text = parts[1].Trim();
            object? value = text == "null" ? null
                : type.IsEnum ? Enum.Parse(type, text)
                : type == typeof(int[]) ? text.Split(',').Select(int.Parse).ToArray()
                : Convert.ChangeType(text, type, CultureInfo.InvariantCulture);
            field.SetValue(options, value);
        }

        private static (IDataView Train, IDataView Validation) Split(MLContext ml, string dataset, string fashionDirectory)
        {
            if (dataset == "letter")
            {
                var loader = ml.Data.CreateTextLoader(new[]
                {
                    new TextLoader.Column("Letter", DataKind.String, 0),
                    new TextLoader.Column("Pixels", DataKind.Single, 1, 16),
                }, hasHeader: true, separatorChar: ',');
                var all = loader.Load(System.IO.Path.Combine(Repository(), "samples", "data", "letter_recognition.csv"));
                var training = ml.Data.TakeRows(all, 16000);
                var featurize = ml.Transforms.Conversion.MapValueToKey("Label", "Letter", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
                    .Append(ml.Transforms.Concatenate("Features", "Pixels")).Append(ml.Transforms.NormalizeMinMax("Features"));
                var split = ml.Data.TrainTestSplit(training, 0.2, seed: 7);
                var fitted = featurize.Fit(split.TrainSet);
                return (ml.Data.Cache(fitted.Transform(split.TrainSet)), ml.Data.Cache(fitted.Transform(split.TestSet)));
            }
            var data = CompareData.Load(dataset, fashionDirectory, 1);
            if (dataset == ScoringData.FashionMnistName)
                return (ml.Data.TakeRows(data.Train, 50000), ml.Data.SkipRows(data.Train, 50000));
            var digits = ml.Data.TrainTestSplit(data.Train, 0.2, seed: 7);
            return (digits.TrainSet, digits.TestSet);
        }

        private static string Repository()
        {
            var directory = new System.IO.DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !System.IO.File.Exists(System.IO.Path.Combine(directory.FullName, "MLNetRiemannian.sln"))) directory = directory.Parent;
            return directory?.FullName ?? throw new InvalidOperationException("Run from inside the repository.");
        }
    }
}
