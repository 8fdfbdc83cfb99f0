using System;

namespace MLNetRiemannian.Model
{
    /// <summary>
    /// The piecewise linear encoding a RiemannianMlp applies to its input after the <see cref="InputScaling"/> (the trainer's
    /// <c>InputEncoding</c> option): each of the <see cref="InputWidth"/> feature slots becomes one or more of the network's
    /// <see cref="Width"/> input slots. A slot whose training values fall into bins with edges <c>e₀ &lt; e₁ &lt; … &lt; e_k</c>
    /// (quantiles of those values) becomes, when it has more than two values, its value x itself followed by k slots, slot t
    /// holding <c>clamp((x − e_t) / (e_{t+1} − e_t), 0, 1)</c>: 1 for bins wholly below x, 0 for bins above it, the fraction of
    /// its own bin in between. The first layer can then put a threshold at any edge, which a linear map of x alone cannot.
    /// A slot whose quantiles give only two distinct edges (an indicator, or a column mostly of one value) becomes its one
    /// bin, x mapped linearly from the edges to [0, 1]; a slot of one value passes through.
    /// Each output slot o is <c>y_o = x[Source_o]</c> when it passes x through (not <see cref="Clipped"/>), else
    /// <c>clamp((x[Source_o] − Lower_o) · InverseWidth_o, 0, 1)</c>, computed in Float32 in that order by the trainer, the
    /// managed scorer and the ONNX export alike. It is part of the model.
    /// </summary>
    /// <remarks>Source: the piecewise linear encoding of Gorishniy, Rubachev and Babenko, "On Embeddings for Numerical
    /// Features in Tabular Deep Learning" (NeurIPS 2022), with quantile bins and both ends clamped.</remarks>
    public sealed class InputEncoding
    {
        private readonly int[] _source;
        private readonly float[] _lower;
        private readonly float[] _inverseWidth;
        private readonly bool[] _clipped;

        /// <summary>Takes copies; one entry per output slot.</summary>
        /// <param name="inputWidth">F, the feature slots encoded.</param>
        /// <param name="source">Each output slot's feature slot, in [0, F), non-decreasing, every feature slot at least once.</param>
        /// <param name="lower">Each output slot's lower edge (exactly 0 for a slot that passes through), finite.</param>
        /// <param name="inverseWidth">Each output slot's 1 / (upper − lower edge) (exactly 1 for a slot that passes through), positive and finite.</param>
        /// <param name="clipped">Whether each output slot is clamped to [0, 1] (false: it passes x through).</param>
        /// <exception cref="ArgumentException">The arrays disagree in length or break a rule above; the message names the slot.</exception>
        internal InputEncoding(int inputWidth, int[] source, float[] lower, float[] inverseWidth, bool[] clipped)
        {
            ArgumentNullException.ThrowIfNull(source);
            ArgumentNullException.ThrowIfNull(lower);
            ArgumentNullException.ThrowIfNull(inverseWidth);
            ArgumentNullException.ThrowIfNull(clipped);
            if (inputWidth < 1) throw new ArgumentException($"The input encoding maps {inputWidth} feature slots; it needs at least one.", nameof(inputWidth));
            if (lower.Length != source.Length || inverseWidth.Length != source.Length || clipped.Length != source.Length)
                throw new ArgumentException($"The input encoding has {source.Length} sources, {lower.Length} lower edges, {inverseWidth.Length} inverse widths and {clipped.Length} clip flags; it needs one of each per output slot.", nameof(source));
            int next = 0;
            for (int o = 0; o < source.Length; o++)
            {
                if (source[o] != next && (o == 0 || source[o] != next - 1))
                    throw new ArgumentException(o == 0
                        ? $"The input encoding's output slot 0 reads feature slot {source[0]}; it must read slot 0."
                        : $"The input encoding's output slot {o} reads feature slot {source[o]}; after slot {next - 1} it must read {next - 1} or {next}.", nameof(source));
                if (source[o] == next) next++;
                if (!float.IsFinite(lower[o]))
                    throw new ArgumentException($"The input encoding's lower edge of output slot {o} is {lower[o]}; it must be finite.", nameof(lower));
                if (!(inverseWidth[o] > 0) || !float.IsFinite(inverseWidth[o]))
                    throw new ArgumentException($"The input encoding's inverse width of output slot {o} is {inverseWidth[o]}; it must be positive and finite.", nameof(inverseWidth));
                // A slot that passes x through is written as (x − 0)·1 by the ONNX graph: anything else would score otherwise there.
                if (!clipped[o] && (lower[o] != 0 || inverseWidth[o] != 1))
                    throw new ArgumentException($"The input encoding's output slot {o} passes its value through but has lower edge {lower[o]} and inverse width {inverseWidth[o]}; it must have 0 and 1.", nameof(lower));
            }
            if (next != inputWidth)
                throw new ArgumentException($"The input encoding's output slots read feature slots 0 to {next - 1}, but it maps {inputWidth}: every slot must be read.", nameof(source));
            InputWidth = inputWidth;
            _source = (int[])source.Clone();
            _lower = (float[])lower.Clone();
            _inverseWidth = (float[])inverseWidth.Clone();
            _clipped = (bool[])clipped.Clone();
        }

        /// <summary>F, the feature slots it reads (the model's feature column width).</summary>
        public int InputWidth { get; }

        /// <summary>The slots it writes, the network's input width (<c>LayerSizes[0]</c>).</summary>
        public int Width => _source.Length;

        /// <summary>Each output slot's feature slot, <c>[Width]</c>.</summary>
        public ReadOnlySpan<int> Source => _source;

        /// <summary>Each output slot's lower bin edge, <c>[Width]</c> (0 where the slot passes through).</summary>
        public ReadOnlySpan<float> Lower => _lower;

        /// <summary>Each output slot's inverse bin width, <c>[Width]</c> (1 where the slot passes through).</summary>
        public ReadOnlySpan<float> InverseWidth => _inverseWidth;

        /// <summary>Whether each output slot is clamped to [0, 1], <c>[Width]</c>; false where it passes through.</summary>
        public ReadOnlySpan<bool> Clipped => _clipped;

        /// <summary>The feature slots cut into two or more bins (more than one output slot each); the rest pass through or map their two values to 0 and 1.</summary>
        internal int CutSlots
        {
            get
            {
                int cut = 0;
                for (int o = 1; o < _source.Length; o++)
                    if (_source[o] == _source[o - 1] && (o == 1 || _source[o - 2] != _source[o])) cut++;
                return cut;
            }
        }

        /// <summary>One line: the feature slots, the inputs they become and how many are cut into bins.</summary>
        public override string ToString() =>
            $"piecewise linear input encoding: {InputWidth} feature slot{(InputWidth == 1 ? "" : "s")} into {Width} input{(Width == 1 ? "" : "s")}, {CutSlots} cut into bins";

        /// <summary>Encodes one row: <paramref name="x"/> of <see cref="InputWidth"/> floats into <paramref name="y"/> of <see cref="Width"/>.</summary>
        internal void Apply(ReadOnlySpan<float> x, Span<float> y)
        {
            for (int o = 0; o < _source.Length; o++) y[o] = Encode(o, x[_source[o]]);
        }

        /// <summary>Output slot <paramref name="o"/>'s value for its feature value <paramref name="value"/>.</summary>
        internal float Encode(int o, float value)
        {
            if (!_clipped[o]) return value;
            float t = (value - _lower[o]) * _inverseWidth[o];
            return t < 0 ? 0 : t > 1 ? 1 : t;
        }
    }
}
