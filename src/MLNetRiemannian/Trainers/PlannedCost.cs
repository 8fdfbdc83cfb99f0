using System;
using System.Globalization;

namespace MLNetRiemannian.Trainers
{
    /// <summary>
    /// What a fit will cost, said before it starts in terms a user can act on: the parameter updates of all its steps.
    /// A dense step updates every parameter; the column-sparse first-layer step (sparse inputs, docs/method.md section 12)
    /// updates only the first layer's columns its batch and curvature rows touch, plus the other layers, and brings every
    /// touched column up to date at each epoch's end and snapshot. Set against the training rows' non-zeros — what one
    /// pass of a linear trainer over the data touches — it shows a plan far beyond what the rows justify: a wide first
    /// layer over hashed or one-hot ids or text updated densely, where each step updates millions of weights for a batch
    /// that touches a few hundred columns.
    /// </summary>
    /// <param name="Parameters">Weights and biases of the network.</param>
    /// <param name="FirstLayerInputs">The first layer's inputs (the feature vector's slots).</param>
    /// <param name="FirstLayerWidth">The first layer's outputs.</param>
    /// <param name="StepsPerEpoch">Batches per epoch.</param>
    /// <param name="Epochs">Planned epochs.</param>
    /// <param name="NonZerosPerEpoch">Non-zero feature values in the training rows (rows × mean non-zeros per row).</param>
    /// <param name="ColumnsPerStep">
    /// With the column-sparse step, the first layer's columns a step touches at most (the non-zeros of its batch and of
    /// its curvature rows, at most the inputs); 0 when every step updates the whole layer.
    /// </param>
    internal sealed record PlannedCost(long Parameters, long FirstLayerInputs, long FirstLayerWidth, long StepsPerEpoch, long Epochs, double NonZerosPerEpoch, long ColumnsPerStep = 0)
    {
        /// <summary>
        /// Parameter updates per epoch, per non-zero of the data and per unit of the first layer's width, beyond which the
        /// plan is far beyond what the rows justify: the first layer's forward and backward pass over the non-zeros alone
        /// touch each non-zero once per unit of its width, so a plan of 10 does ten times the work the data asks for.
        /// </summary>
        /// <remarks>The tables in docs/benchmarks/tables plan at most 0.02 (Fashion-MNIST 1.0 per non-zero at width 256, the
        /// digits 4.9, LetterRecognition 3.6); ids hashed to 3 × 2¹⁴ slots under the column-sparse step about 2.3 (193 at
        /// width 85); updated densely, 6,000 lines of text through FeaturizeText plan about 50 (800 at width 16) and ids
        /// hashed to 3 × 2²⁰ slots about 16,000.</remarks>
        public const double FarBeyond = 10;

        /// <summary>The plan of a network of <paramref name="sizes"/> trained on <paramref name="rows"/> rows.</summary>
        /// <param name="sizes">in, the hidden widths, out.</param>
        /// <param name="rows">Training rows.</param>
        /// <param name="batchSize">Rows per step.</param>
        /// <param name="epochs">Planned epochs.</param>
        /// <param name="nonZerosPerRow">Mean non-zero feature values per row.</param>
        /// <param name="columnSparse">Whether the first layer takes the column-sparse step.</param>
        /// <param name="curvatureRows">Rows each step's metric uses (kept between refreshes, so their columns add to the batch's).</param>
        public static PlannedCost Of(int[] sizes, long rows, int batchSize, int epochs, double nonZerosPerRow, bool columnSparse = false, int curvatureRows = 0)
        {
            long columns = columnSparse ? (long)Math.Min(sizes[0], Math.Ceiling((Math.Min(batchSize, rows) + curvatureRows) * nonZerosPerRow)) : 0;
            return new PlannedCost(ModelSizeCheck.Parameters(sizes), sizes[0], sizes[1], (rows + batchSize - 1) / batchSize, epochs, rows * nonZerosPerRow, columns);
        }

        /// <summary>Whether the first layer takes the column-sparse step.</summary>
        public bool ColumnSparse => ColumnsPerStep > 0;

