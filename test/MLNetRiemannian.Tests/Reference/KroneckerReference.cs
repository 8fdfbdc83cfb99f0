using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Reference
{
    /// <summary>
    /// A dense layer's Woodbury problem with a Kronecker <c>D⁻¹ = diag(ρ) ⊗ diag(γ)</c>, and its direction <c>G⁻¹g</c>
    /// with <c>G = KᵀK + D</c> formed entry by entry (K's rows <c>R_b[i,:] ⊗ x̃_b</c>) and solved by torch in Float64.
    /// </summary>
    internal static class KroneckerReference
    {
        /// <summary>x <c>[B, in]</c>, √ω <c>[B]</c>, R <c>[B, k, out]</c>, g, and ρ, γ spread over orders of magnitude as an adaptive mass's are.</summary>
        public static (Tensor X, Tensor Root, Tensor R, Tensor Gw, Tensor Gb, Tensor Rho, Tensor Gamma) Problem(int batch, int k, int inputs, int outputs, ScalarType dtype, ulong seed)
        {
            var generator = new Generator(seed);
            var x = randn(new long[] { batch, inputs }, dtype: ScalarType.Float64, generator: generator);
            var weights = rand(new long[] { batch }, dtype: ScalarType.Float64, generator: generator) + 0.5;
            var root = (weights / weights.sum()).sqrt();
            var r = randn(new long[] { batch, k, outputs }, dtype: ScalarType.Float64, generator: generator) * 0.3;
            var gw = randn(new long[] { outputs, inputs }, dtype: ScalarType.Float64, generator: generator);
            var gb = randn(new long[] { outputs }, dtype: ScalarType.Float64, generator: generator);
            var rho = exp(randn(new long[] { outputs }, dtype: ScalarType.Float64, generator: generator) * 2);
            var gamma = exp(randn(new long[] { inputs + 1 }, dtype: ScalarType.Float64, generator: generator) * 2);
            return (x.to_type(dtype), root.to_type(dtype), r.to_type(dtype), gw.to_type(dtype), gb.to_type(dtype), rho.to_type(dtype), gamma.to_type(dtype));
        }

        /// <summary>The identity factor <c>R_b = √ω_b·I</c>, <c>[B, d, d]</c>: the output layer's under the identity metric.</summary>
        public static Tensor IdentityFactor(Tensor root, long outputs) =>
            eye(outputs, dtype: root.dtype).expand(root.shape[0], outputs, outputs) * root.view(-1, 1, 1);

        /// <summary><c>G⁻¹g</c> flattened as <c>[W, b]</c> row by row, in Float64.</summary>
        public static Tensor Direction(Tensor x, Tensor r, Tensor gw, Tensor gb, Tensor rho, Tensor gamma)
        {
            (x, r, gw, gb, rho, gamma) = (Wide(x), Wide(r), Wide(gw), Wide(gb), Wide(rho), Wide(gamma));
            long batch = x.shape[0], k = r.shape[1], outputs = r.shape[2], inputs = x.shape[1];
            var xTilde = cat(new[] { x, ones(batch, 1, dtype: ScalarType.Float64) }, 1);
            var kMatrix = (r.unsqueeze(3) * xTilde.view(batch, 1, 1, inputs + 1)).reshape(batch * k, outputs * (inputs + 1));
            var d = ((1 / rho).unsqueeze(1) * (1 / gamma).unsqueeze(0)).flatten();
            return linalg.solve(kMatrix.t().mm(kMatrix) + diag(d), Flat(gw, gb).unsqueeze(1)).squeeze(1);
        }

        /// <summary>A parameter pair flattened as <c>[W, b]</c> row by row, in Float64.</summary>
        public static Tensor Flat(Tensor weight, Tensor bias) => Wide(cat(new[] { weight, bias.unsqueeze(1) }, 1).flatten());

        private static Tensor Wide(Tensor t) => t.to_type(ScalarType.Float64);
    }
}
