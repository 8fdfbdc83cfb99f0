using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// <c>make-models --out DIR [--data samples/data]</c>: trains the three small models that
    /// test/MLNetRiemannian.Tests/data/models commits (digits.zip multiclass, cancer.zip binary, boston.zip regression,
    /// one hidden layer of 16) and saves them as ML.NET model zips. Each trains on the data lines of its samples/data
    /// file whose 0-based index is not a multiple of <see cref="HoldOutEvery"/> and prints its metric on the others, the
    /// rows the scoring-only test (Integration/ScoringOnlyProcessTests.cs) scores.
    /// </summary>
    internal static class ModelZips
    {
        /// <summary>Data lines 0, 4, 8, ... are held out of training (the fresh-process tests' rule).</summary>
        public const int HoldOutEvery = 4;

        private sealed record Recipe(string Name, string File, int HeaderLines, TextLoader.Column[] Columns,
            Func<MLContext, IEstimator<ITransformer>> Pipeline, Func<MLContext, IDataView, double> Metric, string MetricName);

        // Column names and types are those the scoring apps' input classes declare (test/MLNetRiemannian.TestHost/InputRows.cs).
        private static readonly Recipe[] Recipes =
        {
            new("digits", "digits.csv", 0,
                new[] { Vector("Pixels", (0, 63)), new TextLoader.Column("Label", DataKind.String, 64) },
                ml => ml.Transforms.Conversion.MapValueToKey("Label")
                    .Append(ml.Transforms.Concatenate("Features", "Pixels"))
                    .Append(ml.Transforms.NormalizeMinMax("Features"))
                    .Append(ml.MulticlassClassification.Trainers.RiemannianMlp(Small(new RiemannianMlpMulticlassTrainer.Options(), epochs: 20)))
                    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel")),
                (ml, scored) => ml.MulticlassClassification.Evaluate(scored).MicroAccuracy, "micro-accuracy"),
            new("cancer", "breast_cancer.csv", 1,
                new[] { Vector("Measurements", (0, 29)), new TextLoader.Column("Label", DataKind.Boolean, 30) },
                ml => ml.Transforms.Concatenate("Features", "Measurements")
                    .Append(ml.Transforms.NormalizeMinMax("Features"))
                    .Append(ml.BinaryClassification.Trainers.RiemannianMlp(Small(new RiemannianMlpBinaryTrainer.Options(), epochs: 20))),
                (ml, scored) => ml.BinaryClassification.Evaluate(scored).Accuracy, "accuracy"),
            // Column B (index 11) is left out, as everywhere in this repository (samples/data/README.md).
            new("boston", "boston_house_prices.csv", 2,
                new[] { Vector("Attributes", (0, 10), (12, 12)), new TextLoader.Column("Label", DataKind.Single, 13) },
                ml => ml.Transforms.Concatenate("Features", "Attributes")
                    .Append(ml.Transforms.NormalizeMeanVariance("Features"))
                    .Append(ml.Regression.Trainers.RiemannianMlp(Small(new RiemannianMlpRegressionTrainer.Options(), epochs: 40))),
                (ml, scored) => ml.Regression.Evaluate(scored).RSquared, "R²"),
        };

        public static int Run(string[] args)
        {
            string output = StepTiming.Option(args, "--out", "");
            if (output.Length == 0)
            {
                Console.Error.WriteLine("usage: MLNetRiemannian.Benchmarks make-models --out DIR [--data samples/data]");
                return 2;
            }
            string data = StepTiming.Option(args, "--data", Path.Combine("samples", "data"));
            Directory.CreateDirectory(output);
            var scratch = Directory.CreateTempSubdirectory("mlnetriemannian-models-");
            try
            {
                foreach (var recipe in Recipes)
                {
                    var ml = new MLContext(seed: 1);
                    var lines = File.ReadLines(Path.Combine(data, recipe.File)).Skip(recipe.HeaderLines).Where(line => line.Length > 0).ToList();
                    var train = Load(ml, recipe, lines.Where((_, i) => i % HoldOutEvery != 0), Path.Combine(scratch.FullName, recipe.Name + "-train.csv"));
                    var test = Load(ml, recipe, lines.Where((_, i) => i % HoldOutEvery == 0), Path.Combine(scratch.FullName, recipe.Name + "-test.csv"));
                    var model = recipe.Pipeline(ml).Fit(train);
                    string zip = Path.Combine(output, recipe.Name + ".zip");
                    ml.Model.Save(model, train.Schema, zip);
                    double metric = recipe.Metric(ml, model.Transform(test));
                    Console.WriteLine($"{recipe.Name}: held-out {recipe.MetricName} {metric.ToString("F4", CultureInfo.InvariantCulture)}, {zip} ({new FileInfo(zip).Length} bytes)");
                }
            }
            finally
            {
                scratch.Delete(recursive: true);
            }
            return 0;
        }

        /// <summary>One hidden layer of 16 keeps each zip a few kilobytes; one thread keeps the fit reproducible and quick.</summary>
        private static TOptions Small<TOptions>(TOptions options, int epochs) where TOptions : RiemannianMlpTrainerOptions
        {
            options.HiddenLayerSizes = new[] { 16 };
            options.NumberOfEpochs = epochs;
            options.NumberOfThreads = 1;
            options.Seed = 1;
            return options;
        }

        // ML.NET's text loader reads files lazily: the file must outlive every use of the view.
        private static IDataView Load(MLContext ml, Recipe recipe, IEnumerable<string> lines, string path)
        {
            File.WriteAllLines(path, lines);
            return ml.Data.LoadFromTextFile(path, recipe.Columns, separatorChar: ',');
        }

        private static TextLoader.Column Vector(string name, params (int Min, int Max)[] ranges) =>
            new(name, DataKind.Single, ranges.Select(r => new TextLoader.Range(r.Min, r.Max)).ToArray());
    }
}
