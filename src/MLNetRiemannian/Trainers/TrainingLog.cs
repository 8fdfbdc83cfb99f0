using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML.Runtime;
using MLNetRiemannian.Data;
using MLNetRiemannian.Model;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using MLNetRiemannian.Training;

namespace MLNetRiemannian.Trainers
{
    /// <summary>
    /// What a fit tells the user through ML.NET's channel: how the features were cached, the input scale, the plan, each
    /// epoch, and at the end how training went and which epoch the model keeps — in the user's terms at Info and Warning,
    /// the method's internals at Trace.
    /// </summary>
    internal sealed class TrainingLog
    {
        private readonly RiemannianMlpTrainerOptions _options;
        private readonly PredictionTask _task;
        private readonly IChannel _ch;

        /// <param name="options">The trainer's options.</param>
        /// <param name="task">The trainer's task.</param>
        /// <param name="ch">The fit's channel.</param>
        public TrainingLog(RiemannianMlpTrainerOptions options, PredictionTask task, IChannel ch) => (_options, _task, _ch) = (options, task, ch);

        /// <summary>One line per epoch (with the diagnostics' lines when recorded), in the label's units.</summary>
        public void Epoch(FitLoop.EpochResult e, EpochSummary summary, TrainingPlan plan, TrainingMetric metric)
        {
            _ch.Info(MessageSensitivity.None,
                $"Epoch {e.Epoch}/{plan.Sizes.Epochs}: loss {summary.TrainingLoss:G5}, training {metric.Name} {summary.TrainingMetric:G5}" +
                $"{(summary.ValidationMetric is { } m ? $", validation {metric.Name} {m:G5}{(plan.AveragingDecay > 0 ? " (of the average)" : "")}" : "")}, {e.Seconds:F2} s, {e.StepsPerSecond:F1} steps/s" +
                (e.ZeroWeightBatches == 0 ? "" : $"; {e.ZeroWeightBatches} steps skipped for example weights summing to 0") +
                (e.Events.IsEmpty ? "" : $"; numerical events: {e.Events.NonFiniteSteps} refused steps, {e.Events.JitterRetries} jitter retries, {e.Events.DoublePrecisionFallbacks} Float64 fallbacks"));
            if (e.Diagnostics is { } d) Diagnostics(plan.LayerSizes, d);
        }

        /// <summary>Says in the Info log what the fit will do: the network, the rows, the plan, the averaging, the warm start, the planned work.</summary>
        public void Plan(TrainingPlan plan, TrainingRows rows, RiemannianSgd optimizer, int? threadCount, bool warmStart, ColumnChecks columns)
        {
            var (batchSize, curvatureBatchSize, outputRank, epochs, _) = plan.Sizes;
            var sizes = plan.LayerSizes;
            int outputs = sizes[^1];
            _ch.Info(MessageSensitivity.None,
                $"RiemannianMlp: {string.Join("-", sizes)} {_options.Activation} network, {rows.X.Rows} training rows" +
                $"{(rows.Validation is { } v ? $", {v.X.Rows} validation rows" : "")}, {epochs} epoch{(epochs == 1 ? "" : "s")} of batches of {batchSize}" +
                $"{(curvatureBatchSize is > 0 && curvatureBatchSize < batchSize ? $" (metric on {curvatureBatchSize} of them)" : "")}" +
                $"{(plan.Optimizer.CurvatureRefreshSteps > 1 ? $", curvature rows refreshed every {plan.Optimizer.CurvatureRefreshSteps} steps" : "")}; {plan.Optimizer}" +
                $"{(_options.NumberOfThreads is null && threadCount == 1 ? ", on 1 libtorch thread (a network this small has too little work per step to share)" : "")}" +
                $"{(_options.MassKind == MassKind.Fixed ? $", μ = {_options.Mass}" : "")}, output metric {_options.OutputMetric} " +
                (outputRank > 0 ? $"with a sampled factor of rank {outputRank} of {outputs}" : "with its exact factor") +
                $"{(rows.Standardization is { } ls ? $"; label '{columns.LabelColumn}' standardized with mean {ls.Mean:G6} and scale {ls.Scale:G6}" : "")}.");
            _ch.Info(MessageSensitivity.None, plan.AveragingDecay > 0
                ? $"The model is the moving average of the parameters over the steps (ParameterAveragingDecay {plan.AveragingDecay:G3}): each epoch's validation, the epoch kept and the returned model are the average's." +
                  (plan.ColumnSparseEligible ? " Every weight is averaged after every step, so the first layer of these sparse features takes the dense step, not the column-sparse one." : "")
                : _options.ParameterAveragingDecay is null
                    ? "No parameter averaging: the first layer's column-sparse step on these sparse features would lose its savings (ParameterAveragingDecay turns it on)."
                    : "No parameter averaging (ParameterAveragingDecay 0): the model holds the last step's parameters.");
            if (warmStart)
                _ch.Info(MessageSensitivity.None, "Warm start: continuing from the given model's weights; momentum and the adaptive mass's moments start at zero (the model does not hold the optimizer's state).");
            _ch.Info(MessageSensitivity.None, plan.Cost.Describe());
            if (plan.Cost.Warning(columns.FeatureColumn) is { } far) _ch.Warning(MessageSensitivity.None, far);
            // The method's internals: Trace, not Info (filter on Kind to see them).
            _ch.Trace(MessageSensitivity.None, $"Inner systems: {optimizer.DescribeInnerSystems(Math.Min(plan.Sizes.MetricRows, rows.X.Rows), outputs)}.");
        }

