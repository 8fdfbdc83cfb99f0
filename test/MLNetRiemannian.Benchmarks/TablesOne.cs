using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MLNetRiemannian.Model;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// <c>tables-one --plan FILE --trainer T --seed S --train FILE --test FILE --result FILE [--set N=V;...]</c>, the hidden
    /// child command of <c>tables</c>: one trainer on one table for one seed, in a process of its own. Loads the seed's
    /// training and test rows of the table's normal form (<see cref="TablesSplit"/>), fits the whole pipeline (featurization
    /// and trainer, MLContext seeded with S) under one clock, evaluates it on the held-out and the training rows, and writes
    /// its <see cref="TableRun"/> to the result file, with status "failed" and the message if anything throws. <c>--set</c>
    /// applies to RiemannianMlp only (<see cref="TablesOptionSettings"/>).
    /// </summary>
    internal static class TablesOne
    {
        public const string Command = "tables-one";
        public const string Ours = "RiemannianMlp", LightGbm = "LightGbm";
        private const string Label = "Label", Features = "Features", LabelSource = "LabelSource";

        /// <summary>The three trainers of a task, in the report's order: ours, the task's SDCA trainer, LightGbm.</summary>
        public static string[] Trainers(string task) => new[] { Ours, Sdca(task), LightGbm };

        /// <summary>The task's SDCA trainer, as ML.NET's catalog names it.</summary>
        public static string Sdca(string task) => task switch
        {
            TablePlan.Multiclass => "SdcaMaximumEntropy",
            TablePlan.Binary => "SdcaLogisticRegression",
            _ => "Sdca",
        };

        /// <summary>Runs the child command; <paramref name="args"/> follow the command name.</summary>
        public static int Run(string[] args)
        {
            string planFile = StepTiming.Option(args, "--plan", ""), trainer = StepTiming.Option(args, "--trainer", ""), resultFile = StepTiming.Option(args, "--result", "");
            string trainFile = StepTiming.Option(args, "--train", ""), testFile = StepTiming.Option(args, "--test", "");
            if (planFile.Length == 0 || trainer.Length == 0 || resultFile.Length == 0 || trainFile.Length == 0 || testFile.Length == 0 || !int.TryParse(StepTiming.Option(args, "--seed", ""), out int seed))
                throw new ArgumentException($"usage: {Command} --plan FILE --trainer NAME --seed S --train FILE --test FILE --result FILE [--set N=V;...]");
            var plan = JsonSerializer.Deserialize<TablePlan>(File.ReadAllText(planFile), ScoringReport.Json) ?? throw new InvalidDataException($"'{planFile}' holds no plan.");
            var settings = TablesOptionSettings.Parse(StepTiming.Option(args, "--set", ""));
            TableRun run;
            try
            {
                run = Fit(plan, trainer, seed, trainFile, testFile, settings);
            }
            catch (Exception e)
            {
                Console.Error.WriteLine(e);
                run = TableRun.NotMeasured(plan, trainer, seed, "failed", $"{e.GetType().Name}: {e.Message}", ProcessMemory.Read().PeakMB);
            }
            File.WriteAllText(resultFile, JsonSerializer.Serialize(run, ScoringReport.Json));
            return 0;
        }

        private static TableRun Fit(TablePlan plan, string trainer, int seed, string trainFile, string testFile, IReadOnlyList<CompareOptionSetting> settings)
        {
            var mlContext = new MLContext(seed);
            var loader = Loader(mlContext, plan);
            IDataView trainSet = loader.Load(trainFile), testSet = loader.Load(testFile);
            var (estimator, wantsCaching) = Trainer(mlContext, plan.Task, trainer, settings);
            IEstimator<ITransformer> pipeline = Featurize(mlContext, plan);
            if (wantsCaching) pipeline = pipeline.AppendCacheCheckpoint(mlContext);
            pipeline = pipeline.Append(estimator);
            if (plan.Task == TablePlan.Multiclass) pipeline = pipeline.Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var model = pipeline.Fit(trainSet);
            double seconds = clock.Elapsed.TotalSeconds;
            double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            double peakMB = ProcessMemory.Read().PeakMB; // before evaluation: the peak of loading, featurizing and fitting

            var test = Evaluate(mlContext, plan.Task, model.Transform(testSet));
            var training = Evaluate(mlContext, plan.Task, model.Transform(trainSet));
            var features = (VectorDataViewType)model.GetOutputSchema(trainSet.Schema)[Features].Type;
            return new TableRun(plan.Name, plan.Task, trainer, seed, "ok", null, seconds, peakMB, test.Metric, test.Auc, test.Rmse, training.Metric,
                Count(trainSet), Count(testSet), features.Size, plan.LabelValues.Count, Describe(model, trainer), null, null, cpuSeconds);
        }

        // The table's normal form as Model Builder loads a CSV: one column per field, numbers as Single (missing → NaN), strings
        // as text (missing → empty, which MapValueToKey and so OneHotEncoding treat as no value).
        private static TextLoader Loader(MLContext mlContext, TablePlan plan)
        {
            var columns = plan.Columns.Select((c, i) => c.Role switch
            {
                TablePlan.LabelRole => new TextLoader.Column(plan.Task == TablePlan.Regression ? Label : LabelSource,
                    plan.Task == TablePlan.Regression ? DataKind.Single : DataKind.String, i),
                TablePlan.Numeric => new TextLoader.Column(Name(i), DataKind.Single, i),
                _ => new TextLoader.Column(Name(i), DataKind.String, i),
            }).ToArray();
            return mlContext.Data.CreateTextLoader(new TextLoader.Options
            {
                Columns = columns, Separators = new[] { ',' }, HasHeader = true, AllowQuoting = true, MissingRealsAsNaNs = true,
            });
        }

        // Column i of the normal form; the CSV's own names may clash with Label and Features, so the pipeline uses its own.
        private static string Name(int i) => $"Column{i}";

        /// <summary>
        /// Model Builder's featurization: missing numbers replaced by the column's mean, categorical strings one-hot,
        /// text through FeaturizeText (default options), all concatenated and min-max normalized; the label mapped to a key
        /// (multiclass: every class of the table, in the plan's order, so a class absent from the training rows is still
        /// scored), to Boolean (binary: the plan's first value false) or kept as Single (regression).
        /// </summary>
        private static IEstimator<ITransformer> Featurize(MLContext mlContext, TablePlan plan)
        {
            var t = mlContext.Transforms;
            var indices = Enumerable.Range(0, plan.Columns.Count);
            var numeric = indices.Where(i => plan.Columns[i].Role == TablePlan.Numeric).Select(i => new InputOutputColumnPair(Name(i))).ToArray();
            var categorical = indices.Where(i => plan.Columns[i].Role == TablePlan.Categorical).Select(i => new InputOutputColumnPair(Name(i))).ToArray();
            var text = indices.Where(i => plan.Columns[i].Role == TablePlan.Text).ToArray();

            IEstimator<ITransformer> pipeline = plan.Task switch
            {
                TablePlan.Multiclass => t.Conversion.MapValueToKey(Label, LabelSource,
                    keyData: mlContext.Data.LoadFromEnumerable(plan.LabelValues.Select(v => new LabelValue { Value = v }))),
                TablePlan.Binary => t.Conversion.MapValue(Label, new[] { new KeyValuePair<string, bool>(plan.LabelValues[0], false),
                    new KeyValuePair<string, bool>(plan.LabelValues[1], true) }, LabelSource),
                _ => new EstimatorChain<ITransformer>(),
            };
            if (numeric.Length > 0) pipeline = pipeline.Append(t.ReplaceMissingValues(numeric));
            if (categorical.Length > 0) pipeline = pipeline.Append(t.Categorical.OneHotEncoding(categorical));
            foreach (int i in text) pipeline = pipeline.Append(t.Text.FeaturizeText(Name(i), Name(i)));
            return pipeline.Append(t.Concatenate(Features, numeric.Concat(categorical).Select(p => p.OutputColumnName).Concat(text.Select(Name)).ToArray()))
                .Append(t.NormalizeMinMax(Features));
        }

        private sealed class LabelValue
        {
            public string Value { get; set; } = "";
        }

        // Each trainer with ML.NET's (and our) default options, RiemannianMlp's changed by --set; caching as an
        // AppendCacheCheckpoint gives it to a trainer that asks.
        private static (IEstimator<ITransformer> Estimator, bool WantsCaching) Trainer(MLContext mlContext, string task, string trainer, IReadOnlyList<CompareOptionSetting> settings)
        {
            ITrainerEstimator<ISingleFeaturePredictionTransformer<object>, object> estimator = (task, trainer) switch
            {
                (TablePlan.Multiclass, Ours) => mlContext.MulticlassClassification.Trainers.RiemannianMlp(TablesOptionSettings.Apply(new RiemannianMlpMulticlassTrainer.Options(), settings)),
                (TablePlan.Multiclass, "SdcaMaximumEntropy") => mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(),
                (TablePlan.Multiclass, LightGbm) => mlContext.MulticlassClassification.Trainers.LightGbm(),
                (TablePlan.Binary, Ours) => mlContext.BinaryClassification.Trainers.RiemannianMlp(TablesOptionSettings.Apply(new RiemannianMlpBinaryTrainer.Options(), settings)),
                (TablePlan.Binary, "SdcaLogisticRegression") => mlContext.BinaryClassification.Trainers.SdcaLogisticRegression(),
                (TablePlan.Binary, LightGbm) => mlContext.BinaryClassification.Trainers.LightGbm(),
                (TablePlan.Regression, Ours) => mlContext.Regression.Trainers.RiemannianMlp(TablesOptionSettings.Apply(new RiemannianMlpRegressionTrainer.Options(), settings)),
                (TablePlan.Regression, "Sdca") => mlContext.Regression.Trainers.Sdca(),
                (TablePlan.Regression, LightGbm) => mlContext.Regression.Trainers.LightGbm(),
                _ => throw new ArgumentException($"Unknown trainer '{trainer}' for task '{task}'; expected one of {string.Join(", ", Trainers(task))}.", nameof(trainer)),
            };
            return (estimator, estimator.Info.WantCaching);
        }

        // Micro-accuracy (multiclass), accuracy and AUC (binary), R² and RMSE (regression).
        private static (double Metric, double? Auc, double? Rmse) Evaluate(MLContext mlContext, string task, IDataView scored)
        {
            switch (task)
            {
                case TablePlan.Multiclass:
                    return (mlContext.MulticlassClassification.Evaluate(scored).MicroAccuracy, null, null);
                case TablePlan.Binary:
                    var binary = scored.Schema.GetColumnOrNull("Probability") is null
                        ? mlContext.BinaryClassification.EvaluateNonCalibrated(scored)
                        : mlContext.BinaryClassification.Evaluate(scored);
                    return (binary.Accuracy, binary.AreaUnderRocCurve, null);
                default:
                    var regression = mlContext.Regression.Evaluate(scored);
                    return (regression.RSquared, null, regression.RootMeanSquaredError);
            }
        }

        private static long Count(IDataView view)
        {
            long rows = 0;
            using var cursor = view.GetRowCursor(Array.Empty<DataViewSchema.Column>());
            while (cursor.MoveNext()) rows++;
            return rows;
        }

        // RiemannianMlp's network and epochs (inside the calibrator for binary); "linear" or "boosted trees" for the others.
        private static string Describe(ITransformer model, string trainer)
        {
            if (trainer != Ours) return trainer == LightGbm ? "boosted trees" : "linear";
            object predictor = ((IEnumerable<ITransformer>)model).OfType<IPredictionTransformer<object>>().Single().Model;
            // A calibrated model's SubModel is declared on the base class and again (new) on the derived one: any of them will do.
            var mlp = predictor as RiemannianMlpModelParameters
                ?? predictor.GetType().GetProperties().FirstOrDefault(p => p.Name == "SubModel")?.GetValue(predictor) as RiemannianMlpModelParameters;
            return mlp is null ? predictor.GetType().Name : $"{string.Join("-", mlp.LayerSizes)}, {mlp.History.Count} epochs";
        }
    }
}
