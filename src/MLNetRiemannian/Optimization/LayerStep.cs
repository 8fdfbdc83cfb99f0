using MLNetRiemannian.Geometry;
using static TorchSharp.torch;

namespace MLNetRiemannian.Optimization
{
    /// <summary>
    /// One layer's share of a step: the Euclidean gradient <c>g_a</c> and the Riemannian direction
    /// <c>u_a = G_a⁻¹ g_a</c> (the step is <c>Δw_a = −η u_a</c>).
    /// </summary>
    internal readonly record struct LayerStep(Dense Atom, Tensor GradientWeight, Tensor GradientBias, Tensor DirectionWeight, Tensor DirectionBias);
}
