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
        }

        /// <summary>Normalization recommended (use NormalizeMinMax or similar); no calibration; no caching wanted, because the trainer reads the data once and caches it in native tensors itself; validation supported.</summary>
        public TrainerInfo Info { get; } = new TrainerInfo(normalization: true, calibration: false, caching: false, supportValid: true);

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
        /// Continues training <paramref name="initial"/> on <paramref name="trainData"/> (warm start, as ML.NET's
        /// <c>LbfgsLogisticRegression.Fit(trainData, modelParameters)</c>), reporting the metric on
        /// <paramref name="validationData"/> each epoch when given (null: the options' ValidationFraction, as
        /// <c>Fit(trainData, null)</c>). The model's layer sizes, activation and label standardization win: a regression
        /// model's last layer is unfolded with its recorded mean and scale and training continues in those units (a model
        /// without one, saved before format 4, continues in the label's units). Momentum starts at zero, because the
        /// optimizer's state is not part of the model; the returned model's history holds the new epochs only.
        /// </summary>
        /// <remarks>
        /// The validation set comes before the model so that <c>Fit(trainData, null)</c> keeps meaning "no validation set":
        /// a <c>Fit(trainData, initial)</c> overload would make that call ambiguous (CS0121).
        /// </remarks>
        /// <param name="trainData">The training rows; the feature column must have the model's input width, and for
        /// multiclass the label its class count.</param>
        /// <param name="validationData">Validation rows, or null.</param>
        /// <param name="initial">The model to continue from; not changed.</param>
        /// <exception cref="ArgumentException">The model's task, feature width or class count differs from the data's, or
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

        private RiemannianMlpModelParameters Train(IDataView trainData, IDataView? validationData, ColumnChecks columns, RiemannianMlpModelParameters? initial)
        {
            using var ch = Host.Start("Training");
            int previousThreads = get_num_threads();
            if (_options.NumberOfThreads is { } threads) set_num_threads(threads);
            try
            {
                using var scope = NewDisposeScope();
                // Before any work: a checkpoint folder that does not exist would otherwise fail only at the first epoch's end.
                if (_options.CheckpointPath is { } target && Path.GetDirectoryName(Path.GetFullPath(target)) is { } folder && !Directory.Exists(folder))
                    throw new DirectoryNotFoundException($"The folder of CheckpointPath '{target}', '{folder}', does not exist.");
                int seed = _options.Seed ?? ((IHostEnvironmentInternal)Host).Seed ?? 0;
                var generator = new Generator((ulong)seed);
                int outputs = _task == PredictionTask.MulticlassClassification ? columns.ClassCount : 1;
                var hidden = _options.HiddenLayerSizes ?? Defaults.HiddenLayerSizes(columns.FeatureCount);
                var sizes = initial is not null ? WarmStart.Sizes(initial, _options, _task, columns)
                    : new[] { columns.FeatureCount }.Concat(hidden).Append(outputs).ToArray();
                ModelSizeCheck.Check(sizes, _options.NumberOfEpochs ?? Defaults.MaximumEpochs);
                using var data = TrainingData.Read(trainData, columns, _task);
                LogFeatureMemory(data, ch);
                if (data.SkippedRows > 0)
                    ch.Info(MessageSensitivity.None, $"Skipped {data.SkippedRows} rows with a missing label in column '{columns.LabelColumn}'.");
                CheckClassesPresent(data, columns);

                var (trainX, trainY, trainW, validation) = SplitValidation(data, validationData, columns, generator);
                using var ownedX = ReferenceEquals(trainX, data.Features) ? null : trainX;
                using var ownedValidation = validation?.X;
                var statistics = TrainingStatistics.Compute(trainX, trainY, trainW, columns, _task);
                WarnIfUnnormalized(statistics, columns, ch);
                // ω = w / Σw does not change when every weight is divided by the largest, and Σw can no longer overflow.
                if (trainW is not null) trainW = trainW / statistics.WeightMax;
                // Regression learns (y − mean) / scale, so the defaults (made for targets of order 1) fit any label's units;
                // the map back is folded into the last layer at the end, and every number reported is in the label's units.
                // A warm start keeps the model's map, so the continued model stays consistent with it.
                var standardization = initial is not null ? initial.LabelStandardization : statistics.Standardization;
                if (standardization is { } st)
                {
                    trainY = (trainY - st.Mean) / st.Scale;
                    if (validation is { } held) validation = (held.X, (held.Y - st.Mean) / st.Scale);
                }
                double lossUnit = standardization is { } su ? su.Scale * su.Scale : 1, metricUnit = standardization?.Scale ?? 1;
                using var network = RiemannianMlpNetwork.Create(_options, sizes, generator);
                if (initial is not null) WarmStart.CopyWeights(network, initial);
                var loss = RiemannianMlpNetwork.Loss(_task);
                var trainingSizes = Defaults.Resolve(_options, new TableShape(trainX.Rows, columns.FeatureCount, data.NonZerosPerRow, outputs));
                var (batchSize, curvatureBatchSize, outputRank, epochs, refreshSteps) = trainingSizes;
                var outputMetric = RiemannianMlpNetwork.Metric(_options, loss);
                var plan = trainingSizes.OptimizerPlan(_options, trainX.Rows);
                using var optimizer = RiemannianMlpNetwork.Optimizer(plan, network, loss, outputMetric, generator);
                TrainingMetric metric = _task == PredictionTask.Regression ? new TrainingMetric.RootMeanSquaredError() : new TrainingMetric.Accuracy();
                ch.Info(MessageSensitivity.None,
                    $"RiemannianMlp: {string.Join("-", sizes)} {_options.Activation} network, {trainX.Rows} training rows" +
                    $"{(validation is { } v ? $", {v.X.Rows} validation rows" : "")}, {epochs} epochs of batches of {batchSize}" +
                    $"{(curvatureBatchSize is > 0 && curvatureBatchSize < batchSize ? $" (metric on {curvatureBatchSize} of them)" : "")}" +
                    $"{(plan.CurvatureRefreshSteps > 1 ? $", curvature rows refreshed every {plan.CurvatureRefreshSteps} steps" : "")}; {plan}" +
                    $"{(_options.MassKind == MassKind.Fixed ? $", μ = {_options.Mass}" : "")}, output metric {_options.OutputMetric} " +
                    (outputRank > 0 ? $"with a sampled factor of rank {outputRank} of {outputs}" : "with its exact factor") +
                    $"{(standardization is { } ls ? $"; label '{columns.LabelColumn}' standardized with mean {ls.Mean:G6} and scale {ls.Scale:G6}" : "")}.");
                if (initial is not null)
                    ch.Info(MessageSensitivity.None, "Warm start: continuing from the given model's weights; momentum and the adaptive mass's moments start at zero (the model does not hold the optimizer's state).");
                long curvatureSamples = curvatureBatchSize is > 0 ? Math.Min(curvatureBatchSize, batchSize) : batchSize;
                ch.Info(MessageSensitivity.None, $"Inner systems: {optimizer.DescribeInnerSystems(Math.Min(curvatureSamples, trainX.Rows), outputs)}.");

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
                    : CheckpointFingerprint(columns, sizes, trainX.Rows, validation?.X.Rows, batchSize, curvatureBatchSize, outputRank, refreshSteps, seed, standardization, trainY);
                using var resume = _options.CheckpointPath is { } checkpointPath && File.Exists(checkpointPath) ? Checkpoint.Load(checkpointPath) : null;
                if (resume is not null)
                {
                    resume.CheckMatches(fingerprint, _options.CheckpointPath!);
                    history.AddRange(resume.State.History.Select(Summary));
                    ch.Info(MessageSensitivity.None, $"Resuming from checkpoint '{_options.CheckpointPath}' after epoch {resume.State.Epoch}.");
                }
                var loop = new FitLoop(network, optimizer, metric);
                var results = loop.Run(trainX, trainY, trainW, validation,
                    new FitLoop.Settings(epochs, batchSize, _options.Shuffle, _options.EarlyStoppingPatience)
                    {
                        NonFiniteAdvice = statistics.NonFiniteAdvice(), Stop = _options.StopToken,
                        CheckpointPath = _options.CheckpointPath, CheckpointEveryEpochs = _options.CheckpointEveryEpochs, Fingerprint = fingerprint, Resume = resume,
                    }, generator,
                    e =>
                    {
                        var summary = Summary(e);
                        history.Add(summary);
                        ch.Info(MessageSensitivity.None,
                            $"Epoch {e.Epoch}/{epochs}: loss {summary.TrainingLoss:G5}, training {metric.Name} {summary.TrainingMetric:G5}" +
                            $"{(summary.ValidationMetric is { } m ? $", validation {metric.Name} {m:G5}" : "")}, {e.Seconds:F2} s, {e.StepsPerSecond:F1} steps/s" +
                            (e.ZeroWeightBatches == 0 ? "" : $"; {e.ZeroWeightBatches} steps skipped for example weights summing to 0") +
                            (e.Events.IsEmpty ? "" : $"; numerical events: {e.Events.NonFiniteSteps} refused steps, {e.Events.JitterRetries} jitter retries, {e.Events.DoublePrecisionFallbacks} Float64 fallbacks"));
                        if (e.Diagnostics is { } d) LogDiagnostics(ch, sizes, d);
                        _options.Progress?.Report(summary);
                    },
                    () => Host.CheckAlive(),
                    message => ch.Warning(MessageSensitivity.None, message));
                WarnIfTrainedBadly(results, statistics, lossUnit, ch);
                var outcome = loop.Outcome!;
                if (outcome.Reason != TrainingStopReason.Completed)
                    ch.Info(MessageSensitivity.None,
                        (outcome.Reason == TrainingStopReason.StopRequested ? $"Training stopped by StopToken in epoch {outcome.Epoch} after {outcome.Step} steps; "
                            : $"Training stopped early after epoch {outcome.Epoch} ({_options.EarlyStoppingPatience} epochs without a better validation {metric.Name}); ") +
                        (outcome.KeptEpoch is { } k ? $"keeping the parameters of epoch {k}." : "keeping the parameters of the moment of the stop."));

                var weights = network.Atoms.Select(a => a.Weight.contiguous().data<float>().ToArray()).ToArray();
                var biases = network.Atoms.Select(a => a.Bias.contiguous().data<float>().ToArray()).ToArray();
                if (standardization is { } fold) Unstandardize(weights[^1], biases[^1], fold);
                return new RiemannianMlpModelParameters(Host, _task, _options.Activation, sizes, weights, biases, MetricDescription(), history, standardization, outcome);
            }
            finally
            {
                if (_options.NumberOfThreads is not null) set_num_threads(previousThreads);
            }
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

        /// <summary>
        /// A model that trained badly must say so: when the last epoch's mean training loss is no better than that of the
        /// best constant prediction (the mean label, or the class frequencies), the network learned nothing usable.
        /// </summary>
        private void WarnIfTrainedBadly(List<FitLoop.EpochResult> results, TrainingStatistics statistics, double lossUnit, IChannel ch)
        {
            // "No better": within 1 % of the constant's loss, which a network whose outputs barely moved from 0 matches.
            if (results.Count == 0 || !(statistics.ConstantPredictorLoss > 0) || results[^1].Loss < 0.99 * statistics.ConstantPredictorLoss) return;
            string constant = _task == PredictionTask.Regression ? $"always predicting the mean label, {statistics.LabelMean:G4}" : "always predicting the class frequencies";
            ch.Warning(MessageSensitivity.None,
                $"RiemannianMlp trained badly: the last epoch's mean training loss, {results[^1].Loss * lossUnit:G4}, is no better than {statistics.ConstantPredictorLoss * lossUnit:G4}, " +
                $"that of {constant}. Its predictions are no better than that constant: train longer (NumberOfEpochs), change the learning rate " +
                $"(now {Defaults.LearningRate(_options)}) or check the features. Training statistics: {statistics}.");
        }

        private static void LogDiagnostics(IChannel ch, int[] sizes, EpochDiagnostics diagnostics)
        {
            ch.Info(MessageSensitivity.None,
                $"  action {diagnostics.Action:G4} against a loss decrease of {diagnostics.LossDecrease:G4} (ratio {diagnostics.LossDecrease / diagnostics.Action:F3})");
            for (int l = 0; l < diagnostics.Layers.Count; l++)
            {
                var layer = diagnostics.Layers[l];
                ch.Info(MessageSensitivity.None,
                    $"  layer {sizes[l]}→{sizes[l + 1]}: gᵀG⁻¹g {layer.GradientDualNormSquared:G4}, solver residual {layer.SolverResidual:G2}, " +
                    $"step length |Δw|_G {layer.StepLength:G4}, action {layer.Action:G4}, cond(S) {layer.InnerSystemCondition:G3}");
            }
        }

        /// <summary>What a checkpoint must agree on to be resumed: the data's shape and every option the steps depend on.</summary>
        private List<(string Name, string Value)> CheckpointFingerprint(ColumnChecks columns, int[] sizes, long rows, long? validationRows,
            int batchSize, int? curvatureBatchSize, int outputRank, int refreshSteps, int seed, LabelStandardization? standardization, Tensor labels)
        {
            static string N(double x) => x.ToString("R", CultureInfo.InvariantCulture);
            // Same counts but other rows (or another order) would resume into a different run: the labels' digest tells them apart.
            using var wide = labels.to_type(ScalarType.Float64).contiguous().cpu();
            string digest = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(wide.data<double>().ToArray().AsSpan())))[..16];
            return new()
            {
                ("the task", _task.ToString()),
                ($"the width of feature column '{columns.FeatureColumn}'", columns.FeatureCount.ToString(CultureInfo.InvariantCulture)),
                ("the class count", columns.ClassCount.ToString(CultureInfo.InvariantCulture)),
                ("the training row count", rows.ToString(CultureInfo.InvariantCulture)),
                ("the validation row count", validationRows?.ToString(CultureInfo.InvariantCulture) ?? "none"),
                ("the layer sizes", string.Join("-", sizes)),
                (nameof(_options.Activation), _options.Activation.ToString()),
                (nameof(_options.BatchSize), batchSize.ToString(CultureInfo.InvariantCulture)),
                (nameof(_options.CurvatureBatchSize), curvatureBatchSize?.ToString(CultureInfo.InvariantCulture) ?? "whole batch"),
                (nameof(_options.OutputRank), outputRank.ToString(CultureInfo.InvariantCulture)),
                (nameof(_options.OutputMetric), MetricDescription()),
                (nameof(_options.MassKind), _options.MassKind.ToString()),
                (nameof(_options.LearningRate), N(Defaults.LearningRate(_options))),
                (nameof(_options.LearningRateSchedule), Defaults.Schedule(_options).ToString()!),
                (nameof(_options.CurvatureRefreshSteps), refreshSteps.ToString(CultureInfo.InvariantCulture)),
                (nameof(_options.Momentum), N(_options.Momentum)),
                (nameof(_options.Mass), N(_options.Mass)),
                (nameof(_options.LayerMasses), _options.LayerMasses is null ? "none" : string.Join(",", _options.LayerMasses.Select(N))),
                (nameof(_options.L2Regularization), N(_options.L2Regularization)),
                (nameof(_options.SolvePrecision), _options.SolvePrecision.ToString()),
                (nameof(_options.Shuffle), _options.Shuffle.ToString()),
                (nameof(_options.EarlyStoppingPatience), _options.EarlyStoppingPatience.ToString(CultureInfo.InvariantCulture)),
                ("the seed", seed.ToString(CultureInfo.InvariantCulture)),
                ("the label standardization", standardization is { } s ? $"mean {N(s.Mean)}, scale {N(s.Scale)}" : "none"),
                // Last: the seed also decides the validation split, so a different seed is reported as itself.
                ("the training labels (SHA-256 of their values, in order)", digest),
            };
        }

        private string MetricDescription() => _options.OutputMetric switch
        {
            OutputMetricKind.GaussNewton => $"GaussNewton(ε={_options.GaussNewtonEpsilon})",
            OutputMetricKind.Custom => "Custom",
            _ => "Identity",
        };

        /// <summary>
        /// The defaults (η, μ) assume features of order 1: far larger or smaller ones train without overflow (the step
        /// is scale-aware) but slowly or poorly, so say so, with the remedy.
        /// </summary>
        private static void WarnIfUnnormalized(TrainingStatistics statistics, ColumnChecks columns, IChannel ch)
        {
            double largest = statistics.FeatureMagnitude;
            if (largest > 0 && (largest > TrainingStatistics.LargeFeature || largest < 1 / TrainingStatistics.LargeFeature))
                ch.Warning(MessageSensitivity.None,
                    $"Feature column '{columns.FeatureColumn}' has values of magnitude up to {largest:G3}; RiemannianMlp's defaults assume features " +
                    $"of order 1. Normalize them, e.g. mlContext.Transforms.NormalizeMinMax(\"{columns.FeatureColumn}\"), for a good fit.");
        }

        private void CheckClassesPresent(TrainingData data, ColumnChecks columns)
        {
            if (_task == PredictionTask.Regression) return;
            using var scope = NewDisposeScope();
            long present = _task == PredictionTask.MulticlassClassification
                ? data.Labels.bincount(null, columns.ClassCount).gt(0).sum().item<long>()
                : data.Labels.unique().Item1.shape[0];
            if (present < 2)
                throw new ArgumentOutOfRangeException(nameof(data),
                    $"Label column '{columns.LabelColumn}' holds only {present} distinct class in the training rows; at least 2 are needed.");
        }

        /// <summary>Logs how the features are cached and what they take, against their non-zeros.</summary>
        private static void LogFeatureMemory(TrainingData data, IChannel ch)
        {
            var f = data.Features;
            ch.Info(MessageSensitivity.None, f is CsrFeatureMatrix
                ? $"Features cached as compressed rows: {f.Rows} rows × {f.Width} slots, {f.StoredEntries} non-zeros ({data.NonZerosPerRow:G3} per row), " +
                  $"{f.StorageBytes} bytes ({(double)f.StorageBytes / Math.Max(f.StoredEntries, 1):F1} per non-zero)."
                : $"Features cached dense: {f.Rows} rows × {f.Width} slots, {f.StorageBytes} bytes.");
        }

        /// <summary>The training rows and, when validating, the validation rows; matrices other than <paramref name="data"/>'s are the caller's to dispose.</summary>
        private (FeatureMatrix X, Tensor Y, Tensor? W, (FeatureMatrix X, Tensor Y)? Validation) SplitValidation(
            TrainingData data, IDataView? validationData, ColumnChecks columns, Generator generator)
        {
            if (validationData is not null)
            {
                var validColumns = ColumnChecks.Check(validationData.Schema, columns.FeatureColumn, columns.LabelColumn, null, _task);
                if (validColumns.FeatureCount != columns.FeatureCount)
                    throw new ArgumentOutOfRangeException(nameof(validationData),
                        $"Feature column '{columns.FeatureColumn}' has {validColumns.FeatureCount} slots in the validation data but {columns.FeatureCount} in the training data.");
                var valid = TrainingData.Read(validationData, validColumns, _task);
                return (data.Features, data.Labels, data.Weights, (valid.Features, valid.Labels));
            }
            if (_options.ValidationFraction <= 0)
                return (data.Features, data.Labels, data.Weights, null);
            long held = (long)Math.Round(data.Count * _options.ValidationFraction);
            if (held < 1 || held >= data.Count)
                throw new ArgumentOutOfRangeException(nameof(_options.ValidationFraction),
                    $"ValidationFraction {_options.ValidationFraction} of {data.Count} rows leaves {held} validation rows; use a larger fraction or a ValidationSet.");
            var order = randperm(data.Count, generator: generator);
            var validIndex = order.narrow(0, 0, held);
            var trainIndex = order.narrow(0, held, data.Count - held);
            return (data.Features.Select(trainIndex), data.Labels.index_select(0, trainIndex), data.Weights?.index_select(0, trainIndex),
                (data.Features.Select(validIndex), data.Labels.index_select(0, validIndex)));
        }
    }
}
