using System;
using System.Numerics.Tensors;
using MLNetRiemannian.Geometry;

namespace MLNetRiemannian.Model
{
    /// <summary>
    /// The trained network's forward pass in managed code: dense layers <c>z = W x + b</c> with the activation after
    /// every layer but the last, whose output stays linear (the task's output head is the model's business). Scoring
    /// needs neither TorchSharp nor libtorch.
    /// </summary>
    /// <remarks>
    /// Immutable once built, so any number of threads may call <see cref="Forward"/> at once; each caller brings its
    /// own scratch buffer (<see cref="ScratchSize"/> floats), which makes scoring allocation-free per row.
    /// A sparse row (<see cref="ForwardSparse"/>) enters the first layer as <c>z = b + Σ_j W[:, i_j] v_j</c> over its
    /// stored entries only, from a transposed copy of the first layer (<c>[in, out]</c>, made once, on the first sparse
    /// row) so that each entry adds one contiguous row: W's own row-major <c>[out, in]</c> layout would make it a
    /// gather of <c>out</c> floats <c>in</c> apart per entry.
    /// </remarks>
    internal sealed class ManagedMlp
    {
        /// <summary>
        /// The leaky rectifier's slope for negative inputs. Must equal <c>Geometry.LeakyReLU.NegativeSlope</c>, the
        /// slope the network was trained with (a test checks it; that class is TorchSharp's side and cannot be named here).
        /// </summary>
        public const float LeakyReluSlope = 0.01f;

        private readonly int[] _sizes;
        private readonly float[][] _weights;
        private readonly float[][] _biases;
        private readonly Lazy<float[]> _firstLayerTransposed;

        /// <summary>Takes ownership of the arrays; the caller has validated their shapes and must not change them.</summary>
        /// <param name="sizes">Widths, input first: layer <c>l</c> maps <c>sizes[l]</c> to <c>sizes[l + 1]</c>.</param>
        /// <param name="weights">Per layer, <c>W</c> row-major <c>[out, in]</c>.</param>
        /// <param name="biases">Per layer, <c>b</c> of length out.</param>
        /// <param name="activation">The nonlinearity between layers.</param>
        /// <param name="inputScaling">The map applied to the input before the first layer, or null.</param>
        /// <param name="inputScale">The learned factors applied after <paramref name="inputEncoding"/>, or null.</param>
        /// <param name="inputEncoding">The encoding applied after <paramref name="inputScaling"/> (feature slots to the network's input), or null.</param>
        public ManagedMlp(int[] sizes, float[][] weights, float[][] biases, ActivationKind activation, InputScaling? inputScaling = null, InputScale? inputScale = null,
            InputEncoding? inputEncoding = null)
        {
            _sizes = sizes;
            _weights = weights;
            _biases = biases;
            Activation = activation;
            InputScaling = inputScaling;
            InputScale = inputScale;
            InputEncoding = inputEncoding;
            int widest = 0;
            for (int l = 1; l < sizes.Length - 1; l++) widest = Math.Max(widest, sizes[l]);
            // Two hidden vectors in turn (the layer's input and output); a sparse input row is used as it is; then the rows
            // each input step writes (the scaled features, their encoding, the learned scale's product), and a sparse row
            // made dense when a step needs it so.
            _hiddenScratch = widest;
            int features = inputEncoding?.InputWidth ?? sizes[0];
            _denseOffset = 2 * widest + (inputScaling is null ? 0 : features) + (inputEncoding is null ? 0 : sizes[0]) + (inputScale is null ? 0 : sizes[0]);
            ScratchSize = _denseOffset + (inputScaling is { IsCentered: true } || inputEncoding is not null ? features : 0);
            _firstLayerTransposed = new Lazy<float[]>(() => Transpose(_weights[0], _sizes[1], _sizes[0]));
        }

        /// <summary>The nonlinearity between layers.</summary>
        public ActivationKind Activation { get; }

        /// <summary>The map applied to the input before the first layer, or null.</summary>
        public InputScaling? InputScaling { get; }

        /// <summary>The learned factors applied after <see cref="InputEncoding"/>, or null.</summary>
        public InputScale? InputScale { get; }

        /// <summary>The encoding applied after <see cref="InputScaling"/>, feature slots to the network's input, or null.</summary>
        public InputEncoding? InputEncoding { get; }

        private readonly int _hiddenScratch, _denseOffset;

        /// <summary>Number of dense layers.</summary>
        public int LayerCount => _weights.Length;

        /// <summary>Width of the input, the feature slots (the first layer's input width unless an encoding widens them).</summary>
        public int InputSize => InputEncoding?.InputWidth ?? _sizes[0];

        /// <summary>Width of the output (before the task's head).</summary>
        public int OutputSize => _sizes[^1];

        /// <summary>Floats of scratch <see cref="Forward"/> and <see cref="ForwardSparse"/> need.</summary>
        public int ScratchSize { get; }

        /// <summary>Widths, input first.</summary>
        public ReadOnlySpan<int> Sizes => _sizes;

        /// <summary>Layer <paramref name="layer"/>'s W, row-major <c>[out, in]</c>.</summary>
        public ReadOnlySpan<float> Weights(int layer) => _weights[layer];

        /// <summary>Layer <paramref name="layer"/>'s b.</summary>
        public ReadOnlySpan<float> Bias(int layer) => _biases[layer];

