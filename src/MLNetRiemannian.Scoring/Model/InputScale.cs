using System;

namespace MLNetRiemannian.Model
{
    /// <summary>
    /// The learned per-feature input scale of a RiemannianMlp (the trainer's <c>LearnInputScale</c> option): after the
    /// <see cref="InputScaling"/> (when the model has one), each slot is multiplied by its own factor, <c>z_j = s_j·x_j</c>,
    /// before the first layer. Training starts every factor at 1 and moves it with the network (a diagonal module with
    /// its own metric, docs/method.md section 10.1). It is part of the model: the managed scorer, the ONNX export (one
    /// <c>Mul</c>) and a warm start, which continues training it, all use it. A sparse row's unstored slots stay 0.
    /// </summary>
    /// <remarks>Source: the per-feature scaling layer of RealMLP (Holzmüller, Grinsztajn and Steinwart, NeurIPS 2024).</remarks>
    public sealed class InputScale
    {
        private readonly float[] _factors;

        /// <summary>Takes a copy; every factor finite.</summary>
        /// <exception cref="ArgumentException">A factor is not finite, or there are none.</exception>
        internal InputScale(float[] factors)
        {
            ArgumentNullException.ThrowIfNull(factors);
            if (factors.Length == 0) throw new ArgumentException("The input scale has no factors; it needs one per feature slot.", nameof(factors));
            int bad = Array.FindIndex(factors, f => !float.IsFinite(f));
            if (bad >= 0) throw new ArgumentException($"The input scale's factor of slot {bad} is {factors[bad]}; it must be finite.", nameof(factors));
            _factors = (float[])factors.Clone();
        }

        /// <summary>s, the factor of each slot, <c>[F]</c>.</summary>
        public ReadOnlySpan<float> Factors => _factors;

        /// <summary>F, the slots it scales.</summary>
        public int Width => _factors.Length;
    }
}
