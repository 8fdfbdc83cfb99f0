namespace MLNetRiemannian.Model
{
    /// <summary>One epoch of a model's training history.</summary>
    /// <remarks>
    /// The metric depends on <see cref="RiemannianMlpModelParameters.Task"/>: the fraction of rows whose predicted
    /// label is right (accuracy; micro-accuracy for multiclass) for classification, the root mean squared error for
    /// regression. Later versions may add fields as init-only properties beside these, so code that builds or
    /// deconstructs an <see cref="EpochSummary"/> keeps compiling.
    /// </remarks>
    /// <param name="Epoch">The epoch's number, counting from 1.</param>
    /// <param name="TrainingLoss">
    /// The mean training loss over the epoch, weighted by the example weights when there are any (cross-entropy for
    /// classification, half the squared error for regression, in the label's units squared).
    /// </param>
    /// <param name="TrainingMetric">Accuracy (classification) or root mean squared error in the label's units (regression) on the training rows.</param>
    /// <param name="ValidationMetric">The same metric on the validation rows; <see langword="null"/> when training used no validation set.</param>
    /// <param name="Seconds">Wall-clock seconds the epoch took.</param>
    public sealed record EpochSummary(int Epoch, double TrainingLoss, double TrainingMetric, double? ValidationMetric, double Seconds)
    {
        /// <summary>Steps of this epoch refused because the loss or a direction went non-finite (each restored the last good parameters and halved the learning rate).</summary>
        public int NonFiniteSteps { get; init; }

        /// <summary>Cholesky factorizations in this epoch (inner system or custom output metric) that needed added jitter.</summary>
        public int JitterRetries { get; init; }

        /// <summary>Factorizations in this epoch redone in Float64 after the parameters' precision failed even with jitter.</summary>
        public int DoublePrecisionFallbacks { get; init; }

        /// <summary>
        /// Steps of this epoch skipped because the example weights of the batch, or of its curvature rows, sum to 0: such a
        /// step carries no information, so it changed neither the parameters nor the momentum.
        /// </summary>
        public int ZeroWeightBatches { get; init; }

        /// <summary>The epoch's training diagnostics when the trainer recorded them (option <c>RecordDiagnostics</c>); otherwise <see langword="null"/>.</summary>
        public EpochDiagnostics? Diagnostics { get; init; }
    }
}
