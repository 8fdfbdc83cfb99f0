using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Optimization
{
    /// <summary>
    /// One layer's share of a step: the Euclidean gradient <c>g_a</c> and the Riemannian direction
    /// <c>u_a = G_a⁻¹ g_a</c> (the step is <c>Δw_a = −η u_a</c>), with the curvature samples' inputs <c>x</c>
    /// <c>[b, in]</c> and pulled-back factor <c>R</c> <c>[b, k, out]</c> that define <c>G_a</c>'s K, and the step's
    /// <c>D_a⁻¹</c> (<see cref="Mass"/>). A column-sparse step (<see cref="ColumnSparseLayer"/>) holds the weight parts,
    /// the inputs and <c>D⁻¹</c> on <see cref="Columns"/> only (<c>[out, k]</c>, <c>[b, k]</c>); null: the whole layer.
    /// </summary>
    internal readonly record struct LayerStep(Dense Atom, MassInverse Mass, Tensor GradientWeight, Tensor GradientBias, Tensor DirectionWeight, Tensor DirectionBias,
        InputBatch Input, Tensor Factor, Tensor? Columns = null);
}