        /// <summary>
        /// What the user should know of how training went: a model that trained badly or may have learned its rows by
        /// heart, a stop (by the token or early stopping) and the epoch kept.
        /// </summary>
        /// <exception cref="OperationCanceledException">The StopToken was cancelled before the first step (<see cref="Stop"/>).</exception>
        public void Outcome(List<FitLoop.EpochResult> results, TrainingOutcome outcome, TrainingPlan plan, TrainingRows rows, TrainingMetric metric)
        {
            double metricUnit = rows.MetricUnit;
            WarnIfTrainedBadly(results, rows.Statistics, rows.LossUnit);
            WarnIfLearnedByHeart(results, rows.Validation is not null, plan.Sizes.Epochs, rows.X.Rows, plan.Cost.Parameters);
            Stop(outcome, results.Count, plan.Sizes.StepsPerEpoch(rows.X.Rows), metric);
            if (outcome.Reason != TrainingStopReason.Completed && results.Count > 0)
                _ch.Info(MessageSensitivity.None,
                    (outcome.Reason == TrainingStopReason.StopRequested ? $"Training stopped by StopToken in epoch {outcome.Epoch} after {outcome.Step} steps; "
                        : $"Training stopped early after epoch {outcome.Epoch} ({_options.EarlyStoppingPatience} epochs without a better validation {metric.Name}); ") +
                    (outcome.KeptEpoch is { } k ? $"keeping the parameters of epoch {k}" : "keeping the parameters of the moment of the stop") +
                    (outcome.KeptEpoch is { } kv && results.Find(r => r.Epoch == kv).ValidationMetric is { } best ? $" (validation {metric.Name} {best * metricUnit:G5}{Tie(best)})." : "."));
            else if (outcome.Reason == TrainingStopReason.Completed && rows.Validation is not null && _options.EarlyStoppingPatience > 0 && outcome.KeptEpoch is { } kept && results.Count > 0)
                _ch.Info(MessageSensitivity.None, kept == outcome.Epoch
                    ? $"Training ran its {plan.Sizes.Epochs} epochs; the last was the best on the validation rows and is kept."
                    : $"Training ran its {plan.Sizes.Epochs} epochs; keeping the parameters of epoch {kept}, the best on the validation rows" +
                      (results.Find(r => r.Epoch == kept).ValidationMetric is { } bestKept ? $" (validation {metric.Name} {bestKept * metricUnit:G5}{Tie(bestKept)})." : "."));
            // Epochs that tie on the validation metric are told apart by the validation loss (FitLoop); say so when it happened.
            string Tie(double value) => results.Count(r => r.ValidationMetric == value) > 1
                ? $"; {results.Count(r => r.ValidationMetric == value)} epochs had it, and of those this one had the lowest validation loss" : "";
        }

        /// <summary>
        /// Says whether the network learns an input scale and why, when that is not plainly what the options asked: a
        /// default left off for sparse features, a scale that costs a sparse first layer its column-sparse step, a warm start.
        /// </summary>
        public void InputScale(bool on, bool warmStart, bool sparseInput, ColumnChecks columns)
        {
            string slots = $"each of the {columns.FeatureCount} slots of '{columns.FeatureColumn}'";
            if (warmStart)
            {
                if (on) _ch.Info(MessageSensitivity.None, $"Input scale: the initial model's learned factors, trained further ({slots} multiplied by its own factor).");
                return;
            }
            if (on)
                _ch.Info(MessageSensitivity.None, $"Input scale: {slots} multiplied by a learned factor, starting at 1 (kept in the model)" +
                    (sparseInput ? "; the features stay sparse, but the first layer takes the dense step instead of the column-sparse one." : "."));
            else if (_options.LearnInputScale is null && sparseInput && Defaults.LearnInputScale)
                _ch.Info(MessageSensitivity.None, $"Input scale: none for sparse features by default (it would cost the first layer its column-sparse step); set LearnInputScale = true to learn one.");
        }