        /// <summary>Computes the network's linear output for one input row.</summary>
        /// <param name="input">The row, <see cref="InputSize"/> floats.</param>
        /// <param name="output">Receives <see cref="OutputSize"/> floats.</param>
        /// <param name="scratch">At least <see cref="ScratchSize"/> floats, owned by the caller for this call.</param>
        public void Forward(ReadOnlySpan<float> input, Span<float> output, Span<float> scratch)
        {
            int hidden = _hiddenScratch, offset = 2 * hidden;
            if (InputScaling is { } scaling)
            {
                var scaled = scratch.Slice(offset, scaling.Width);
                scaling.Apply(input, scaled);
                input = scaled;
                offset += scaled.Length;
            }
            if (InputEncoding is { } encoding)
            {
                var encoded = scratch.Slice(offset, encoding.Width);
                encoding.Apply(input, encoded);
                input = encoded;
                offset += encoded.Length;
            }
            if (InputScale is { } scale)
            {
                var factored = scratch.Slice(offset, scale.Width);
                TensorPrimitives.Multiply(input, scale.Factors, factored);
                input = factored;
            }
            Continue(0, input, output, scratch.Slice(0, hidden), scratch.Slice(hidden, hidden));
        }

        /// <summary><see cref="Forward"/> for a sparse row: <c>x[indices[j]] = values[j]</c>, every other slot 0.</summary>
        /// <param name="indices">The stored slots, each in [0, <see cref="InputSize"/>).</param>
        /// <param name="values">Their values, as many as <paramref name="indices"/>.</param>
        /// <param name="output">Receives <see cref="OutputSize"/> floats.</param>
        /// <param name="scratch">At least <see cref="ScratchSize"/> floats, owned by the caller for this call.</param>
        public void ForwardSparse(ReadOnlySpan<int> indices, ReadOnlySpan<float> values, Span<float> output, Span<float> scratch)
        {
            int hidden = _hiddenScratch;
            if (InputScaling is { IsCentered: true } || InputEncoding is not null)
            {
                // Centred or encoded slots map an unstored 0 to something else: the row is dense after all.
                var dense = scratch.Slice(_denseOffset, InputSize);
                dense.Clear();
                for (int j = 0; j < indices.Length; j++) dense[indices[j]] = values[j];
                Forward(dense, output, scratch);
                return;
            }
            bool last = _weights.Length == 1;
            int width = _sizes[1];
            Span<float> z = last ? output.Slice(0, OutputSize) : scratch.Slice(0, width);
            ReadOnlySpan<float> transposed = _firstLayerTransposed.Value;
            _biases[0].AsSpan().CopyTo(z);
            for (int j = 0; j < indices.Length; j++)
            {
                float value = InputScaling is { } scaling ? scaling.Apply(indices[j], values[j]) : values[j];
                if (InputScale is { } scale) value *= scale.Factors[indices[j]];
                TensorPrimitives.MultiplyAdd(transposed.Slice(indices[j] * width, width), value, z, z);
            }
            if (last) return;
            Activate(z);
            Continue(1, z, output, scratch.Slice(0, hidden), scratch.Slice(hidden, hidden));
        }

        /// <summary>Layers <paramref name="first"/> onward, from <paramref name="current"/> (which lives in <paramref name="even"/> or is the input).</summary>
        private void Continue(int first, ReadOnlySpan<float> current, Span<float> output, Span<float> even, Span<float> odd)
        {
            for (int l = first; l < _weights.Length; l++)
            {
                bool last = l == _weights.Length - 1;
                Span<float> next = last ? output.Slice(0, OutputSize) : (l % 2 == 0 ? even : odd).Slice(0, _sizes[l + 1]);
                Dense(_weights[l], _biases[l], current, next);
                if (!last) Activate(next);
                current = next;
            }
        }

        private static float[] Transpose(float[] weights, int rows, int columns)
        {
            var transposed = new float[weights.Length];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < columns; c++)
                    transposed[(long)c * rows + r] = weights[(long)r * columns + c];
            return transposed;
        }

        // z = W x + b, one SIMD dot product per output row: the weights stream through once, so this is the plain
        // matrix-vector product's speed.
        private static void Dense(float[] weights, float[] bias, ReadOnlySpan<float> x, Span<float> z)
        {
            int width = x.Length;
            ReadOnlySpan<float> w = weights;
            for (int o = 0; o < z.Length; o++)
                z[o] = TensorPrimitives.Dot(w.Slice(o * width, width), x) + bias[o];
        }

        private void Activate(Span<float> x)
        {
            switch (Activation)
            {
                case ActivationKind.ReLU:
                    TensorPrimitives.Max(x, 0f, x);
                    break;
                case ActivationKind.LeakyReLU:
                    // max(x, a·x) is the leaky rectifier because 0 < a < 1.
                    for (int i = 0; i < x.Length; i++) x[i] = Math.Max(x[i], LeakyReluSlope * x[i]);
                    break;
                case ActivationKind.Tanh:
                    TensorPrimitives.Tanh(x, x);
                    break;
                case ActivationKind.Sigmoid:
                    TensorPrimitives.Sigmoid(x, x);
                    break;
                case ActivationKind.Gelu:
                    // x·Φ(x) in double, rounded once: torch's float GELU is accurate to rounding, so this matches it.
                    for (int i = 0; i < x.Length; i++) x[i] = (float)(x[i] * ErrorFunction.NormalCdf(x[i]));
                    break;
                default:
                    throw new InvalidOperationException($"Unknown activation {Activation}.");
            }
        }
    }
}
