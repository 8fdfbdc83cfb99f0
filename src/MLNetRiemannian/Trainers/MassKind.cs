namespace MLNetRiemannian.Trainers
{
    /// <summary>The mass <c>D</c> in every layer's metric <c>G = JᵀMJ + D</c> (docs/method.md sections 4 and 9.1).</summary>
    public enum MassKind
    {
        /// <summary>
        /// Built each step from the gradient's running second moments, Kronecker-factored per layer (Adafactor's estimate):
        /// directions the metric does not see move as in Adam with rate η, the ones it sees are damped by it. The directions
        /// are averaged with <see cref="RiemannianMlpTrainerOptions.Momentum"/> as β₁.
        /// </summary>
        Adaptive,

        /// <summary>
        /// The scalar mass <see cref="RiemannianMlpTrainerOptions.Mass"/> (or <see cref="RiemannianMlpTrainerOptions.LayerMasses"/>),
        /// fixed, with heavy-ball momentum: with <c>Momentum = 0</c>, a constant schedule and a refresh every step, the paper's plain step.
        /// </summary>
        Fixed,
    }

    /// <summary>How the learning rate changes over the planned steps (docs/method.md section 9.3).</summary>
    public enum LearningRateScheduleKind
    {
        /// <summary>The same rate at every step.</summary>
        Constant,

        /// <summary>A linear warm-up over <see cref="RiemannianMlpTrainerOptions.WarmupFraction"/> of the steps, then a half cosine to 0 at the last planned step.</summary>
        Cosine,

        /// <summary>A linear warm-up, then a straight line to 0 at the last planned step.</summary>
        Linear,
    }
}
