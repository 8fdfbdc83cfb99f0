using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>Half the squared Euclidean error, <c>½‖ŷ − y‖²</c> (targets: <c>[B, d]</c>). Its Hessian is the identity.</summary>
    public sealed class SquaredErrorLoss : Loss
    {
        /// <inheritdoc/>
        public override Tensor Value(Tensor output, Tensor target)
        {
            using var scope = NewDisposeScope();
            return (output - target.to_type(output.dtype)).pow_(2).sum(1).mul_(0.5).MoveToOuterDisposeScope();
        }

        /// <inheritdoc/>
        public override Tensor Gradient(Tensor output, Tensor target) => output - target.to_type(output.dtype);

        /// <inheritdoc/>
        public override Tensor GaussNewtonFactor(Tensor output, Tensor target, double epsilon)
        {
            using var scope = NewDisposeScope();
            long b = output.shape[0], d = output.shape[1];
            return eye(d, dtype: output.dtype).mul_(System.Math.Sqrt(1 + epsilon)).expand(b, d, d).MoveToOuterDisposeScope();
        }
    }
}
