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
                using var data = TrainingData.Read(trainData, columns, _task);
                LogFeatureMemory(data, ch);
                if (data.SkippedRows > 0)
                    ch.Warning(MessageSensitivity.None, $"Skipped {data.SkippedRows} rows with a missing label in column '{columns.LabelColumn}': they take no part in training.");
                if (OneClassModel.OnlyBinaryClass(data, columns, _task) is { } onlyClass)
                    return OneClassModel.Create(Host, _options.Activation, MetricDescription(), sizes, onlyClass, data.Count, columns, ch);

                double heldOutFraction = Defaults.HeldOutFraction(_options, data.Count, validationData is not null);
                var (trainX, trainY, trainW, validation) = SplitValidation(data, validationData, heldOutFraction, columns, generator);
                LogHoldOut(validationData is not null, validation?.X.Rows ?? 0, data.Count, heldOutFraction, ch);
                using var ownedX = ReferenceEquals(trainX, data.Features) ? null : trainX;
                using var ownedValidation = validation?.X;
                // The model's input scaling, learned from the training rows (a warm start keeps the initial model's), applied
                // to the cached rows once: the network trains on what it will score.
                var inputScaling = initial is not null ? WarmStart.InputScaling(initial, _options)
                    : (_options.InputScaling ?? Defaults.InputScaling) == InputScalingKind.Robust ? InputScalingFit.Fit(trainX, trainW, seed) : null;
                if (inputScaling is not null)
                {
                    InputScalingFit.Apply(inputScaling, trainX);
                    if (validation is { } held) InputScalingFit.Apply(inputScaling, held.X);
                    ch.Info(MessageSensitivity.None, initial is not null
                        ? $"Input scaling: the initial model's, kept (each of the {columns.FeatureCount} slots of '{columns.FeatureColumn}' mapped as it was trained)."
                        : trainX.Compressed is null
                        ? $"Input scaling: each of the {columns.FeatureCount} slots of '{columns.FeatureColumn}' centred on its median and scaled by its interquartile range, then smoothly clipped to ±{inputScaling.ClipBound} (kept in the model)."
                        : $"Input scaling: each of the {columns.FeatureCount} slots of '{columns.FeatureColumn}' divided by its largest magnitude (no centering: the features stay sparse), then smoothly clipped to ±{inputScaling.ClipBound} (kept in the model).");
                }
                var statistics = TrainingStatistics.Compute(trainX, trainY, trainW, columns, _task, _options.LabelSmoothing);
                WarnIfUnnormalized(statistics, columns, ch);
                // The model's input encoding, learned from the scaled training rows (a warm start keeps the initial model's), after
                // the checks above, which are about the features as the pipeline gives them; the cached rows are replaced by
                // their encoding, the network's input.
                var inputEncoding = initial is not null ? WarmStart.InputEncoding(initial, _options, trainX, validation?.X.Rows ?? 0, columns)
                    : InputEncodingChoice.ForNewModel(_options, trainX, trainW, validation?.X.Rows ?? 0, seed, columns, ch);
                using var encodedX = inputEncoding is null ? null : InputEncodingFit.Apply(inputEncoding, trainX);
                using var encodedValidation = inputEncoding is null || validation is null ? null : InputEncodingFit.Apply(inputEncoding, validation.Value.X);
                if (inputEncoding is not null)
                {
                    trainX = encodedX!;
                    if (validation is { } held) validation = (encodedValidation!, held.Y);
                    sizes[0] = inputEncoding.Width;
                    ModelSizeCheck.Check(sizes, _options.NumberOfEpochs ?? Defaults.MaximumEpochs);
                    if (initial is not null)
                        ch.Info(MessageSensitivity.None, $"Input encoding: the initial model's, kept ({columns.FeatureCount} slots of '{columns.FeatureColumn}' into {inputEncoding.Width} inputs).");
                }
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
                bool sparseInput = trainX.Compressed is not null;
                bool inputScale = initial is not null ? WarmStart.InputScale(initial, _options) : Defaults.InputScaleOn(_options, sparseInput);
                LogInputScale(inputScale, initial is not null, sparseInput, columns, ch);
                using var network = RiemannianMlpNetwork.Create(_options, sizes, generator, inputScale);
                if (initial is not null) WarmStart.CopyWeights(network, initial);
                var loss = RiemannianMlpNetwork.Loss(_task, _options.LabelSmoothing);
                // The rows the network trains on: the encoded ones are dense, every input of each row stored.
                double nonZerosPerRow = inputEncoding?.Width ?? data.NonZerosPerRow;
                var trainingSizes = Defaults.Resolve(_options, new TableShape(trainX.Rows, columns.FeatureCount, nonZerosPerRow, outputs, data.Count));
                var (batchSize, curvatureBatchSize, outputRank, epochs, refreshSteps) = trainingSizes;
                var outputMetric = RiemannianMlpNetwork.Metric(_options, loss);
                var plan = trainingSizes.OptimizerPlan(_options, trainX.Rows, sparseInput, inputScale);
                bool columnSparseEligible = TrainingSizes.ColumnSparseEligible(_options, sparseInput, inputScale);
                double averaging = Defaults.ParameterAveraging(_options, columnSparseEligible);
                using var optimizer = RiemannianMlpNetwork.Optimizer(plan, network, loss, outputMetric, generator);
                TrainingMetric metric = _task == PredictionTask.Regression ? new TrainingMetric.RootMeanSquaredError() : new TrainingMetric.Accuracy();
                ch.Info(MessageSensitivity.None,
                    $"RiemannianMlp: {string.Join("-", sizes)} {_options.Activation} network, {trainX.Rows} training rows" +
                    $"{(validation is { } v ? $", {v.X.Rows} validation rows" : "")}, {epochs} epochs of batches of {batchSize}" +
                    $"{(curvatureBatchSize is > 0 && curvatureBatchSize < batchSize ? $" (metric on {curvatureBatchSize} of them)" : "")}" +
                    $"{(plan.CurvatureRefreshSteps > 1 ? $", curvature rows refreshed every {plan.CurvatureRefreshSteps} steps" : "")}; {plan}" +
                    $"{(_options.NumberOfThreads is null && threadCount == 1 ? ", on 1 libtorch thread (a network this small has too little work per step to share)" : "")}" +
                    $"{(_options.MassKind == MassKind.Fixed ? $", μ = {_options.Mass}" : "")}, output metric {_options.OutputMetric} " +
                    (outputRank > 0 ? $"with a sampled factor of rank {outputRank} of {outputs}" : "with its exact factor") +
                    $"{(standardization is { } ls ? $"; label '{columns.LabelColumn}' standardized with mean {ls.Mean:G6} and scale {ls.Scale:G6}" : "")}.");
                ch.Info(MessageSensitivity.None, averaging > 0
                    ? $"The model is the moving average of the parameters over the steps (ParameterAveragingDecay {averaging:G3}): each epoch's validation, the epoch kept and the returned model are the average's." +
                      (columnSparseEligible ? " Every weight is averaged after every step, so the first layer of these sparse features takes the dense step, not the column-sparse one." : "")
                    : _options.ParameterAveragingDecay is null
                        ? "No parameter averaging: the first layer's column-sparse step on these sparse features would lose its savings (ParameterAveragingDecay turns it on)."
                        : "No parameter averaging (ParameterAveragingDecay 0): the model holds the last step's parameters.");
                if (initial is not null)
                    ch.Info(MessageSensitivity.None, "Warm start: continuing from the given model's weights; momentum and the adaptive mass's moments start at zero (the model does not hold the optimizer's state).");
                var cost = PlannedCost.Of(sizes, trainX.Rows, batchSize, epochs, nonZerosPerRow, plan.ColumnSparseFirstLayer, Math.Min(curvatureBatchSize > 0 ? curvatureBatchSize : batchSize, batchSize));
                ch.Info(MessageSensitivity.None, cost.Describe());
                if (cost.Warning(columns.FeatureColumn) is { } far) ch.Warning(MessageSensitivity.None, far);
                long curvatureSamples = curvatureBatchSize is > 0 ? Math.Min(curvatureBatchSize, batchSize) : batchSize;
                // The method's internals: Trace, not Info (filter on Kind to see them).
                ch.Trace(MessageSensitivity.None, $"Inner systems: {optimizer.DescribeInnerSystems(Math.Min(curvatureSamples, trainX.Rows), outputs)}.");

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
                    : CheckpointChecks.Fingerprint(_options, _task, MetricDescription(), columns, sizes, trainX, trainY, trainW, validation, trainingSizes, seed, standardization, averaging);
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
                var results = loop.Run(trainX, trainY, trainW, validation,
                    new FitLoop.Settings(epochs, batchSize, _options.Shuffle, _options.EarlyStoppingPatience)
                    {
                        NonFiniteAdvice = statistics.NonFiniteAdvice(), Stop = _options.StopToken,
                        CheckpointPath = _options.CheckpointPath, CheckpointEveryEpochs = _options.CheckpointEveryEpochs, Fingerprint = fingerprint, Resume = resume,
                        AveragingDecay = averaging,
                    }, generator,
                    e =>
                    {
                        var summary = Summary(e);
                        history.Add(summary);
                        ch.Info(MessageSensitivity.None,
                            $"Epoch {e.Epoch}/{epochs}: loss {summary.TrainingLoss:G5}, training {metric.Name} {summary.TrainingMetric:G5}" +
                            $"{(summary.ValidationMetric is { } m ? $", validation {metric.Name} {m:G5}{(averaging > 0 ? " (of the average)" : "")}" : "")}, {e.Seconds:F2} s, {e.StepsPerSecond:F1} steps/s" +
                            (e.ZeroWeightBatches == 0 ? "" : $"; {e.ZeroWeightBatches} steps skipped for example weights summing to 0") +
                            (e.Events.IsEmpty ? "" : $"; numerical events: {e.Events.NonFiniteSteps} refused steps, {e.Events.JitterRetries} jitter retries, {e.Events.DoublePrecisionFallbacks} Float64 fallbacks"));
                        if (e.Diagnostics is { } d) LogDiagnostics(ch, sizes, d);
                        _options.Progress?.Report(summary);
                    },
                    () => Host.CheckAlive(),
                    message => ch.Warning(MessageSensitivity.None, message));
                WarnIfTrainedBadly(results, statistics, lossUnit, ch);
                WarnIfLearnedByHeart(results, validation is not null, epochs, trainX.Rows, cost.Parameters, ch);
                var outcome = loop.Outcome!;
                ReportStop(outcome, results.Count, (trainX.Rows + batchSize - 1) / batchSize, metric, ch);
                if (outcome.Reason != TrainingStopReason.Completed && results.Count > 0)
                    ch.Info(MessageSensitivity.None,
                        (outcome.Reason == TrainingStopReason.StopRequested ? $"Training stopped by StopToken in epoch {outcome.Epoch} after {outcome.Step} steps; "
                            : $"Training stopped early after epoch {outcome.Epoch} ({_options.EarlyStoppingPatience} epochs without a better validation {metric.Name}); ") +
                        (outcome.KeptEpoch is { } k ? $"keeping the parameters of epoch {k}" : "keeping the parameters of the moment of the stop") +
                        (outcome.KeptEpoch is { } kv && results.Find(r => r.Epoch == kv).ValidationMetric is { } best ? $" (validation {metric.Name} {best * metricUnit:G5}{Tie(best)})." : "."));
                else if (outcome.Reason == TrainingStopReason.Completed && validation is not null && _options.EarlyStoppingPatience > 0 && outcome.KeptEpoch is { } kept && results.Count > 0)
                    ch.Info(MessageSensitivity.None, kept == outcome.Epoch
                        ? $"Training ran its {epochs} epochs; the last was the best on the validation rows and is kept."
                        : $"Training ran its {epochs} epochs; keeping the parameters of epoch {kept}, the best on the validation rows" +
                          (results.Find(r => r.Epoch == kept).ValidationMetric is { } bestKept ? $" (validation {metric.Name} {bestKept * metricUnit:G5}{Tie(bestKept)})." : "."));
                // Epochs that tie on the validation metric are told apart by the validation loss (FitLoop); say so when it happened.
                string Tie(double value) => results.Count(r => r.ValidationMetric == value) > 1
                    ? $"; {results.Count(r => r.ValidationMetric == value)} epochs had it, and of those this one had the lowest validation loss" : "";

                // The optimizer's state (as large as the parameters) is released before the model's copy of them is made.
                optimizer.Dispose();
                var weights = network.Atoms.Select(a => a.Weight.contiguous().data<float>().ToArray()).ToArray();
                var biases = network.Atoms.Select(a => a.Bias.contiguous().data<float>().ToArray()).ToArray();
                if (standardization is { } fold) Unstandardize(weights[^1], biases[^1], fold);
                var learnedScale = network.Diagonals.Count > 0 ? new InputScale(network.Diagonals[0].Scale.contiguous().data<float>().ToArray()) : null;
                return new RiemannianMlpModelParameters(Host, _task, _options.Activation, sizes, weights, biases, MetricDescription(), history, standardization, outcome, inputScaling, learnedScale, inputEncoding)
                {
                    ClassNames = columns.ClassNames,
                };
            }
            finally
            {
                threads.Dispose();
            }
        }

        /// <summary>
        /// Says whether the network learns an input scale and why, when that is not plainly what the options asked: a
        /// default left off for sparse features, a scale that costs a sparse first layer its column-sparse step, a warm start.
        /// </summary>
        private void LogInputScale(bool on, bool warmStart, bool sparseInput, ColumnChecks columns, IChannel ch)
        {
            string slots = $"each of the {columns.FeatureCount} slots of '{columns.FeatureColumn}'";
            if (warmStart)
            {
                if (on) ch.Info(MessageSensitivity.None, $"Input scale: the initial model's learned factors, trained further ({slots} multiplied by its own factor).");
                return;
            }
            if (on)
                ch.Info(MessageSensitivity.None, $"Input scale: {slots} multiplied by a learned factor, starting at 1 (kept in the model)" +
                    (sparseInput ? "; the features stay sparse, but the first layer takes the dense step instead of the column-sparse one." : "."));
            else if (_options.LearnInputScale is null && sparseInput && Defaults.LearnInputScale)
                ch.Info(MessageSensitivity.None, $"Input scale: none for sparse features by default (it would cost the first layer its column-sparse step); set LearnInputScale = true to learn one.");
        }

        /// <summary>
        /// A stop that left nothing to keep is a cancellation, as <c>mlContext.CancelExecution()</c> gives: no step ran in
        /// this Fit and no resumed epoch precedes it, so the network is the untrained initial one (or the warm start's model
        /// unchanged). A stop after some steps but before the first epoch's end keeps those steps with a Warning, because
        /// its model was never evaluated.
        /// </summary>
        /// <exception cref="OperationCanceledException">The StopToken was cancelled before the first step.</exception>
        private void ReportStop(TrainingOutcome outcome, int completedEpochs, long stepsPerEpoch, TrainingMetric metric, IChannel ch)
        {
            if (outcome.Reason != TrainingStopReason.StopRequested || completedEpochs > 0) return;
            if (outcome.Step == 0)
                throw new OperationCanceledException(
                    "Training was stopped by StopToken before its first step: there is no trained model to return. " +
                    "Cancel the token only after Fit has started (for a time budget, give each Fit its own), or catch OperationCanceledException.",
                    _options.StopToken);
            ch.Warning(MessageSensitivity.None,
                $"Training stopped by StopToken in epoch {outcome.Epoch} after {outcome.Step} of its {stepsPerEpoch} steps, before the end of the first epoch: " +
                $"the model keeps the parameters of that moment, never evaluated (no training or validation {metric.Name}), and is likely far from trained. " +
                "Give training more time before stopping it, or check model.Outcome (EndedBeforeFirstEpoch) before using the model.");
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

        /// <summary>
        /// A classifier that reached training accuracy 1 before its last epoch, with nothing held out, may have learned the
        /// training rows by heart, and nothing says whether the later epochs helped: say so, with what to change.
        /// </summary>
        private void WarnIfLearnedByHeart(List<FitLoop.EpochResult> results, bool validated, int epochs, long rows, long parameters, IChannel ch)
        {
            if (_task == PredictionTask.Regression || validated) return;
            int first = results.FindIndex(e => e.TrainingMetric >= 1 - 1e-9);
            if (first < 0 || first == results.Count - 1) return;
            ch.Warning(MessageSensitivity.None, string.Create(CultureInfo.InvariantCulture,
                $"Training accuracy reached 1 in epoch {results[first].Epoch} of {epochs}, and the network's {parameters:N0} parameters went on training on " +
                $"the same {rows:N0} rows: it may have learned them by heart, and with no rows held out nothing tells whether the later epochs helped. " +
                $"Set ValidationSetFraction (e.g. 0.2) or a ValidationSet to keep the epoch that does best on held-out rows, or fewer NumberOfEpochs."));
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

        private string MetricDescription() => _options.OutputMetric switch
        {
            OutputMetricKind.GaussNewton => string.Create(CultureInfo.InvariantCulture, $"GaussNewton(ε={_options.GaussNewtonEpsilon})"),
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

        /// <summary>Logs how the features are cached and what they take, against their non-zeros.</summary>
        private static void LogFeatureMemory(TrainingData data, IChannel ch)
        {
            var f = data.Features;
            ch.Info(MessageSensitivity.None, f is CsrFeatureMatrix
                ? $"Features cached as compressed rows: {f.Rows} rows × {f.Width} slots, {f.StoredEntries} non-zeros ({data.NonZerosPerRow:G3} per row), " +
                  $"{f.StorageBytes} bytes ({(double)f.StorageBytes / Math.Max(f.StoredEntries, 1):F1} per non-zero)."
                : $"Features cached dense: {f.Rows} rows × {f.Width} slots, {f.StorageBytes} bytes.");
        }

        /// <summary>Says in the Info log what was held out for validation, or why nothing was.</summary>
        private void LogHoldOut(bool validationSetGiven, long held, long rows, double fraction, IChannel ch)
        {
            if (validationSetGiven) return;
            string patience = _options.EarlyStoppingPatience > 0
                ? $", training stops after {_options.EarlyStoppingPatience} epochs without a better one, and the model keeps the best epoch."
                : " (EarlyStoppingPatience 0: no early stopping, the last epoch is kept).";
            if (held > 0)
                ch.Info(MessageSensitivity.None,
                    $"Held out {held} of the {rows} training rows for validation (ValidationSetFraction " +
                    $"{fraction.ToString(CultureInfo.InvariantCulture)}{(_options.ValidationSetFraction is null ? ", the default" : "")}" +
                    $"{(_task == PredictionTask.Regression ? "" : ", stratified by class")}): each epoch is evaluated on them" + patience);
            else if (_options.ValidationSetFraction is null)
                ch.Info(MessageSensitivity.None,
                    $"Nothing held out for validation: {rows} training rows are fewer than the {Defaults.MinimumRowsForHoldOut} the default hold-out needs, " +
                    "so every row trains for the planned epochs and the last epoch is kept (set ValidationSetFraction or a ValidationSet to validate anyway).");
            else
                ch.Info(MessageSensitivity.None, "Nothing held out for validation (ValidationSetFraction 0): every row trains for the planned epochs and the last epoch is kept.");
        }

        /// <summary>The training rows and, when validating, the validation rows; matrices other than <paramref name="data"/>'s are the caller's to dispose.</summary>
        private (FeatureMatrix X, Tensor Y, Tensor? W, (FeatureMatrix X, Tensor Y)? Validation) SplitValidation(
            TrainingData data, IDataView? validationData, double fraction, ColumnChecks columns, Generator generator)
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
            if (fraction <= 0)
                return (data.Features, data.Labels, data.Weights, null);
            // Stratified for classification: the validation rows hold each class in its share of the training rows.
            return HoldOut.Split(data, fraction, stratified: _task != PredictionTask.Regression, generator);
        }
    }
}
