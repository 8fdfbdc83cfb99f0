using System;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// The diagonal "mass" metric <c>D_a</c> on one layer's parameters (docs/method.md section 4). Its smallest entry μ
    /// bounds <c>‖G_a⁻¹‖ ≤ 1/μ</c> and enters the stability bound (docs/method.md section 7). A larger mass makes the step
    /// shorter and closer to plain gradient descent scaled by <c>1/μ</c>.
    /// </summary>
    public abstract class Mass
    {
        private protected Mass() { }

        /// <summary>μ, the smallest diagonal entry.</summary>
        public abstract double Minimum { get; }

        /// <summary>Builds <c>D⁻¹</c> for a dense layer of the given shape, checking that the mass fits it.</summary>
        internal abstract MassInverse Invert(int outputSize, int inputSize, TorchSharp.torch.ScalarType dtype);

        private protected static void CheckPositive(ReadOnlySpan<float> values, string name)
        {
            for (int i = 0; i < values.Length; i++)
            {
                if (!(values[i] > 0) || float.IsInfinity(values[i]))
                    throw new ArgumentOutOfRangeException(name, values[i], $"Mass entries must be positive and finite; {name}[{i}] is {values[i]}.");
            }
        }
    }
}
