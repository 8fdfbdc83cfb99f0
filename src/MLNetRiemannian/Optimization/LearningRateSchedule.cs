using System;

namespace MLNetRiemannian.Optimization
{
    /// <summary>
    /// A factor in [0, 1] that multiplies the learning rate at each step of a run planned to take a known number of
    /// steps (docs/method.md section 9.3): a linear warm-up from 0 over the first steps, then a decay to 0 at the last
    /// planned step. One object per kind; the factor depends only on the step counter, so a resumed run continues it.
    /// </summary>
    public abstract class LearningRateSchedule
    {
        private protected LearningRateSchedule(double warmupFraction)
        {
            if (!(warmupFraction >= 0 && warmupFraction < 1))
                throw new ArgumentOutOfRangeException(nameof(warmupFraction), warmupFraction, $"Invalid warm-up fraction: {warmupFraction}. It must be in [0, 1).");
            WarmupFraction = warmupFraction;
        }

        /// <summary>The share of the planned steps spent warming up, in [0, 1).</summary>
        public double WarmupFraction { get; }

        /// <summary>The constant schedule: factor 1 at every step (no warm-up, no decay).</summary>
        public static LearningRateSchedule Constant { get; } = new ConstantSchedule();

        /// <summary>Linear warm-up over <paramref name="warmupFraction"/> of the planned steps, then a half cosine to 0.</summary>
        public static LearningRateSchedule Cosine(double warmupFraction) => new CosineSchedule(warmupFraction);

        /// <summary>Linear warm-up over <paramref name="warmupFraction"/> of the planned steps, then a straight line to 0.</summary>
        public static LearningRateSchedule Linear(double warmupFraction) => new LinearSchedule(warmupFraction);

        /// <summary>
        /// The factor for step <paramref name="step"/> (1-based) of <paramref name="plannedSteps"/>. Steps beyond the
        /// plan (a retried step, a resumed run asked for more epochs) keep the last factor's rule clamped at 0.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> or <paramref name="plannedSteps"/> is below 1.</exception>
        public double Factor(long step, long plannedSteps)
        {
            if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "Steps count from 1.");
            if (plannedSteps < 1) throw new ArgumentOutOfRangeException(nameof(plannedSteps), plannedSteps, "A run plans at least one step.");
            long warmup = (long)Math.Floor(WarmupFraction * plannedSteps);
            if (step <= warmup) return (double)step / (warmup + 1);
            // The decay's progress, 0 at the first step after the warm-up and 1 one step after the last planned step,
            // so the last planned step still moves.
            double progress = Math.Min(1, (double)(step - warmup) / (plannedSteps - warmup + 1));
            return Decay(progress);
        }

        /// <summary>The decay's factor at <paramref name="progress"/> in [0, 1]: 1 at 0, 0 at 1.</summary>
        private protected abstract double Decay(double progress);

        private sealed class ConstantSchedule : LearningRateSchedule
        {
            public ConstantSchedule() : base(0) { }

            private protected override double Decay(double progress) => 1;

            public override string ToString() => "constant";
        }

        private sealed class CosineSchedule : LearningRateSchedule
        {
            public CosineSchedule(double warmupFraction) : base(warmupFraction) { }

            private protected override double Decay(double progress) => 0.5 * (1 + Math.Cos(Math.PI * progress));

            public override string ToString() => $"warm-up {WarmupFraction:P0}, cosine to 0";
        }

        private sealed class LinearSchedule : LearningRateSchedule
        {
            public LinearSchedule(double warmupFraction) : base(warmupFraction) { }

            private protected override double Decay(double progress) => 1 - progress;

            public override string ToString() => $"warm-up {WarmupFraction:P0}, linear to 0";
        }
    }
}
