using System;

namespace MLNetRiemannian.Trainers
{
    /// <summary>Checks every option once, at construction, with a message naming the option and its value.</summary>
    internal static class OptionChecks
    {
        public static void Validate(RiemannianMlpTrainerOptions o)
        {
            Require(!string.IsNullOrWhiteSpace(o.LabelColumnName), nameof(o.LabelColumnName), o.LabelColumnName, "a column name");
            Require(!string.IsNullOrWhiteSpace(o.FeatureColumnName), nameof(o.FeatureColumnName), o.FeatureColumnName, "a column name");
            Require(o.HiddenLayerSizes is null || Array.TrueForAll(o.HiddenLayerSizes, s => s > 0), nameof(o.HiddenLayerSizes),
                o.HiddenLayerSizes is null ? null : string.Join(",", o.HiddenLayerSizes), "positive widths (an empty array trains a linear model; null for the default)");
            Require(o.Mass > 0 && double.IsFinite(o.Mass), nameof(o.Mass), o.Mass, "positive and finite");
            if (o.LayerMasses is not null)
            {
                int layers = (o.HiddenLayerSizes?.Length ?? 1) + 1; // the default has one hidden layer
                Require(o.LayerMasses.Length == layers, nameof(o.LayerMasses), o.LayerMasses.Length, $"one mass per layer ({layers})");
                Require(Array.TrueForAll(o.LayerMasses, m => m > 0 && double.IsFinite(m)), nameof(o.LayerMasses), string.Join(",", o.LayerMasses), "positive, finite masses");
            }
            Require(o.LearningRate is null || (o.LearningRate > 0 && double.IsFinite(o.LearningRate.Value)), nameof(o.LearningRate), o.LearningRate, "positive and finite, or null for the default");
            Require(o.WarmupFraction >= 0 && o.WarmupFraction < 1, nameof(o.WarmupFraction), o.WarmupFraction, "in [0, 1)");
            Require(o.CurvatureRefreshSteps is null or > 0, nameof(o.CurvatureRefreshSteps), o.CurvatureRefreshSteps, "positive, or null for the default");
            Require(Enum.IsDefined(o.MassKind), nameof(o.MassKind), o.MassKind, "Adaptive or Fixed");
            Require(o.Momentum >= 0 && o.Momentum < 1, nameof(o.Momentum), o.Momentum, "in [0, 1)");
            Require(o.BatchSize is null or > 0, nameof(o.BatchSize), o.BatchSize, "positive (or null for the default)");
            Require(o.CurvatureBatchSize is null or >= 0, nameof(o.CurvatureBatchSize), o.CurvatureBatchSize, "≥ 0 (0 = the whole batch; null for the default)");
            Require(o.OutputRank is null or >= 0, nameof(o.OutputRank), o.OutputRank, "≥ 0 (0 = the exact factor; null for the default)");
            Require(o.NumberOfEpochs is null or > 0, nameof(o.NumberOfEpochs), o.NumberOfEpochs, "positive, or null for automatic");
            Require(o.L2Regularization >= 0 && double.IsFinite(o.L2Regularization), nameof(o.L2Regularization), o.L2Regularization, "finite and ≥ 0");
            Require(o.GaussNewtonEpsilon >= 0 && double.IsFinite(o.GaussNewtonEpsilon), nameof(o.GaussNewtonEpsilon), o.GaussNewtonEpsilon, "finite and ≥ 0");
            Require(o.OutputMetric != OutputMetricKind.Custom || o.CustomOutputMetric is not null, nameof(o.CustomOutputMetric), "null",
                "a function when OutputMetric is Custom");
            Require(o.ValidationSetFraction is null or (>= 0 and <= 0.5), nameof(o.ValidationSetFraction), o.ValidationSetFraction, "in [0, 0.5] (0: every row trains), or null for the default");
            Require(o.WeightDecay >= 0 && double.IsFinite(o.WeightDecay), nameof(o.WeightDecay), o.WeightDecay, "finite and ≥ 0");
            Require(o.ParameterAveragingDecay is null or (>= 0 and < 1), nameof(o.ParameterAveragingDecay), o.ParameterAveragingDecay, "in [0, 1) (0: no averaging), or null for the default");
            Require(o.LabelSmoothing >= 0 && o.LabelSmoothing < 1, nameof(o.LabelSmoothing), o.LabelSmoothing, "in [0, 1)");
            Require(o.InputEncoding is null || Enum.IsDefined(o.InputEncoding.Value), nameof(o.InputEncoding), o.InputEncoding, "None or PiecewiseLinear, or null for the default");
            Require(o.PiecewiseLinearBins is >= 2 and <= 256, nameof(o.PiecewiseLinearBins), o.PiecewiseLinearBins, "from 2 to 256");
            Require(o.EarlyStoppingPatience >= 0, nameof(o.EarlyStoppingPatience), o.EarlyStoppingPatience, "≥ 0");
            Require(o.CheckpointEveryEpochs > 0, nameof(o.CheckpointEveryEpochs), o.CheckpointEveryEpochs, "positive");
            Require(o.CheckpointPath is null || !string.IsNullOrWhiteSpace(o.CheckpointPath), nameof(o.CheckpointPath), o.CheckpointPath, "a file path, or null");
            Require(o.NumberOfThreads is null or > 0, nameof(o.NumberOfThreads), o.NumberOfThreads, "positive, or null");
        }

        private static void Require(bool condition, string option, object? value, string expected)
        {
            if (!condition)
                throw new ArgumentOutOfRangeException(option, value, $"Invalid {option}: {value ?? "null"}. It must be {expected}.");
        }
    }
}
