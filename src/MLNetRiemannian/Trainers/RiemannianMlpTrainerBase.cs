using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using MLNetRiemannian.Data;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using MLNetRiemannian.Training;
using static TorchSharp.torch;

namespace MLNetRiemannian.Trainers
{
    /// <summary>
    /// What the three RiemannianMlp trainers share: option checks, reading the data once into tensors, building the
    /// MLP from <see cref="Dense"/> and <see cref="Activation"/> modules, the fit loop, and handing the trained
    /// weights to <see cref="RiemannianMlpModelParameters"/>.
    /// </summary>
    /// <typeparam name="TTransformer">The prediction transformer the trainer returns.</typeparam>
    public abstract class RiemannianMlpTrainerBase<TTransformer> : ITrainerEstimator<TTransformer, RiemannianMlpModelParameters>
        where TTransformer : class, ISingleFeaturePredictionTransformer<RiemannianMlpModelParameters>
    {
        private protected readonly IHost Host;
        private readonly RiemannianMlpTrainerOptions _options;
        private readonly PredictionTask _task;

        private protected RiemannianMlpTrainerBase(IHostEnvironment env, RiemannianMlpTrainerOptions options, PredictionTask task, string name)
        {
            ArgumentNullException.ThrowIfNull(env);
            ArgumentNullException.ThrowIfNull(options);
            OptionChecks.Validate(options);
            Host = env.Register(name);
            _options = options;
            _task = task;
            // The fit will need libtorch: load it beside whatever the pipeline does first (Interop.LibTorch's remarks).
            Interop.LibTorch.BeginLoading();
        }

        /// <summary>Normalization recommended (use NormalizeMinMax or similar); no calibration; no caching wanted, because the
        /// trainer reads the data once and caches it in native tensors itself; validation supported; incremental training
        /// supported (<see cref="Fit(IDataView, RiemannianMlpModelParameters)"/>).</summary>
        public TrainerInfo Info { get; } = new TrainerInfo(normalization: true, calibration: false, caching: false, supportValid: true, supportIncrementalTrain: true);

        /// <summary>Trains on <paramref name="input"/>, validating on the options' validation set or fraction if any.</summary>
        public TTransformer Fit(IDataView input) => Fit(input, _options.ValidationSet);

        /// <summary>Trains on <paramref name="trainData"/>, reporting the metric on <paramref name="validationData"/> each epoch and stopping early on it.</summary>
        public TTransformer Fit(IDataView trainData, IDataView? validationData)
        {
            ArgumentNullException.ThrowIfNull(trainData);
            var columns = ColumnChecks.Check(trainData.Schema, _options.FeatureColumnName, _options.LabelColumnName, _options.ExampleWeightColumnName, _task);
            var model = Train(trainData, validationData, columns, null);
            return MakeTransformer(model, trainData.Schema);
        }

        /// <summary>
        /// Continues training <paramref name="modelParameters"/> on <paramref name="trainData"/> (warm start, or
        /// retraining, as ML.NET's <c>LbfgsLogisticRegression.Fit(trainData, modelParameters)</c>), validating on the
        /// options' validation set or fraction if any. See <see cref="Fit(IDataView, IDataView, RiemannianMlpModelParameters)"/>.
        /// </summary>
        /// <remarks>
        /// With this overload beside <see cref="Fit(IDataView, IDataView)"/>, a literal <c>Fit(trainData, null)</c> is
        /// ambiguous (CS0121): for no validation set and no model, call <c>Fit(trainData)</c>.
        /// </remarks>
        /// <param name="trainData">The training rows; the feature column must have the model's input width, and for
        /// multiclass the label its class count.</param>
        /// <param name="modelParameters">The model to continue from (a trained transformer's <c>Model</c>); not changed.</param>
        public TTransformer Fit(IDataView trainData, RiemannianMlpModelParameters modelParameters) =>
            Fit(trainData, _options.ValidationSet, modelParameters);

        /// <summary>
        /// Continues training <paramref name="initial"/> on <paramref name="trainData"/> (warm start), reporting the
        /// metric on <paramref name="validationData"/> each epoch when given (null: the options' ValidationSetFraction).
        /// The model's layer sizes, activation and label standardization win: a regression
        /// model's last layer is unfolded with its recorded mean and scale and training continues in those units (a model
        /// without one, saved before format 4, continues in the label's units). Momentum starts at zero, because the
        /// optimizer's state is not part of the model; the returned model's history holds the new epochs only.
        /// </summary>
        /// <param name="trainData">The training rows; the feature column must have the model's input width, and for
        /// multiclass the label its class count.</param>
        /// <param name="validationData">Validation rows, or null.</param>
        /// <param name="initial">The model to continue from; not changed.</param>
        /// <exception cref="ArgumentException">The model's task, feature width, class count or class names (the label key's
        /// values, known for a model trained in this process) differ from the data's, or
        /// HiddenLayerSizes (when set), Activation or LayerMasses contradict the model; the message names both values.</exception>
        public TTransformer Fit(IDataView trainData, IDataView? validationData, RiemannianMlpModelParameters initial)
        {
            ArgumentNullException.ThrowIfNull(trainData);
            ArgumentNullException.ThrowIfNull(initial);
            var columns = ColumnChecks.Check(trainData.Schema, _options.FeatureColumnName, _options.LabelColumnName, _options.ExampleWeightColumnName, _task);
            var model = Train(trainData, validationData, columns, initial);
            return MakeTransformer(model, trainData.Schema);
        }

        /// <inheritdoc/>
        public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        {
            ArgumentNullException.ThrowIfNull(inputSchema);
            var label = ColumnChecks.CheckShape(inputSchema, _options.FeatureColumnName, _options.LabelColumnName, _options.ExampleWeightColumnName, _task);
            var columns = inputSchema.ToDictionary(c => c.Name);
            foreach (var column in OutputColumns(label))
                columns[column.Name] = column;
            return new SchemaShape(columns.Values);
        }

        /// <summary>The columns the transformer adds, as ML.NET's own trainers of the same task declare them.</summary>
        private protected string FeatureColumnName => _options.FeatureColumnName;

        private protected string LabelColumnName => _options.LabelColumnName;

        private protected abstract IEnumerable<SchemaShape.Column> OutputColumns(SchemaShape.Column labelColumn);

        private protected abstract TTransformer MakeTransformer(RiemannianMlpModelParameters model, DataViewSchema trainSchema);

        /// <summary>
        /// A fit in four steps: the rows as the network sees them (<see cref="TrainingRows"/>), the options resolved into a
        /// plan (<see cref="TrainingPlan"/>), the fit loop (<see cref="RunLoop"/>, resumed from a checkpoint when there is
        /// one), the model (<see cref="BuildModel"/>). The fit holds its libtorch thread count for its duration and gives
        /// the previous one back.
        /// </summary>
        private RiemannianMlpModelParameters Train(IDataView trainData, IDataView? validationData, ColumnChecks columns, RiemannianMlpModelParameters? initial)
        {
            using var ch = Host.Start("Training");
            Interop.LibTorch.EnsureLoaded();
            int outputs = _task == PredictionTask.MulticlassClassification ? columns.ClassCount : 1;
            var hidden = _options.HiddenLayerSizes ?? Defaults.HiddenLayerSizes(columns.FeatureCount);
            var sizes = initial is not null ? WarmStart.Sizes(initial, _options, _task, columns)
                : new[] { columns.FeatureCount }.Concat(hidden).Append(outputs).ToArray();
            int? threadCount = Defaults.Threads(_options, sizes);
            var threads = Interop.TorchThreads.Enter(threadCount, () => Host.CheckAlive());
            if (threads.Waited > TimeSpan.Zero)
                ch.Info(MessageSensitivity.None,
                    $"Waited {threads.Waited.TotalSeconds:F2} s for other fits in this process to finish: libtorch's thread count is process-wide, " +
                    $"so fits that ask for different NumberOfThreads take turns (this one uses {threads.Count}).");
            try
            {
                using var scope = NewDisposeScope();
                CheckpointChecks.Folder(_options.CheckpointPath);
                int seed = _options.Seed ?? ((IHostEnvironmentInternal)Host).Seed ?? 0;
                var generator = new Generator((ulong)seed);
                ModelSizeCheck.Check(sizes, _options.NumberOfEpochs ?? Defaults.MaximumEpochs);
                var log = new TrainingLog(_options, _task, ch);
                using var data = TrainingData.Read(trainData, columns, _task);
                log.FeatureMemory(data);
                if (data.SkippedRows > 0)
                    ch.Warning(MessageSensitivity.None, $"Skipped {data.SkippedRows} rows with a missing label in column '{columns.LabelColumn}': they take no part in training." +
                        (_task == PredictionTask.MulticlassClassification
                            ? " A key label is missing also where its value is not in the key's map: a class MapValueToKey was not fitted on (fit it on every row, or give it the classes with keyData), or an empty value."
                            : ""));
                if (OneClassModel.OnlyBinaryClass(data, columns, _task) is { } onlyClass)
                    return OneClassModel.Create(Host, _options.Activation, MetricDescription(), sizes, onlyClass, data.Count, columns, ch);

                // 1. The rows.
                using var rows = TrainingRows.Prepare(data, validationData, _options, _task, columns, initial, seed, generator, ch);
                if (rows.Encoding is { } encoding)
                {
                    sizes[0] = encoding.Width;
                    ModelSizeCheck.Check(sizes, _options.NumberOfEpochs ?? Defaults.MaximumEpochs);
                    if (initial is not null)
                        ch.Info(MessageSensitivity.None, $"Input encoding: the initial model's, kept ({columns.FeatureCount} slots of '{columns.FeatureColumn}' into {encoding.Width} inputs).");
                }
                bool inputScale = initial is not null ? WarmStart.InputScale(initial, _options) : Defaults.InputScaleOn(_options, rows.Sparse);
                log.InputScale(inputScale, initial is not null, rows.Sparse, columns);
                using var network = RiemannianMlpNetwork.Create(_options, sizes, generator, inputScale);
                if (initial is not null) WarmStart.CopyWeights(network, initial);

                // 2. The plan.
                var plan = TrainingPlan.Resolve(_options, rows, sizes, columns.FeatureCount, inputScale);
                var loss = RiemannianMlpNetwork.Loss(_task, _options.LabelSmoothing);
                using var optimizer = RiemannianMlpNetwork.Optimizer(plan.Optimizer, network, loss, RiemannianMlpNetwork.Metric(_options, loss), generator);
                TrainingMetric metric = _task == PredictionTask.Regression ? new TrainingMetric.RootMeanSquaredError() : new TrainingMetric.Accuracy();
                log.Plan(plan, rows, optimizer, threadCount, initial is not null, columns);

                // 3. The loop.
                var (results, history, outcome) = RunLoop(network, optimizer, metric, plan, rows, columns, seed, generator, log, ch);
                log.Outcome(results, outcome, plan, rows, metric);

                // 4. The model. The optimizer's state (as large as the parameters) is released before the model's copy of them is made.
                optimizer.Dispose();
                return BuildModel(network, sizes, rows, history, outcome, columns);
            }
            finally
            {
                threads.Dispose();
            }
        }

        /// <summary>
        /// Runs the fit loop over the plan's epochs, resuming from the options' checkpoint when it exists (and matches this
        /// fit), writing checkpoints as the options ask, logging and reporting each epoch. Returns the loop's per-epoch
        /// results, the epoch summaries (a resumed run's earlier epochs first) and how the loop ended.
        /// </summary>
        private (List<FitLoop.EpochResult> Results, List<EpochSummary> History, TrainingOutcome Outcome) RunLoop(
            Sequential network, RiemannianSgd optimizer, TrainingMetric metric, TrainingPlan plan, TrainingRows rows, ColumnChecks columns, int seed, Generator generator, TrainingLog log, IChannel ch)
        {
            int epochs = plan.Sizes.Epochs;
            double lossUnit = rows.LossUnit, metricUnit = rows.MetricUnit;
            var history = new List<EpochSummary>();
            EpochSummary Summary(FitLoop.EpochResult e) =>
                new(e.Epoch, e.Loss * lossUnit, e.TrainingMetric * metricUnit, e.ValidationMetric * metricUnit, e.Seconds)
                {
                    NonFiniteSteps = e.Events.NonFiniteSteps,
                    JitterRetries = e.Events.JitterRetries,
                    DoublePrecisionFallbacks = e.Events.DoublePrecisionFallbacks,
                    Diagnostics = e.Diagnostics,
                    ZeroWeightBatches = e.ZeroWeightBatches,
                };
            var fingerprint = _options.CheckpointPath is null ? new List<(string, string)>()
                : CheckpointChecks.Fingerprint(_options, _task, MetricDescription(), columns, plan.LayerSizes, rows.X, rows.Y, rows.W, rows.Validation, plan.Sizes, seed, rows.Standardization, plan.AveragingDecay);
            using var resume = _options.CheckpointPath is { } checkpointPath && File.Exists(checkpointPath) ? Checkpoint.Load(checkpointPath) : null;
            if (resume is not null)
            {
                resume.CheckMatches(fingerprint, _options.CheckpointPath!, CheckpointChecks.WrittenOnlyWhileOn);
                CheckpointChecks.Epochs(_options, resume.State.Epoch, epochs);
                history.AddRange(resume.State.History.Select(Summary));
                ch.Info(MessageSensitivity.None, $"Resuming from checkpoint '{_options.CheckpointPath}' after epoch {resume.State.Epoch}" +
                    (resume.State.EarlyStopped ? ", where early stopping ended the run: nothing is left to train." :
                     resume.State.Epoch >= epochs ? $": it holds all {epochs} planned epochs, nothing is left to train." : "."));
            }
            var loop = new FitLoop(network, optimizer, metric);
            var results = loop.Run(rows.X, rows.Y, rows.W, rows.Validation,
                new FitLoop.Settings(epochs, plan.Sizes.BatchSize, _options.Shuffle, _options.EarlyStoppingPatience)
                {
                    NonFiniteAdvice = rows.Statistics.NonFiniteAdvice(), Stop = _options.StopToken,
                    CheckpointPath = _options.CheckpointPath, CheckpointEveryEpochs = _options.CheckpointEveryEpochs, Fingerprint = fingerprint, Resume = resume,
                    AveragingDecay = plan.AveragingDecay,
                }, generator,
                e =>
                {
                    var summary = Summary(e);
                    history.Add(summary);
                    log.Epoch(e, summary, plan, metric);
                    _options.Progress?.Report(summary);
                },
                () => Host.CheckAlive(),
                message => ch.Warning(MessageSensitivity.None, message));
            return (results, history, loop.Outcome!);
        }

        /// <summary>The model of the network's parameters as the loop left them, in the label's units, with what the rows were prepared with.</summary>
        private RiemannianMlpModelParameters BuildModel(Sequential network, int[] sizes, TrainingRows rows, List<EpochSummary> history, TrainingOutcome outcome, ColumnChecks columns)
        {
            var weights = network.Atoms.Select(a => a.Weight.contiguous().data<float>().ToArray()).ToArray();
            var biases = network.Atoms.Select(a => a.Bias.contiguous().data<float>().ToArray()).ToArray();
            if (rows.Standardization is { } fold) Unstandardize(weights[^1], biases[^1], fold);
            var learnedScale = network.Diagonals.Count > 0 ? new InputScale(network.Diagonals[0].Scale.contiguous().data<float>().ToArray()) : null;
            return new RiemannianMlpModelParameters(Host, _task, _options.Activation, sizes, weights, biases, MetricDescription(), history, rows.Standardization, outcome, rows.Scaling, learnedScale, rows.Encoding)
            {
                ClassNames = columns.ClassNames,
            };
        }

        /// <summary>
        /// Folds the label's map back, <c>y = Scale·z + Mean</c>, into the last layer (<c>W ← Scale·W</c>,
        /// <c>b ← Scale·b + Mean</c>, in Float64 then rounded once), so every scoring path works in the label's units.
        /// </summary>
        private static void Unstandardize(float[] weight, float[] bias, LabelStandardization standardization)
        {
            for (int i = 0; i < weight.Length; i++) weight[i] = (float)(standardization.Scale * weight[i]);
            for (int i = 0; i < bias.Length; i++) bias[i] = (float)(standardization.Scale * bias[i] + standardization.Mean);
        }

        private string MetricDescription() => _options.OutputMetric switch
        {
            OutputMetricKind.GaussNewton => string.Create(CultureInfo.InvariantCulture, $"GaussNewton(ε={_options.GaussNewtonEpsilon})"),
            OutputMetricKind.Custom => "Custom",
            _ => "Identity",
        };
    }
}
