namespace MLNetRiemannian.Model
{
    /// <summary>
    /// One dense layer's share of an epoch's training diagnostics (docs/method.md section 1): how fast the Riemannian flow
    /// lowers the loss, how exactly the inner system was solved, and how far the steps moved in the layer's metric
    /// <c>G_a = K_aᵀ K_a + D_a</c> of each step's batch.
    /// </summary>
    /// <param name="GradientDualNormSquared">
    /// The mean over the epoch's steps of <c>g_aᵀ G_a⁻¹ g_a</c>, the squared dual norm of the layer's gradient: the
    /// rate at which the gradient flow lowers the batch loss through this layer.
    /// </param>
    /// <param name="SolverResidual">
    /// The largest over the steps of <c>|uᵀ G_a u − g_aᵀ u| / g_aᵀ u</c> for the computed direction <c>u ≈ G_a⁻¹ g_a</c>;
    /// zero for an exact solve, of the order of the solve's rounding (1e-6 in Float32) when all is well. A large
    /// value is a numerical alarm.
    /// </param>
    /// <param name="StepLength">The mean over the steps of <c>|Δw_a|_G = √(Δw_aᵀ G_a Δw_a)</c>, the update actually applied (with momentum).</param>
    /// <param name="Action">
    /// The discrete action the layer's steps accumulated, <c>Σ_t ½·|Δw_a|²_G / η + ½·η·g_aᵀ G_a⁻¹ g_a</c> (the Lagrangian of
    /// docs/method.md section 1, each step of <c>−η·u</c> taken as a unit of pseudo-time). Summed over layers it bounds the
    /// first-order loss decrease.
    /// </param>
    /// <param name="InnerSystemCondition">
    /// The largest over the steps of an estimate of the condition number of the inner system <c>S = I + K_a D_a⁻¹ K_aᵀ</c>
    /// (a Lanczos estimate, which errs low; exact for the output layer under the identity metric). Float32 solves lose about
    /// log10 of it in digits.
    /// </param>
    public sealed record LayerDiagnostics(double GradientDualNormSquared, double SolverResidual, double StepLength, double Action, double InnerSystemCondition);
}
