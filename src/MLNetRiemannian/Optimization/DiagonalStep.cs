using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Optimization
{
    /// <summary>
    /// The Riemannian direction of a <see cref="Geometry.Diagonal"/> module <c>z = s ⊙ x</c> (docs/method.md section
    /// 10.1): <c>u = G⁻¹g</c> with <c>G = Σ_b diag(x_b) R_bᵀR_b diag(x_b) + D</c> = <c>KᵀK + D</c>, K's rows being
    /// <c>R_b[i, :] ⊙ x_b</c> (<c>b·k</c> of them, <c>√ω̃_b</c> already inside R_b) and D diagonal. G is only n × n, so it
    /// is solved exactly, by whichever system is smaller: G itself when <c>n ≤ b·k</c>, as
    /// <c>G = D^½ (I + D^-½KᵀKD^-½) D^½</c> (the bracket's eigenvalues are ≥ 1, as the inner system's are, however wide D's
    /// range), else Woodbury's <c>S = I + K D⁻¹ Kᵀ</c> (<c>b·k</c> × <c>b·k</c>), <c>u = D⁻¹g − D⁻¹Kᵀ S⁻¹ K D⁻¹ g</c>. Both are
    /// factored by <see cref="RobustCholesky"/>.
    /// </summary>
    internal static class DiagonalStep
    {
        /// <summary>u = G⁻¹g, <c>[n]</c>, in the gradient's dtype.</summary>
        /// <param name="input">The curvature samples' inputs x, <c>[b, n]</c> (dense or sparse).</param>
        /// <param name="factor">Their factor rows R pulled back to the module's output, <c>[b, k, n]</c>.</param>
        /// <param name="gradient">g, <c>[n]</c>.</param>
        /// <param name="massInverse">D⁻¹'s diagonal, <c>[n]</c>, positive.</param>
        /// <param name="precision">Float64 for <see cref="SolvePrecision.Double"/>, else the gradient's own.</param>
        /// <param name="events">Where the factorization's retries are counted.</param>
        public static Tensor Direction(InputBatch input, Tensor factor, Tensor gradient, Tensor massInverse, SolvePrecision precision, NumericalEvents events)
        {
            var type = precision == SolvePrecision.Double ? ScalarType.Float64 : gradient.dtype;
            long n = gradient.shape[0];
            var x = input.ToDense().to_type(type);
            var k = (factor.to_type(type) * x.unsqueeze(1)).reshape(-1, n); // [b·k, n]
            var (g, dInverse) = (gradient.to_type(type), massInverse.to_type(type));
            Tensor u;
            if (n <= k.shape[0])
            {
                var root = dInverse.sqrt();
                var scaled = k * root; // K D^-½
                var system = scaled.t().mm(scaled);
                system.diagonal().add_(1);
                var lower = RobustCholesky.Factor(system, $"{n}×{n} metric of the input scale", events);
                u = cholesky_solve((root * g).view(n, 1), lower, upper: false).view(n).mul_(root);
            }
            else
            {
                var kd = k * dInverse; // K D⁻¹, [b·k, n]
                var s = kd.mm(k.t());
                s.diagonal().add_(1);
                var lower = RobustCholesky.Factor(s, $"{k.shape[0]}×{k.shape[0]} inner system of the input scale", events);
                var dg = dInverse * g;
                var v = cholesky_solve(k.mv(dg).view(-1, 1), lower, upper: false).view(-1);
                u = dg - kd.t().mv(v);
            }
            return u.to_type(gradient.dtype);
        }
    }
}