        /// <summary>Parameter updates of one step.</summary>
        public double UpdatesPerStep => ColumnSparse ? Parameters - FirstLayerWeights + (double)ColumnsPerStep * FirstLayerWidth : Parameters;

        /// <summary>Weights of the first layer (inputs × first width).</summary>
        public long FirstLayerWeights => FirstLayerInputs * FirstLayerWidth;

        /// <summary>
        /// Updates per epoch of bringing the touched columns up to date (column-sparse step): at the epoch's end and at
        /// each snapshot (every <see cref="Training.FitLoop.SnapshotInterval"/> steps), at most every column the rows touch.
        /// </summary>
        public double CatchUpsPerEpoch => ColumnSparse
            ? (1 + StepsPerEpoch / Training.FitLoop.SnapshotInterval) * Math.Min(FirstLayerInputs, NonZerosPerEpoch) * FirstLayerWidth
            : 0;

        /// <summary>Parameter updates in the whole fit.</summary>
        public double Updates => (UpdatesPerStep * StepsPerEpoch + CatchUpsPerEpoch) * Epochs;

        /// <summary>Parameter updates per epoch for each non-zero of the training features.</summary>
        public double UpdatesPerNonZero => NonZerosPerEpoch > 0 ? (UpdatesPerStep * StepsPerEpoch + CatchUpsPerEpoch) / NonZerosPerEpoch : double.PositiveInfinity;

        /// <summary><see cref="UpdatesPerNonZero"/> per unit of the first layer's width (what <see cref="FarBeyond"/> bounds).</summary>
        public double UpdatesPerNonZeroAndUnit => UpdatesPerNonZero / Math.Max(1, FirstLayerWidth);

        /// <summary>The Info line: steps, parameters per step, and the total against the data's non-zeros.</summary>
        public string Describe() => ColumnSparse
            ? string.Create(CultureInfo.InvariantCulture, $"Planned work: {Epochs} epochs × {StepsPerEpoch} steps, each updating at most {ColumnsPerStep:N0} of the first layer's {FirstLayerInputs:N0} input columns " +
              $"(the ones its rows use) and the other {Parameters - FirstLayerWeights:N0} parameters ({Updates:G3} parameter updates with the catch-up of skipped columns; " +
              $"per epoch {UpdatesPerNonZero:G3} per non-zero value of the training features).")
            : string.Create(CultureInfo.InvariantCulture, $"Planned work: {Epochs} epochs × {StepsPerEpoch} steps, each updating all {Parameters:N0} parameters ({Updates:G3} parameter updates; " +
              $"per epoch {UpdatesPerNonZero:G3} per non-zero value of the training features).");

        /// <summary>A Warning with what to change when the plan is far beyond what the rows justify; otherwise null.</summary>
        public string? Warning(string featureColumn) => UpdatesPerNonZeroAndUnit <= FarBeyond ? null : ColumnSparse
            ? string.Create(CultureInfo.InvariantCulture, $"This fit updates about {UpdatesPerNonZero:N0} parameters per epoch for each of the {NonZerosPerEpoch:N0} non-zero values of feature column '{featureColumn}' " +
              $"(its {StepsPerEpoch * Epochs:N0} steps each touch up to {ColumnsPerStep:N0} of the first layer's columns), so it will take far longer than a linear trainer's " +
              $"pass over the rows. Use fewer slots (fewer hashing bits), narrower HiddenLayerSizes or fewer NumberOfEpochs — or a linear trainer.")
            : string.Create(CultureInfo.InvariantCulture, $"This fit updates every one of the first layer's {FirstLayerWeights:N0} weights at each of its {StepsPerEpoch * Epochs:N0} steps: per epoch about " +
              $"{UpdatesPerNonZero:N0} times the {NonZerosPerEpoch:N0} non-zero values of feature column '{featureColumn}', so it will take far longer than a " +
              $"linear trainer's pass over the rows. For wide sparse features (hashed or one-hot ids, text), use fewer slots (fewer hashing bits), narrower " +
              $"HiddenLayerSizes or fewer NumberOfEpochs — or a linear trainer" +
              $" (for sparse features without L2Regularization, with the adaptive mass and without diagnostics, each step updates only the first layer's columns its rows use).");
    }
}
