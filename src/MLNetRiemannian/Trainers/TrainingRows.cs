using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLNetRiemannian.Data;
using MLNetRiemannian.Model;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Trainers
{
    /// <summary>
    /// The rows a fit trains and validates on, as the network sees them: the read rows split into training and validation
    /// rows (a given validation set, the options' hold-out, or none), scaled and encoded as the model will score them
    /// (docs/method.md section 10), example weights divided by the largest, and a regression label standardized. The
    /// first of the trainer's steps (prepare the rows, resolve the plan, run the loop, build the model); it says in the
    /// Info log what it held out, how it scaled and encoded the features, and warns about features far from order 1.
    /// </summary>
    /// <remarks>
    /// Owns the matrices it makes (the hold-out's views, a validation set's rows, the encoded rows) and disposes them; the
    /// read rows (<see cref="TrainingData"/>) stay the caller's. The label and weight tensors it derives belong to the
    /// caller's dispose scope.
    /// </remarks>
    internal sealed class TrainingRows : IDisposable
    {
        private readonly List<IDisposable> _owned = new();

        private TrainingRows(long tableRows) => TableRows = tableRows;

        /// <summary>The training rows' features, <c>[rows, width]</c>: scaled and, with an encoding, encoded.</summary>
        public FeatureMatrix X { get; private set; } = null!;

        /// <summary>The training labels (standardized for regression when <see cref="Standardization"/> is set).</summary>
        public Tensor Y { get; private set; } = null!;

        /// <summary>The example weights divided by the largest, or null.</summary>
        public Tensor? W { get; private set; }

        /// <summary>The validation rows, as the training rows are prepared, or null.</summary>
        public (FeatureMatrix X, Tensor Y)? Validation { get; private set; }

        /// <summary>Rows given to the trainer before any hold-out.</summary>
        public long TableRows { get; }

        /// <summary>The model's input scaling (learned here, or the warm start's), or null.</summary>
        public InputScaling? Scaling { get; private set; }

        /// <summary>The model's input encoding (learned here, or the warm start's), or null.</summary>
        public InputEncoding? Encoding { get; private set; }

        /// <summary>The training rows' statistics, computed after the scaling and before the encoding (what the checks are about).</summary>
        public TrainingStatistics Statistics { get; private set; } = null!;

        /// <summary>The regression label's map (learned here, or the warm start's), or null.</summary>
        public LabelStandardization? Standardization { get; private set; }

        /// <summary>Mean stored values per training row: the encoded width, or the read rows' mean non-zeros (their width when dense).</summary>
        public double NonZerosPerRow { get; private set; }

        /// <summary>Whether the training rows are compressed (sparse); the encoded rows are always dense.</summary>
        public bool Sparse => X.Compressed is not null;

        /// <summary>The loss's unit in the label's units (the standardization's scale squared, else 1).</summary>
        public double LossUnit => Standardization is { } s ? s.Scale * s.Scale : 1;

        /// <summary>The metric's unit in the label's units (the standardization's scale, else 1).</summary>
        public double MetricUnit => Standardization?.Scale ?? 1;

        /// <summary>
        /// Prepares <paramref name="data"/> for a fit with <paramref name="options"/>.
        /// </summary>
        /// <param name="data">The read training rows (the caller's).</param>
        /// <param name="validationData">A validation set, or null (then the options' hold-out, if any).</param>
        /// <param name="options">The trainer's options.</param>
        /// <param name="task">The trainer's task.</param>
        /// <param name="columns">The training data's checked columns.</param>
        /// <param name="initial">The warm start's model, whose scaling, encoding and standardization are kept, or null.</param>
        /// <param name="seed">The fit's seed (the scaling's and the encoding's samples).</param>
        /// <param name="generator">The fit's generator (the hold-out's order).</param>
        /// <param name="ch">The fit's channel, or null to say nothing (the benchmarks' harness).</param>
        /// <exception cref="ArgumentOutOfRangeException">The validation set's feature width differs from the training data's.</exception>
        public static TrainingRows Prepare(TrainingData data, IDataView? validationData, RiemannianMlpTrainerOptions options, PredictionTask task,
            ColumnChecks columns, RiemannianMlpModelParameters? initial, int seed, Generator generator, IChannel? ch)
        {
            var rows = new TrainingRows(data.Count);
            try
            {
                rows.Build(data, validationData, options, task, columns, initial, seed, generator, ch);
                return rows;
            }
            catch
            {
                rows.Dispose();
                throw;
            }
        }

        private void Build(TrainingData data, IDataView? validationData, RiemannianMlpTrainerOptions options, PredictionTask task,
            ColumnChecks columns, RiemannianMlpModelParameters? initial, int seed, Generator generator, IChannel? ch)
        {
            double heldOutFraction = Defaults.HeldOutFraction(options, data.Count, validationData is not null);
            var (x, y, w, validation) = Split(data, validationData, heldOutFraction, task, columns, generator);
            if (!ReferenceEquals(x, data.Features)) _owned.Add(x);
            if (validation is { } given) _owned.Add(given.X);
            LogHoldOut(options, task, validationData is not null, validation?.X.Rows ?? 0, data.Count, heldOutFraction, ch);

            // The model's input scaling, learned from the training rows (a warm start keeps the initial model's), applied
            // to the cached rows once: the network trains on what it will score.
            Scaling = initial is not null ? WarmStart.InputScaling(initial, options)
                : (options.InputScaling ?? Defaults.InputScaling) == InputScalingKind.Robust ? InputScalingFit.Fit(x, w, seed) : null;
            if (Scaling is not null)
            {
                InputScalingFit.Apply(Scaling, x);
                if (validation is { } held) InputScalingFit.Apply(Scaling, held.X);
                ch?.Info(MessageSensitivity.None, initial is not null
                    ? $"Input scaling: the initial model's, kept (each of the {columns.FeatureCount} slots of '{columns.FeatureColumn}' mapped as it was trained)."
                    : x.Compressed is null
                    ? $"Input scaling: each of the {columns.FeatureCount} slots of '{columns.FeatureColumn}' centred on its median and scaled by its interquartile range, then smoothly clipped to ±{Scaling.ClipBound} (kept in the model)."
                    : $"Input scaling: each of the {columns.FeatureCount} slots of '{columns.FeatureColumn}' divided by its largest magnitude (no centering: the features stay sparse), then smoothly clipped to ±{Scaling.ClipBound} (kept in the model).");
            }
            Statistics = TrainingStatistics.Compute(x, y, w, columns, task, options.LabelSmoothing);
            WarnIfUnnormalized(Statistics, columns, ch);

            // The model's input encoding, learned from the scaled training rows (a warm start keeps the initial model's), after
            // the checks above, which are about the features as the pipeline gives them; the cached rows are replaced by
            // their encoding, the network's input.
            Encoding = initial is not null ? WarmStart.InputEncoding(initial, options, x, validation?.X.Rows ?? 0, columns)
                : InputEncodingChoice.ForNewModel(options, x, w, validation?.X.Rows ?? 0, seed, columns, ch);
            if (Encoding is not null)
            {
                var encoded = InputEncodingFit.Apply(Encoding, x);
                _owned.Add(encoded);
                if (validation is { } held)
                {
                    var encodedValidation = InputEncodingFit.Apply(Encoding, held.X);
                    _owned.Add(encodedValidation);
                    validation = (encodedValidation, held.Y);
                }
                x = encoded;
            }
            // ω = w / Σw does not change when every weight is divided by the largest, and Σw can no longer overflow.
            if (w is not null) w = w / Statistics.WeightMax;
            // Regression learns (y − mean) / scale, so the defaults (made for targets of order 1) fit any label's units;
            // the map back is folded into the last layer at the end, and every number reported is in the label's units.
            // A warm start keeps the model's map, so the continued model stays consistent with it.
            Standardization = initial is not null ? initial.LabelStandardization : Statistics.Standardization;
            if (Standardization is { } st)
            {
                y = (y - st.Mean) / st.Scale;
                if (validation is { } held) validation = (held.X, (held.Y - st.Mean) / st.Scale);
            }
            (X, Y, W, Validation) = (x, y, w, validation);
            NonZerosPerRow = Encoding?.Width ?? data.NonZerosPerRow;
        }

        /// <summary>The training rows and, when validating, the validation rows; matrices other than <paramref name="data"/>'s are new.</summary>
        private static (FeatureMatrix X, Tensor Y, Tensor? W, (FeatureMatrix X, Tensor Y)? Validation) Split(
            TrainingData data, IDataView? validationData, double fraction, PredictionTask task, ColumnChecks columns, Generator generator)
        {
            if (validationData is not null)
            {
                var validColumns = ColumnChecks.Check(validationData.Schema, columns.FeatureColumn, columns.LabelColumn, null, task);
                if (validColumns.FeatureCount != columns.FeatureCount)
                    throw new ArgumentOutOfRangeException(nameof(validationData),
                        $"Feature column '{columns.FeatureColumn}' has {validColumns.FeatureCount} slots in the validation data but {columns.FeatureCount} in the training data.");
                var valid = TrainingData.Read(validationData, validColumns, task, "validation set");
                return (data.Features, data.Labels, data.Weights, (valid.Features, valid.Labels));
            }
            if (fraction <= 0)
                return (data.Features, data.Labels, data.Weights, null);
            // Stratified for classification: the validation rows hold each class in its share of the training rows.
            return HoldOut.Split(data, fraction, stratified: task != PredictionTask.Regression, generator);
        }

        /// <summary>Says in the Info log what was held out for validation, or why nothing was.</summary>
        private static void LogHoldOut(RiemannianMlpTrainerOptions options, PredictionTask task, bool validationSetGiven, long held, long rows, double fraction, IChannel? ch)
        {
            if (validationSetGiven || ch is null) return;
            string patience = options.EarlyStoppingPatience > 0
                ? $", training stops after {options.EarlyStoppingPatience} epochs without a better one, and the model keeps the best epoch."
                : " (EarlyStoppingPatience 0: no early stopping, the last epoch is kept).";
            if (held > 0)
                ch.Info(MessageSensitivity.None,
                    $"Held out {held} of the {rows} training rows for validation (ValidationSetFraction " +
                    $"{fraction.ToString(CultureInfo.InvariantCulture)}{(options.ValidationSetFraction is null ? ", the default" : "")}" +
                    $"{(task == PredictionTask.Regression ? "" : ", stratified by class")}): each epoch is evaluated on them" + patience);
            else if (options.ValidationSetFraction is null)
                ch.Info(MessageSensitivity.None,
                    $"Nothing held out for validation: {rows} training rows are fewer than the {Defaults.MinimumRowsForHoldOut} the default hold-out needs, " +
                    "so every row trains for the planned epochs and the last epoch is kept (set ValidationSetFraction or a ValidationSet to validate anyway).");
            else
                ch.Info(MessageSensitivity.None, "Nothing held out for validation (ValidationSetFraction 0): every row trains for the planned epochs and the last epoch is kept.");
        }

        /// <summary>
        /// The defaults (η, μ) assume features of order 1: far larger or smaller ones train without overflow (the step
        /// is scale-aware) but slowly or poorly, so say so, with the remedy.
        /// </summary>
        private static void WarnIfUnnormalized(TrainingStatistics statistics, ColumnChecks columns, IChannel? ch)
        {
            if (ch is null) return;
            double largest = statistics.FeatureMagnitude;
            if (largest > 0 && (largest > TrainingStatistics.LargeFeature || largest < 1 / TrainingStatistics.LargeFeature))
                ch.Warning(MessageSensitivity.None,
                    $"Feature column '{columns.FeatureColumn}' has values of magnitude up to {largest:G3}; RiemannianMlp's defaults assume features " +
                    $"of order 1. Normalize them, e.g. mlContext.Transforms.NormalizeMinMax(\"{columns.FeatureColumn}\"), for a good fit.");
        }

        /// <summary>Disposes the matrices made here, last first.</summary>
        public void Dispose()
        {
            for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
            _owned.Clear();
        }
    }
}
