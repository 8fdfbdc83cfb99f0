namespace MLNetRiemannian.Numerics
{
    /// <summary>
    /// Counts of numerical trouble the optimizer recovered from. Non-zero counts are worth a look: they usually mean
    /// a learning rate that is too large for the data's scale, or an output metric that is close to singular.
    /// </summary>
    public sealed class NumericalEvents
    {
        /// <summary>Steps refused because the loss or a direction was non-finite.</summary>
        public int NonFiniteSteps { get; internal set; }

        /// <summary>Cholesky factorizations (of the inner system or of a custom output metric) retried with added jitter.</summary>
        public int JitterRetries { get; internal set; }

        /// <summary>Factorizations redone in Float64 (then rounded back) after the parameters' precision failed even with jitter.</summary>
        public int DoublePrecisionFallbacks { get; internal set; }

        /// <summary>The counts added since <paramref name="earlier"/> was taken.</summary>
        public NumericalEvents Since(NumericalEvents earlier) => new()
        {
            NonFiniteSteps = NonFiniteSteps - earlier.NonFiniteSteps,
            JitterRetries = JitterRetries - earlier.JitterRetries,
            DoublePrecisionFallbacks = DoublePrecisionFallbacks - earlier.DoublePrecisionFallbacks,
        };

        /// <summary>True when nothing was counted.</summary>
        public bool IsEmpty => NonFiniteSteps == 0 && JitterRetries == 0 && DoublePrecisionFallbacks == 0;

        /// <summary>A copy of the current counts.</summary>
        public NumericalEvents Snapshot() => new() { NonFiniteSteps = NonFiniteSteps, JitterRetries = JitterRetries, DoublePrecisionFallbacks = DoublePrecisionFallbacks };
    }
}
