using System;
using System.Numerics.Tensors;

namespace MLNetRiemannian.Model
{
    /// <summary>
    /// The per-feature map a RiemannianMlp applies to its input before the first layer, learned from the training rows
    /// (the trainer's <c>InputScaling</c> option): <c>z_j = (x_j − Center_j) · Scale_j</c>, then the smooth clip
    /// <c>z / √(1 + (z / ClipBound)²)</c>, which is the identity near 0 and bends outliers towards ±ClipBound, so a
    /// skewed column or a stray extreme value cannot dominate the first layer. It is part of the model: the managed scorer,
    /// the ONNX export and a warm start all apply it. Sparse features are scaled without centering (every Center is 0),
    /// so a row's unstored slots stay 0.
    /// </summary>
    /// <remarks>Source: the robust scaling and smooth clipping of RealMLP (Holzmüller, Grinsztajn and Steinwart, NeurIPS 2024).</remarks>
    public sealed class InputScaling
    {
        private readonly float[] _center;
        private readonly float[] _scale;

        /// <summary>Takes copies; every value finite, every scale positive, the bound positive.</summary>
        /// <exception cref="ArgumentException">Lengths differ, a value is not finite, a scale or the bound is not positive.</exception>
        internal InputScaling(float[] center, float[] scale, float clipBound)
        {
            if (center.Length != scale.Length)
                throw new ArgumentException($"The input scaling has {center.Length} centers but {scale.Length} scales.", nameof(scale));
            int bad = Array.FindIndex(center, c => !float.IsFinite(c));
            if (bad >= 0) throw new ArgumentException($"The input scaling's center of slot {bad} is {center[bad]}; it must be finite.", nameof(center));
            bad = Array.FindIndex(scale, s => !(s > 0) || !float.IsFinite(s));
            if (bad >= 0) throw new ArgumentException($"The input scaling's scale of slot {bad} is {scale[bad]}; it must be positive and finite.", nameof(scale));
            if (!(clipBound > 0) || !float.IsFinite(clipBound))
                throw new ArgumentException($"The input scaling's clip bound is {clipBound}; it must be positive and finite.", nameof(clipBound));
            _center = (float[])center.Clone();
            _scale = (float[])scale.Clone();
            ClipBound = clipBound;
            IsCentered = Array.Exists(_center, c => c != 0);
        }

        /// <summary>The value each slot is centred on (its training median; 0 for sparse features), <c>[F]</c>.</summary>
        public ReadOnlySpan<float> Center => _center;

        /// <summary>The factor each slot is multiplied by after centring, <c>[F]</c>.</summary>
        public ReadOnlySpan<float> Scale => _scale;

        /// <summary>The smooth clip's bound: scaled values tend to ±ClipBound.</summary>
        public float ClipBound { get; }

        /// <summary>F, the slots it maps.</summary>
        public int Width => _center.Length;

        /// <summary>Whether some slot has a non-zero center, so that an unstored (zero) slot does not map to zero.</summary>
        internal bool IsCentered { get; }

        /// <summary>One line: the slots, whether they are centred, the clip's bound.</summary>
        public override string ToString() =>
            $"robust input scaling: {Width} slot{(Width == 1 ? "" : "s")} {(IsCentered ? "centred and scaled" : "scaled without centering")}, smoothly clipped to ±{ClipBound.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

        /// <summary>Maps a dense row: <paramref name="z"/> = clip((<paramref name="x"/> − Center) · Scale).</summary>
        internal void Apply(ReadOnlySpan<float> x, Span<float> z)
        {
            TensorPrimitives.Subtract(x, _center, z);
            TensorPrimitives.Multiply(z, _scale, z);
            for (int j = 0; j < z.Length; j++) z[j] = Clip(z[j]);
        }

        /// <summary>Maps slot <paramref name="slot"/>'s value.</summary>
        internal float Apply(int slot, float value) => Clip((value - _center[slot]) * _scale[slot]);

        // In double, rounded once, so the scorer, the trainer (TorchSharp, Float32) and ONNX agree to rounding.
        private float Clip(float z) => (float)(z / Math.Sqrt(1 + (double)z * z / ((double)ClipBound * ClipBound)));
    }
}
