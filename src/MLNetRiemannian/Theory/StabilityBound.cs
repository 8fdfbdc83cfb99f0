using System;
using System.Collections.Generic;
using System.Linq;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Optimization;
using static TorchSharp.torch;

namespace MLNetRiemannian.Theory
{
    /// <summary>
    /// Estimates the stability bound of docs/method.md section 7 (Theorem 3), <c>2κ²L / (ξ·μ·√n)</c>, for a trained network
    /// and its training set: how far, after transients, the outputs of gradient flow in the layerwise metric can move
    /// when one of the n training samples is replaced.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Which H. The flow is the full-batch one: the mean loss <c>ℓ = (1/n) Σ_i l(ŷ_i, y_i)</c> and the metric of
    /// docs/method.md section 2 with the batch being the training set and <c>M = I</c>, <c>G_a = K_aᵀ K_a + D_a</c> with
    /// <c>K_a = n^{-1/2} J_a</c>. Along <c>ẇ = −G⁻¹ ∇ℓ</c> the stacked outputs move as
    /// <c>ẏ = J ẇ = −K G⁻¹ Kᵀ ∇_y l</c>, so <c>H = K G⁻¹ Kᵀ = (1/n) ∇_w y · G⁻¹ · ∇_w yᵀ</c> is the matrix of the output
    /// flow, ξ its contraction rate, and the paper's <c>H = N (I + N)⁻¹</c> holds with <c>N = K D⁻¹ Kᵀ</c>. With this H all
    /// factors of the bound fit: the replaced sample changes <c>ẇ</c> by at most <c>(1/n)·‖G⁻¹‖·2κL ≤ 2κL/(nμ)</c>,
    /// <c>‖J‖₂ ≤ √n·κ</c> carries that to the outputs, and contraction at rate ξ divides by ξ.
    /// </para>
    /// <para>
    /// Layerwise. G is block diagonal over the layers, so <c>H = Σ_a K_a G_a⁻¹ K_aᵀ = Σ_a N_a (I + N_a)⁻¹</c> with
    /// <c>N_a = K_a D_a⁻¹ K_aᵀ</c> (the paper's formula is the one-block case). Each <c>N_a</c> (md × md) comes from the
    /// Gram matrices of the pulled-back factors and the layer inputs, as in the Woodbury step (docs/method.md section 3.2); K is
    /// never formed for scalar and Kronecker masses.
    /// </para>
    /// <para>
    /// A subset for ξ. ξ needs an md × md eigenvalue problem, so it is computed from m ≤ n samples evenly spaced in the
    /// data, keeping the training set's <c>1/n</c> in K: that is the m-sample principal block of H with the other samples'
    /// terms left out of G. Leaving them out makes G smaller and the block larger, and a principal block's smallest
    /// eigenvalue is at least H's (Cauchy interlacing), so the estimate is never below the exact ξ and the bound from it
    /// never above the exact bound; at m = n it is exact. H has rank at most P (the number of parameters), so when
    /// <c>n·d &gt; P</c>, ξ is exactly 0 and the bound is infinite: the theorem needs an overparameterized network.
    /// </para>
    /// <para>
    /// κ. <c>‖J_i‖₂² = λ_max(J_i J_iᵀ)</c> and <c>J_i J_iᵀ = Σ_a (R_{a,i} R_{a,i}ᵀ)·(‖x_{a,i}‖² + 1)</c> (d × d) with
    /// <c>R_{a,i} = ∂ŷ_i/∂z_a</c>, the identity pulled back to layer a's output: exact for every sample from one batched
    /// pullback, without power iteration or a dense Jacobian.
    /// </para>
    /// <para>
    /// A floor. <c>N_a (I + N_a)⁻¹ ≼ N_a ≼ J_a J_aᵀ/(nμ)</c>, so <c>ξ ≤ λ_min(J Jᵀ)/(nμ) ≤ κ²/(nμ)</c> (a smallest eigenvalue
    /// is at most any diagonal entry, and each is at most some <c>‖J_i‖₂²</c>): the bound is never below <c>2L√n</c>, and
    /// so cannot fall with n like <c>n^{-1/2}</c> unless L does.
    /// </para>
    /// <para>
    /// Where. All parts are measured at the network's current weights, while the theorem's argument needs them along the
    /// whole training path: L in particular shrinks as the model fits its data (it is 0 at interpolation). For the
    /// theorem's constants, estimate at several checkpoints from the initialization on and combine the largest κ and L
    /// with the smallest ξ, as samples/StabilityExperiment does.
    /// </para>
    /// </remarks>
    public static class StabilityBound
    {
        /// <summary>The default number of samples ξ is computed from (an md × md eigenvalue problem).</summary>
        public const int DefaultXiSampleCount = 256;

