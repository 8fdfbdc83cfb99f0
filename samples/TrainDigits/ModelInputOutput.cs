// The row classes of the digits model, as Model Builder's generated consumption code declares them.
// ScoreDigits compiles this same file (a link in its csproj), so trainer and scorer agree on the columns.
using Microsoft.ML.Data;

namespace MLNetRiemannian.Samples
{
    /// <summary>One row of samples/data/digits.csv: an 8x8 image of pixel counts (0..16), then the digit.</summary>
    public sealed class ModelInput
    {
        /// <summary>The 64 pixel counts, row by row.</summary>
        [LoadColumn(0, 63), VectorType(64), ColumnName("Pixels")]
        public float[] Pixels { get; set; } = new float[64];

        /// <summary>The digit, read as text ("0".."9") as Model Builder reads a label column of a CSV.</summary>
        [LoadColumn(64), ColumnName("Label")]
        public string Label { get; set; } = "";
    }

    /// <summary>What the model adds: the predicted label (MapKeyToValue of the key) and the class probabilities.</summary>
    public sealed class ModelOutput
    {
        /// <summary>The most probable class's name.</summary>
        [ColumnName("PredictedLabel")]
        public string PredictedLabel { get; set; } = "";

        /// <summary>One probability per class, in the order of Score's slot names.</summary>
        [ColumnName("Score")]
        public float[] Score { get; set; } = System.Array.Empty<float>();
    }
}
