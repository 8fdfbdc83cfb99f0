using System;

namespace MLNetRiemannian.Geometry
{
    /// <summary>The mass <c>D = μ·I</c>: every parameter of the layer weighs the same.</summary>
    public sealed class ScalarMass : Mass
    {
        /// <summary>Creates <c>μ·I</c>.</summary>
        /// <param name="mu">μ &gt; 0, finite. 1 is a sensible start for inputs scaled to [0, 1].</param>
        public ScalarMass(double mu)
        {
            if (!(mu > 0) || double.IsInfinity(mu))
                throw new ArgumentOutOfRangeException(nameof(mu), mu, $"Invalid mass μ: {mu}. It must be positive and finite.");
            Mu = mu;
        }

        /// <summary>μ.</summary>
        public double Mu { get; }

        /// <inheritdoc/>
        public override double Minimum => Mu;

        internal override MassInverse Invert(int outputSize, int inputSize, TorchSharp.torch.ScalarType dtype) => MassInverse.Scalar(1 / Mu);
    }
}