        /// <summary>Samples per forward and pullback when κ and L are scanned over the data.</summary>
        private const int ChunkRows = 2048;

        /// <summary>Estimates κ, L, μ, ξ and the bound for <paramref name="network"/> trained on (<paramref name="input"/>, <paramref name="target"/>).</summary>
        /// <param name="network">The trained network; its <see cref="Dense"/> layers' masses give D and μ.</param>
        /// <param name="loss">The per-sample loss it was trained with (the theorem's is <see cref="SquaredErrorLoss"/>).</param>
        /// <param name="input">The n training inputs, <c>[n, InputSize]</c>; cast to the network's precision.</param>
        /// <param name="target">The n targets, in the form <paramref name="loss"/> takes.</param>
        /// <param name="xiSampleCount">m ≥ 1, how many samples ξ is computed from (all when m ≥ n); default <see cref="DefaultXiSampleCount"/>.</param>
        /// <exception cref="ArgumentException">The network has no dense layer, or the shapes of the data do not fit it.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="xiSampleCount"/> is not positive.</exception>
        public static StabilityBoundEstimate Estimate(RiemannianModule network, Loss loss, Tensor input, Tensor target, int xiSampleCount = DefaultXiSampleCount) =>
            Estimate(network, loss, input, target, xiSampleCount, null);

        /// <summary>
        /// <see cref="Estimate(RiemannianModule, Loss, Tensor, Tensor, int)"/> with each dense layer's D taken from
        /// <paramref name="masses"/> (in the order of <see cref="RiemannianModule.Atoms"/>) instead of its own mass: the
        /// bound for a step whose mass is frozen at that state, e.g. the adaptive mass's (docs/method.md section 9.1).
        /// Null uses the layers' own masses.
        /// </summary>
        /// <exception cref="ArgumentException"><paramref name="masses"/> does not hold one mass per dense layer.</exception>
        internal static StabilityBoundEstimate Estimate(RiemannianModule network, Loss loss, Tensor input, Tensor target, int xiSampleCount,
            IReadOnlyList<MassInverse>? masses)
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(loss);
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(target);
            if (network.Atoms.Count == 0)
                throw new ArgumentException("The network has no dense layer: it has no weights to be stable in.", nameof(network));
            if (input.dim() != 2 || input.shape[1] != network.InputSize || input.shape[0] == 0)
                throw new ArgumentException(
                    $"The input must be [n, {network.InputSize}] with n ≥ 1 for this network; it is [{string.Join(", ", input.shape)}].", nameof(input));
            if (target.dim() == 0 || target.shape[0] != input.shape[0])
                throw new ArgumentException(
                    $"The target must have one row per input row ({input.shape[0]}); it is [{string.Join(", ", target.shape)}].", nameof(target));
            if (xiSampleCount < 1)
                throw new ArgumentOutOfRangeException(nameof(xiSampleCount), xiSampleCount, $"Invalid ξ sample count: {xiSampleCount}. It must be at least 1.");

            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var x = input.to_type(network.Atoms[0].Weight.dtype);
            long n = x.shape[0], parameters = network.Atoms.Sum(a => a.ParameterCount);
            if (masses is not null && masses.Count != network.Atoms.Count)
                throw new ArgumentException($"One mass per dense layer is needed ({network.Atoms.Count}); {masses.Count} were given.", nameof(masses));
            var inverses = masses ?? network.Atoms.Select(a => a.MassInverse).ToList();
            double mu = masses is null ? network.Atoms.Min(a => a.Mass.Minimum) : masses.Min(m => m.MinimumMass);
            var (kappa, lipschitz) = KappaAndLossLipschitz(network, loss, x, target);
            long m = n * network.OutputSize > parameters ? 0 : Math.Min(xiSampleCount, n);
            double xi = m == 0 ? 0 : Xi(network, inverses, x, m);
            double bound = xi > 0 ? 2 * kappa * kappa * lipschitz / (xi * mu * Math.Sqrt(n)) : double.PositiveInfinity;
            return new StabilityBoundEstimate(kappa, lipschitz, mu, xi, n, m, bound);
        }

