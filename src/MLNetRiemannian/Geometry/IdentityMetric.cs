using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary><c>M = I</c>: the Euclidean metric on the outputs.</summary>
    public sealed class IdentityMetric : OutputMetric
    {
        /// <inheritdoc/>
        public override Tensor Factor(Tensor output, Tensor target)
        {
            using var scope = NewDisposeScope();
            long b = output.shape[0], d = output.shape[1];
            return eye(d, dtype: output.dtype).expand(b, d, d).MoveToOuterDisposeScope();
        }

        internal override bool IsIdentity => true;
    }
}
