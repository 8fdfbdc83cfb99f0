using System;
using System.Linq;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// A fully general diagonal mass: one positive weight per parameter. It breaks the factorized form of the
    /// step, so the layer's K (<c>B·k × n</c>) is built explicitly: use it for small layers only.
    /// </summary>
    public sealed class DiagonalMass : Mass
    {
        private readonly float[] _weight;
        private readonly float[] _bias;

        /// <summary>Creates the mass from one entry per weight (row-major, <c>[out, in]</c>) and per bias.</summary>
        public DiagonalMass(float[] weight, float[] bias)
        {
            ArgumentNullException.ThrowIfNull(weight);
            ArgumentNullException.ThrowIfNull(bias);
            CheckPositive(weight, nameof(weight));
            CheckPositive(bias, nameof(bias));
            _weight = (float[])weight.Clone();
            _bias = (float[])bias.Clone();
        }

        /// <summary>The weights' masses, row-major <c>[out, in]</c>.</summary>
        public ReadOnlySpan<float> Weight => _weight;

        /// <summary>The biases' masses.</summary>
        public ReadOnlySpan<float> Bias => _bias;

        /// <inheritdoc/>
        public override double Minimum => Math.Min(_weight.Min(), _bias.Min());

        internal override MassInverse Invert(int outputSize, int inputSize, TorchSharp.torch.ScalarType dtype)
        {
            if (_weight.Length != outputSize * inputSize || _bias.Length != outputSize)
                throw new ArgumentException(
                    $"A diagonal mass for a {inputSize}→{outputSize} dense layer needs {outputSize * inputSize} weight " +
                    $"entries and {outputSize} bias entries; it has {_weight.Length} and {_bias.Length}.");
            return MassInverse.Diagonal(_weight, _bias, outputSize, inputSize, dtype);
        }
    }
}
