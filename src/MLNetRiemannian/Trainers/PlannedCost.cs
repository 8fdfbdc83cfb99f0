using System;
using System.Globalization;

namespace MLNetRiemannian.Trainers
{
    /// <summary>
    /// What a fit will cost, said before it starts in terms a user can act on: every step updates every parameter (the
    /// update is dense, even for sparse features), so the work is parameters × steps. Set against the training rows'
    /// non-zeros — what one pass of a linear trainer over the data touches — it shows a plan far beyond what the rows
    /// justify: a wide first layer over hashed or one-hot ids or text, where each step updates millions of weights for a
    /// batch that touches a few hundred columns.
    /// </summary>
    /// <param name="Parameters">Weights and biases of the network, all updated at each step.</param>
    /// <param name="FirstLayerWeights">Weights of the first layer (inputs × first width).</param>
    /// <param name="StepsPerEpoch">Batches per epoch.</param>
    /// <param name="Epochs">Planned epochs.</param>
    /// <param name="NonZerosPerEpoch">Non-zero feature values in the training rows (rows × mean non-zeros per row).</param>
    internal sealed record PlannedCost(long Parameters, long FirstLayerWeights, long StepsPerEpoch, long Epochs, double NonZerosPerEpoch)
    {
        /// <summary>Parameter updates per epoch beyond which the plan is far beyond what the rows justify (per non-zero of the data).</summary>
        /// <remarks>The tables in docs/benchmarks/tables plan 1–5 (Fashion-MNIST 1.0, the digits 4.9, LetterRecognition
        /// 3.6); 6,000 lines of text through FeaturizeText plan about 800, ids hashed to 3 × 2²⁰ slots about 260,000.</remarks>
        public const double FarBeyond = 100;

        /// <summary>The plan of a network of <paramref name="sizes"/> trained on <paramref name="rows"/> rows.</summary>
        public static PlannedCost Of(int[] sizes, long rows, int batchSize, int epochs, double nonZerosPerRow)
        {
            return new PlannedCost(ModelSizeCheck.Parameters(sizes), (long)sizes[0] * sizes[1], (rows + batchSize - 1) / batchSize, epochs, rows * nonZerosPerRow);
        }

        /// <summary>Parameter updates in the whole fit.</summary>
        public double Updates => (double)Parameters * StepsPerEpoch * Epochs;

        /// <summary>Parameter updates per epoch for each non-zero of the training features.</summary>
        public double UpdatesPerNonZero => NonZerosPerEpoch > 0 ? (double)Parameters * StepsPerEpoch / NonZerosPerEpoch : double.PositiveInfinity;

        /// <summary>The Info line: steps, parameters per step, and the total against the data's non-zeros.</summary>
        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"Planned work: {Epochs} epochs × {StepsPerEpoch} steps, each updating all {Parameters:N0} parameters ({Updates:G3} parameter updates; " +
            $"per epoch {UpdatesPerNonZero:G3} per non-zero value of the training features).");

        /// <summary>A Warning with what to change when the plan is far beyond what the rows justify; otherwise null.</summary>
        public string? Warning(string featureColumn) => UpdatesPerNonZero <= FarBeyond ? null : string.Create(CultureInfo.InvariantCulture,
            $"This fit updates every one of the first layer's {FirstLayerWeights:N0} weights at each of its {StepsPerEpoch * Epochs:N0} steps: per epoch about " +
            $"{UpdatesPerNonZero:N0} times the {NonZerosPerEpoch:N0} non-zero values of feature column '{featureColumn}', so it will take far longer than a " +
            $"linear trainer's pass over the rows. For wide sparse features (hashed or one-hot ids, text), use fewer slots (fewer hashing bits), narrower " +
            $"HiddenLayerSizes or fewer NumberOfEpochs — or a linear trainer.");
    }
}