        /// <summary>
        /// A stop that left nothing to keep is a cancellation, as <c>mlContext.CancelExecution()</c> gives: no step ran in
        /// this Fit and no resumed epoch precedes it, so the network is the untrained initial one (or the warm start's model
        /// unchanged). A stop after some steps but before the first epoch's end keeps those steps with a Warning, because
        /// its model was never evaluated.
        /// </summary>
        /// <exception cref="OperationCanceledException">The StopToken was cancelled before the first step.</exception>
        private void Stop(TrainingOutcome outcome, int completedEpochs, long stepsPerEpoch, TrainingMetric metric)
        {
            if (outcome.Reason != TrainingStopReason.StopRequested || completedEpochs > 0) return;
            if (outcome.Step == 0)
                throw new OperationCanceledException(
                    "Training was stopped by StopToken before its first step: there is no trained model to return. " +
                    "Cancel the token only after Fit has started (for a time budget, give each Fit its own), or catch OperationCanceledException.",
                    _options.StopToken);
            _ch.Warning(MessageSensitivity.None,
                $"Training stopped by StopToken in epoch {outcome.Epoch} after {outcome.Step} of its {stepsPerEpoch} steps, before the end of the first epoch: " +
                $"the model keeps the parameters of that moment, never evaluated (no training or validation {metric.Name}), and is likely far from trained. " +
                "Give training more time before stopping it, or check model.Outcome (EndedBeforeFirstEpoch) before using the model.");
        }

        /// <summary>
        /// A model that trained badly must say so: when the last epoch's mean training loss is no better than that of the
        /// best constant prediction (the mean label, or the class frequencies), the network learned nothing usable.
        /// </summary>
        private void WarnIfTrainedBadly(List<FitLoop.EpochResult> results, TrainingStatistics statistics, double lossUnit)
        {
            // "No better": within 1 % of the constant's loss, which a network whose outputs barely moved from 0 matches.
            if (results.Count == 0 || !(statistics.ConstantPredictorLoss > 0) || results[^1].Loss < 0.99 * statistics.ConstantPredictorLoss) return;
            string constant = _task == PredictionTask.Regression ? $"always predicting the mean label, {statistics.LabelMean:G4}" : "always predicting the class frequencies";
            _ch.Warning(MessageSensitivity.None,
                $"RiemannianMlp trained badly: the last epoch's mean training loss, {results[^1].Loss * lossUnit:G4}, is no better than {statistics.ConstantPredictorLoss * lossUnit:G4}, " +
                $"that of {constant}. Its predictions are no better than that constant: train longer (NumberOfEpochs), change the learning rate " +
                $"(now {Defaults.LearningRate(_options)}) or check the features. Training statistics: {statistics}.");
        }

        /// <summary>
        /// A classifier that reached training accuracy 1 before its last epoch, with nothing held out, may have learned the
        /// training rows by heart, and nothing says whether the later epochs helped: say so, with what to change.
        /// </summary>
        private void WarnIfLearnedByHeart(List<FitLoop.EpochResult> results, bool validated, int epochs, long rows, long parameters)
        {
            if (_task == PredictionTask.Regression || validated) return;
            int first = results.FindIndex(e => e.TrainingMetric >= 1 - 1e-9);
            if (first < 0 || first == results.Count - 1) return;
            _ch.Warning(MessageSensitivity.None, string.Create(CultureInfo.InvariantCulture,
                $"Training accuracy reached 1 in epoch {results[first].Epoch} of {epochs}, and the network's {parameters:N0} parameters went on training on " +
                $"the same {rows:N0} rows: it may have learned them by heart, and with no rows held out nothing tells whether the later epochs helped. " +
                $"Set ValidationSetFraction (e.g. 0.2) or a ValidationSet to keep the epoch that does best on held-out rows, or fewer NumberOfEpochs."));
        }

        private void Diagnostics(int[] sizes, EpochDiagnostics diagnostics)
        {
            _ch.Info(MessageSensitivity.None,
                $"  action {diagnostics.Action:G4} against a loss decrease of {diagnostics.LossDecrease:G4} (ratio {diagnostics.LossDecrease / diagnostics.Action:F3})");
            for (int l = 0; l < diagnostics.Layers.Count; l++)
            {
                var layer = diagnostics.Layers[l];
                _ch.Info(MessageSensitivity.None,
                    $"  layer {sizes[l]}→{sizes[l + 1]}: gᵀG⁻¹g {layer.GradientDualNormSquared:G4}, solver residual {layer.SolverResidual:G2}, " +
                    $"step length |Δw|_G {layer.StepLength:G4}, action {layer.Action:G4}, cond(S) {layer.InnerSystemCondition:G3}");
            }
        }

        /// <summary>Logs how the features are cached and what they take, against their non-zeros.</summary>
        public void FeatureMemory(TrainingData data)
        {
            var f = data.Features;
            _ch.Info(MessageSensitivity.None, f is CsrFeatureMatrix
                ? $"Features cached as compressed rows: {f.Rows} rows × {f.Width} slots, {f.StoredEntries} non-zeros ({data.NonZerosPerRow:G3} per row), " +
                  $"{f.StorageBytes} bytes ({(double)f.StorageBytes / Math.Max(f.StoredEntries, 1):F1} per non-zero)."
                : $"Features cached dense: {f.Rows} rows × {f.Width} slots, {f.StorageBytes} bytes.");
        }
    }
}
