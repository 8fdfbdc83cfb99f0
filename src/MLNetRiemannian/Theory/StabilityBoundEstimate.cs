namespace MLNetRiemannian.Theory
{
    /// <summary>
    /// The stability bound of docs/method.md section 7 (Theorem 3), <c>sup_i |y_i − y′_i| ≲ 2κ²L / (ξ·μ·√n)</c>, and the
    /// four measured quantities it is made of, as <see cref="StabilityBound.Estimate(Geometry.RiemannianModule, Geometry.Loss, TorchSharp.torch.Tensor, TorchSharp.torch.Tensor, int)"/> found them for one trained
    /// network and one training set.
    /// </summary>
    /// <param name="Kappa">
    /// κ, the Lipschitz constant of the outputs in the weights: <c>max_i ‖J_i‖₂</c> over the samples, where
    /// <c>J_i = ∂ŷ_i/∂w</c> (d × P) is the Jacobian of sample i's output with respect to all weights and biases, in the
    /// Euclidean norm of both spaces.
    /// </param>
    /// <param name="LossLipschitz">
    /// L, the Lipschitz constant of the loss in the outputs, over the data: <c>max_i ‖∂l/∂ŷ (ŷ_i, y_i)‖₂</c>. For the
    /// squared error <c>½‖ŷ − y‖²</c> it is the largest Euclidean residual <c>‖ŷ_i − y_i‖₂</c>; for softmax
    /// cross-entropy <c>‖softmax(ŷ_i) − onehot(y_i)‖₂</c>; for sigmoid cross-entropy <c>|σ(ŷ_i) − y_i|</c>.
    /// </param>
    /// <param name="SmallestMass">μ, the smallest entry of any layer's mass <c>D_a</c>.</param>
    /// <param name="Xi">
    /// ξ, the smallest eigenvalue of <c>H = K G⁻¹ Kᵀ</c> with <c>K = n^{-1/2} J</c> (see <see cref="StabilityBound"/>):
    /// exact when <see cref="XiSampleCount"/> equals <see cref="SampleCount"/>, otherwise an estimate from that many
    /// samples that is never below the exact value. 0 when <c>n·d</c> exceeds the number of parameters, because H then
    /// has rank below its size.
    /// </param>
    /// <param name="SampleCount">n, the number of training samples: κ and L are maxima over all of them, and √n enters the bound.</param>
    /// <param name="XiSampleCount">m, how many of the samples (evenly spaced in the data) ξ was computed from; 0 when ξ is 0 by rank.</param>
    /// <param name="Bound">
    /// <c>2κ²L / (ξ·μ·√n)</c>, in the units of the outputs; positive infinity when ξ is 0 (the theorem says nothing then).
    /// </param>
    public sealed record StabilityBoundEstimate(
        double Kappa, double LossLipschitz, double SmallestMass, double Xi, long SampleCount, long XiSampleCount, double Bound);
}
