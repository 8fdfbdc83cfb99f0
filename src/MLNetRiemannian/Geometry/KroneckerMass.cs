using System;
using System.Linq;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// The mass <c>D = diag(r) ⊗ diag(c)</c> for a dense layer <c>z = W x + b</c>: the parameter <c>W[i, j]</c> weighs
    /// <c>r[i]·c[j]</c> and the bias <c>b[i]</c> weighs <c>r[i]·c[in]</c>. It keeps the Woodbury step factorized
    /// (docs/method.md section 3.3): <c>K D⁻¹ Kᵀ</c> is still an elementwise product of two Gram matrices.
    /// </summary>
    public sealed class KroneckerMass : Mass
    {
        private readonly float[] _rowScale;
        private readonly float[] _columnScale;

        /// <summary>Creates <c>diag(rowScale) ⊗ diag(columnScale)</c>.</summary>
        /// <param name="rowScale">One positive entry per output of the layer.</param>
        /// <param name="columnScale">One positive entry per input of the layer, then one for the bias.</param>
        public KroneckerMass(float[] rowScale, float[] columnScale)
        {
            ArgumentNullException.ThrowIfNull(rowScale);
            ArgumentNullException.ThrowIfNull(columnScale);
            CheckPositive(rowScale, nameof(rowScale));
            CheckPositive(columnScale, nameof(columnScale));
            _rowScale = (float[])rowScale.Clone();
            _columnScale = (float[])columnScale.Clone();
        }

        /// <summary>r, one entry per output.</summary>
        public ReadOnlySpan<float> RowScale => _rowScale;

        /// <summary>c, one entry per input, the last for the bias.</summary>
        public ReadOnlySpan<float> ColumnScale => _columnScale;

        /// <inheritdoc/>
        public override double Minimum => (double)_rowScale.Min() * _columnScale.Min();

        internal override MassInverse Invert(int outputSize, int inputSize, TorchSharp.torch.ScalarType dtype)
        {
            if (_rowScale.Length != outputSize || _columnScale.Length != inputSize + 1)
                throw new ArgumentException(
                    $"A Kronecker mass for a {inputSize}→{outputSize} dense layer needs {outputSize} row scales and " +
                    $"{inputSize + 1} column scales (inputs, then bias); it has {_rowScale.Length} and {_columnScale.Length}.");
            return MassInverse.Kronecker(_rowScale, _columnScale, dtype);
        }
    }
}
