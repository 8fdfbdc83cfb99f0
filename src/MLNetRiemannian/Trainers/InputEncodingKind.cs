namespace MLNetRiemannian.Trainers
{
    /// <summary>How the trainer encodes dense feature slots before the first layer (the option <c>InputEncoding</c>).</summary>
    public enum InputEncodingKind
    {
        /// <summary>Each feature slot is one input of the first layer.</summary>
        None,
        /// <summary>
        /// Each feature slot of more than two training values becomes its value and up to <c>PiecewiseLinearBins</c> inputs,
        /// one per bin between quantiles of its training values (after the input scaling):
        /// <c>clamp((x − lower) / (upper − lower), 0, 1)</c>, so the first layer can place a threshold at any quantile. Learned
        /// from the training rows and saved in the model (<see cref="Model.InputEncoding"/>); the encoded rows are dense.
        /// </summary>
        PiecewiseLinear,
    }
}
