using System.Linq;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Tests.Reference;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Theory
{
    /// <summary>
    /// The parts of the stability bound the slow, obvious way, for tests only: the full Jacobian of every output in every
    /// parameter from autograd, κ from the SVD of each sample's block, the layerwise metric <c>G_a = J_aᵀ J_a / n + D_a</c>
    /// assembled densely and inverted directly, and ξ from <c>eigvalsh</c> of <c>H = Σ_a J_a G_a⁻¹ J_aᵀ / n</c>, all in Float64.
    /// Shares nothing with the library but the network's forward pass.
    /// </summary>
    internal static class DenseStabilityReference
    {
        /// <summary>∂ŷ_i/∂w for every sample, <c>[n, d, P]</c>, parameters ordered [vec(W_1); b_1; vec(W_2); …] as the atoms.</summary>
        public static Tensor Jacobian(RiemannianModule network, Tensor input)
        {
            var parameters = network.Atoms.SelectMany(a => new[] { a.Weight, a.Bias }).ToArray();
            foreach (var p in parameters) p.requires_grad_(true);
            try
            {
                var output = network.Forward(input);
                long n = output.shape[0], d = output.shape[1];
                var rows = new Tensor[n * d];
                for (long i = 0; i < n * d; i++)
                {
                    var grads = autograd.grad(new[] { output[i / d, i % d] }, parameters, retain_graph: true);
                    rows[i] = cat(grads.Select(g => g.flatten()).ToArray(), 0).to_type(ScalarType.Float64);
                }
                return stack(rows, 0).view(n, d, -1).detach();
            }
            finally
            {
                foreach (var p in parameters) p.requires_grad_(false);
            }
        }

        /// <summary>The smallest diagonal entry of the layer's mass, from its public description.</summary>
        public static double MinimumMass(Dense atom) => DenseMetricReference.MassDiagonal(atom).min().item<double>();

        /// <summary>κ = max_i σ_max(J_i).</summary>
        public static double Kappa(Tensor jacobian) => linalg.svdvals(jacobian).max().item<double>();

        /// <summary>
        /// λ_min of <c>Σ_a J_a G_a⁻¹ J_aᵀ / n</c> over the samples <paramref name="rows"/> of the Jacobian, with G_a built from
        /// those samples only and the training set's size <paramref name="n"/>.
        /// </summary>
        public static double Xi(RiemannianModule network, Tensor jacobian, long n, long[]? rows = null)
        {
            var j = rows is null ? jacobian : jacobian.index_select(0, tensor(rows));
            var flat = j.reshape(-1, j.shape[2]); // [m·d, P]
            var h = zeros(flat.shape[0], flat.shape[0], dtype: ScalarType.Float64);
            long offset = 0;
            foreach (var atom in network.Atoms)
            {
                var ja = flat.narrow(1, offset, atom.ParameterCount);
                var g = ja.t().mm(ja) / n + diag(DenseMetricReference.MassDiagonal(atom));
                h += ja.mm(linalg.inv(g)).mm(ja.t()) / n;
                offset += atom.ParameterCount;
            }
            return linalg.eigvalsh(h)[0].item<double>();
        }

        /// <summary><c>2κ²L / (ξ·μ·√n)</c>.</summary>
        public static double Bound(double kappa, double lipschitz, double xi, double mu, long n) =>
            2 * kappa * kappa * lipschitz / (xi * mu * System.Math.Sqrt(n));
    }
}
