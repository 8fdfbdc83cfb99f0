using System;
using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// <c>D⁻¹</c> of one dense layer as the step uses it: a scalar, a Kronecker pair (row ⊗ column, the last column
    /// for the bias), or explicit per-parameter entries. Owns its tensors.
    /// </summary>
    internal sealed class MassInverse : IDisposable
    {
        private MassInverse(double scalar, Tensor? rows, Tensor? columns, Tensor? weight, Tensor? bias)
        {
            ScalarInverse = scalar;
            RowInverse = rows;
            ColumnInverse = columns;
            WeightInverse = weight;
            BiasInverse = bias;
        }

        /// <summary>1/μ for a scalar mass (then every tensor is null).</summary>
        public double ScalarInverse { get; }

        /// <summary>1/r, <c>[out]</c>, for a Kronecker mass.</summary>
        public Tensor? RowInverse { get; }

        /// <summary>1/c, <c>[in + 1]</c> (the last entry for the bias), for a Kronecker mass.</summary>
        public Tensor? ColumnInverse { get; }

        /// <summary>Per-weight inverse masses <c>[out, in]</c>, for a general diagonal mass.</summary>
        public Tensor? WeightInverse { get; }

        /// <summary>Per-bias inverse masses <c>[out]</c>, for a general diagonal mass.</summary>
        public Tensor? BiasInverse { get; }

        /// <summary>True when the step must build K explicitly (a general diagonal).</summary>
        public bool IsExplicit => WeightInverse is not null;

        public static MassInverse Scalar(double inverse) => new(inverse, null, null, null, null);

        public static MassInverse Kronecker(float[] rows, float[] columns, ScalarType dtype) =>
            new(1, Reciprocal(rows, dtype, rows.Length), Reciprocal(columns, dtype, columns.Length), null, null);

        public static MassInverse Diagonal(float[] weight, float[] bias, int outputSize, int inputSize, ScalarType dtype) =>
            new(1, null, null, Reciprocal(weight, dtype, outputSize, inputSize), Reciprocal(bias, dtype, outputSize));

        /// <summary>Applies <c>D⁻¹</c> to a parameter-shaped pair (weight <c>[out, in]</c>, bias <c>[out]</c>).</summary>
        public (Tensor Weight, Tensor Bias) Apply(Tensor weight, Tensor bias)
        {
            if (WeightInverse is not null) return (weight * WeightInverse, bias * BiasInverse!);
            if (RowInverse is not null)
            {
                long inputs = weight.shape[1];
                var rows = RowInverse.to_type(weight.dtype).unsqueeze(1);
                var columns = ColumnInverse!.to_type(weight.dtype);
                return (weight * rows * columns.narrow(0, 0, inputs), bias * rows.squeeze(1) * columns[inputs]);
            }
            return (weight * ScalarInverse, bias * ScalarInverse);
        }

        private static Tensor Reciprocal(float[] values, ScalarType dtype, params long[] shape)
        {
            using var scope = NewDisposeScope();
            return tensor(values, shape).to_type(ScalarType.Float64).reciprocal_().to_type(dtype).DetachFromDisposeScope();
        }

        public void Dispose()
        {
            RowInverse?.Dispose();
            ColumnInverse?.Dispose();
            WeightInverse?.Dispose();
            BiasInverse?.Dispose();
        }
    }
}
