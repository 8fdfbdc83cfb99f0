using System;

namespace MLNetRiemannian.TestHost
{
    /// <summary>
    /// One scored row in a task-neutral shape: the Score column's values (one for binary and regression), the binary
    /// Probability, and PredictedLabel as text (absent for regression).
    /// </summary>
    internal sealed record ScoredRow(float[] Score, float? Probability, string? PredictedLabel);

    /// <summary>
    /// The PredictionEngine output classes, one per task, named as ML.NET's scored columns are (properties: ML.NET sets
    /// them by reflection, which the compiler cannot see).
    /// </summary>
    internal static class Predictions
    {
        /// <summary>Multiclass output: class probabilities in slot order, and the class name after MapKeyToValue.</summary>
        public sealed class Digit
        {
            public float[] Score { get; set; } = Array.Empty<float>();
            public string PredictedLabel { get; set; } = "";

            public ScoredRow ToScoredRow() => new(Score, null, PredictedLabel);
        }

        /// <summary>Binary output: the logit, its probability and the decision.</summary>
        public sealed class Tumor
        {
            public float Score { get; set; }
            public float Probability { get; set; }
            public bool PredictedLabel { get; set; }

            public ScoredRow ToScoredRow() => new(new[] { Score }, Probability, PredictedLabel.ToString());
        }

        /// <summary>Regression output: the predicted MEDV.</summary>
        public sealed class House
        {
            public float Score { get; set; }

            public ScoredRow ToScoredRow() => new(new[] { Score }, null, null);
        }
    }
}
