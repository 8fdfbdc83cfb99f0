using System;
using System.Collections.Generic;
using MLNetRiemannian.Model;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Data
{
    /// <summary>
    /// A few numbers about the training rows, computed once at the start of <c>Fit</c> (one pass of column-wise
    /// reductions, no copy of the feature matrix): the features' range, the label's range and weighted moments, the
    /// example weights' sum. The trainer standardizes a regression label with them, and when training fails they
    /// name the column that explains it instead of a guess.
    /// </summary>
    internal sealed class TrainingStatistics
    {
        /// <summary>Features beyond this magnitude are "not of order 1" (the defaults' assumption) and may overflow sums of products.</summary>
        public const double LargeFeature = 1e3;

        /// <summary>A regression label this many standard deviations from its mean dominates the squared error.</summary>
        public const double OutlierDeviations = 100;

        /// <summary>A largest weight this many times the mean positive weight lets a few rows dominate the loss.</summary>
        public const double DominantWeightRatio = 1e6;

        private readonly ColumnChecks _columns;
        private readonly PredictionTask _task;

        private TrainingStatistics(ColumnChecks columns, PredictionTask task) => (_columns, _task) = (columns, task);

        /// <summary>Training rows.</summary>
        public long Rows { get; private init; }

        /// <summary>The smallest and largest feature value over all slots.</summary>
        public double FeatureMin { get; private init; }

        /// <inheritdoc cref="FeatureMin"/>
        public double FeatureMax { get; private init; }

        /// <summary>The slot holding the feature value of largest magnitude.</summary>
        public long LargestFeatureSlot { get; private init; }

        /// <summary>The largest feature magnitude, <c>max(|FeatureMin|, |FeatureMax|)</c>.</summary>
        public double FeatureMagnitude => Math.Max(Math.Abs(FeatureMin), Math.Abs(FeatureMax));

        /// <summary>Regression: the smallest and largest label; classification: the smallest and largest class index.</summary>
        public double LabelMin { get; private init; }

        /// <inheritdoc cref="LabelMin"/>
        public double LabelMax { get; private init; }

        /// <summary>Regression: the weighted mean of the label.</summary>
        public double LabelMean { get; private init; }

        /// <summary>Regression: the weighted standard deviation of the label (population form, <c>Σw(y − ȳ)² / Σw</c>).</summary>
        public double LabelStandardDeviation { get; private init; }

        /// <summary>The sum of the example weights (the row count without a weight column).</summary>
        public double WeightSum { get; private init; }

        /// <summary>The largest example weight (1 without a weight column).</summary>
        public double WeightMax { get; private init; }

        /// <summary>Rows of weight 0.</summary>
        public long ZeroWeightRows { get; private init; }

        /// <summary>
        /// The mean training loss of the best constant prediction, in the units the network learns in (the standardized
        /// label for regression: ½ unless the label is constant): the weighted class entropy for classification, that of the
        /// smoothed class frequencies <c>(1 − α)·p + α/K</c> with label smoothing α (the best constant's smoothed loss).
        /// </summary>
        public double ConstantPredictorLoss { get; private init; }

        /// <summary>
        /// Regression: the weighted mean and standard deviation of the label, the scale 1 for a constant label; null for
        /// classification.
        /// </summary>
        public LabelStandardization? Standardization =>
            _task != PredictionTask.Regression ? null
            : new LabelStandardization(LabelMean, LabelStandardDeviation > 0 && double.IsFinite(1 / LabelStandardDeviation) ? LabelStandardDeviation : 1);

        /// <summary>
        /// Computes the statistics of <paramref name="features"/> (<c>N</c> rows, dense or compressed), <paramref name="labels"/> (as
        /// <see cref="TrainingData.Labels"/>) and <paramref name="weights"/> <c>[N]</c>.
        /// </summary>
        /// <exception cref="ArgumentException">Every example weight is 0: there is nothing to learn from.</exception>
        public static TrainingStatistics Compute(FeatureMatrix features, Tensor labels, Tensor? weights, ColumnChecks columns, PredictionTask task,
            double labelSmoothing = 0)
        {
            using var scope = NewDisposeScope();
            long rows = features.Rows;
            var w = weights?.to_type(ScalarType.Float64) ?? ones(rows, dtype: ScalarType.Float64);
            double weightSum = w.sum().item<double>();
            if (!(weightSum > 0))
                throw new ArgumentException(
                    $"Example weight column '{columns.WeightColumn}' is 0 in every one of the {rows} training rows; at least one row needs a positive weight.",
                    nameof(weights));

            var range = features.Range();
            var y = labels.to_type(ScalarType.Float64).view(-1);
            double mean = 0, deviation = 0, constantLoss;
            if (task == PredictionTask.Regression)
            {
                mean = (w * y).sum().item<double>() / weightSum;
                deviation = Math.Sqrt((w * (y - mean).square()).sum().item<double>() / weightSum);
                constantLoss = deviation > 0 ? 0.5 : 0; // ½ · variance / scale² of the mean prediction
            }
            else
            {
                var frequency = task == PredictionTask.BinaryClassification
                    ? stack(new[] { (w * (1 - y)).sum(), (w * y).sum() })
                    : zeros(columns.ClassCount, dtype: ScalarType.Float64).index_add_(0, labels.view(-1), w, 1);
                var p = frequency / weightSum;
                if (labelSmoothing > 0) p = p * (1 - labelSmoothing) + labelSmoothing / p.shape[0];
                constantLoss = -(p * p.clamp_min(1e-300).log()).sum().item<double>();
            }
            return new TrainingStatistics(columns, task)
            {
                Rows = rows,
                FeatureMin = range.Min,
                FeatureMax = range.Max,
                LargestFeatureSlot = range.LargestSlot,
                LabelMin = y.min().item<double>(),
                LabelMax = y.max().item<double>(),
                LabelMean = mean,
                LabelStandardDeviation = deviation,
                WeightSum = weightSum,
                WeightMax = w.max().item<double>(),
                ZeroWeightRows = w.eq(0).sum().item<long>(),
                ConstantPredictorLoss = constantLoss,
            };
        }

        /// <summary>
        /// What to tell the user when a step stays non-finite: the columns whose statistics explain it (features too large
        /// for Single's sums, a label outlier, dominant weights), or that none does, followed by the statistics.
        /// </summary>
        public string NonFiniteAdvice()
        {
            var causes = new List<string>();
            if (FeatureMagnitude > LargeFeature)
                causes.Add($"feature column '{_columns.FeatureColumn}' has values of magnitude up to {FeatureMagnitude:G3} (slot {LargestFeatureSlot}), " +
                    $"and sums of their products overflow; normalize it, e.g. mlContext.Transforms.NormalizeMinMax(\"{_columns.FeatureColumn}\")");
            if (Standardization is { } s && Math.Max(LabelMax - s.Mean, s.Mean - LabelMin) / s.Scale > OutlierDeviations)
                causes.Add($"label column '{_columns.LabelColumn}' has a value {Math.Max(LabelMax - s.Mean, s.Mean - LabelMin) / s.Scale:G3} standard deviations " +
                    "from its mean, an outlier that dominates the squared error; check or remove it");
            if (_columns.WeightColumn is { } weight && WeightMax / (WeightSum / (Rows - ZeroWeightRows)) > DominantWeightRatio)
                causes.Add($"example weight column '{weight}' has a largest weight {WeightMax / (WeightSum / (Rows - ZeroWeightRows)):G3} times the mean " +
                    "positive weight, so a few rows dominate the loss; check the weights");
            string cause = causes.Count > 0
                ? "The training statistics point at: " + string.Join("; ", causes) + "."
                : "No column's statistics is extreme; lower the learning rate.";
            return $"{cause} Training statistics: {this}.";
        }

        /// <summary>One line: rows, feature range, label range (and moments), weights.</summary>
        public override string ToString() =>
            $"{Rows} rows; feature column '{_columns.FeatureColumn}' in [{FeatureMin:G4}, {FeatureMax:G4}]; label column '{_columns.LabelColumn}' " +
            (_task == PredictionTask.Regression
                ? $"in [{LabelMin:G4}, {LabelMax:G4}], mean {LabelMean:G4}, standard deviation {LabelStandardDeviation:G4}"
                : $"with class indices in [{LabelMin:G4}, {LabelMax:G4}]") +
            (_columns.WeightColumn is { } weight ? $"; example weight column '{weight}' sums to {WeightSum:G4}, largest {WeightMax:G4}, {ZeroWeightRows} rows of weight 0" : "");
    }
}