        private static int IndexOf(RiemannianModule network, Dense atom)
        {
            for (int i = 0; i < network.Atoms.Count; i++)
                if (ReferenceEquals(network.Atoms[i], atom)) return i;
            throw new ArgumentException("The atom is not in the network.", nameof(atom));
        }

        /// <summary>κ = max_i ‖J_i‖₂ and L = max_i ‖∂l/∂ŷ_i‖₂, in chunks of samples.</summary>
        private static (double Kappa, double LossLipschitz) KappaAndLossLipschitz(RiemannianModule network, Loss loss, Tensor input, Tensor target)
        {
            long n = input.shape[0];
            int d = network.OutputSize;
            double kappaSquared = 0, lipschitzSquared = 0;
            for (long start = 0; start < n; start += ChunkRows)
            {
                using var scope = NewDisposeScope();
                long rows = Math.Min(ChunkRows, n - start);
                var trace = new ForwardTrace();
                var output = network.Forward(input.narrow(0, start, rows), trace);
                var gradient = loss.Gradient(output, target.narrow(0, start, rows)).to_type(ScalarType.Float64);
                lipschitzSquared = Math.Max(lipschitzSquared, gradient.square().sum(dim: 1).max().item<double>());

                // The identity's d rows pulled back give every layer R_{a,i} = ∂ŷ_i/∂z_a, and J_i J_iᵀ from them.
                network.Pullback(eye(d, dtype: output.dtype).expand(rows, d, d), trace, toInput: false);
                var outer = zeros(new[] { rows, (long)d, d }, dtype: ScalarType.Float64);
                foreach (var (_, x, r) in trace.Atoms)
                {
                    var r64 = r.to_type(ScalarType.Float64);
                    var inputNormSquared = x.ToDense().to_type(ScalarType.Float64).square().sum(dim: 1).add_(1); // ‖x̃‖² with x̃ = [x; 1]
                    outer.add_(r64.bmm(r64.transpose(1, 2)).mul_(inputNormSquared.view(rows, 1, 1)));
                }
                kappaSquared = Math.Max(kappaSquared, linalg.eigvalsh(outer).max().item<double>());
            }
            return (Math.Sqrt(kappaSquared), Math.Sqrt(lipschitzSquared));
        }

        /// <summary>ξ = λ_min(Σ_a N_a (I + N_a)⁻¹) over m samples evenly spaced in the data, with K = n^{-1/2} J.</summary>
        private static double Xi(RiemannianModule network, IReadOnlyList<MassInverse> masses, Tensor input, long m)
        {
            long n = input.shape[0];
            int d = network.OutputSize;
            var rows = arange(m, dtype: ScalarType.Float64).mul_((double)n / m).floor_().to_type(ScalarType.Int64);
            var trace = new ForwardTrace();
            var output = network.Forward(input.index_select(0, rows), trace);
            // K = n^{-1/2} L J with L = I (docs/method.md section 2, the batch being the whole training set).
            network.Pullback(eye(d, dtype: output.dtype).mul_(1 / Math.Sqrt(n)).expand(m, d, d), trace, toInput: false);

            var h = zeros(m * d, m * d, dtype: ScalarType.Float64);
            foreach (var (atom, x, r) in trace.Atoms)
            {
                var r64 = r.to_type(ScalarType.Float64).contiguous();
                var gram = masses[IndexOf(network, atom)].Gram(r64, x.ToType(ScalarType.Float64)); // N_a = K_a D_a⁻¹ K_aᵀ
                // (I + N_a)⁻¹ N_a by a solve rather than I − (I + N_a)⁻¹, which cancels when N_a is small (large masses).
                var cholesky = linalg.cholesky(gram + eye(m * d, dtype: ScalarType.Float64));
                var block = cholesky_solve(gram, cholesky, upper: false);
                h.add_(block.add(block.t()).mul_(0.5));
            }
            return Math.Max(0, linalg.eigvalsh(h)[0].item<double>());
        }
    }
}
