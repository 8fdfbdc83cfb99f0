using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Tests.Reference;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Geometry
{
    /// <summary>
    /// The diagonal module <c>z = s ⊙ x</c> (the learned input scale, docs/method.md section 10.1): its pullback to the
    /// input and the rows of its parameters' Jacobian, against autograd on the composed network, and a sparse batch kept sparse.
    /// </summary>
    [TestClass]
    public sealed class DiagonalTests
    {
        private const double Tolerance = 1e-12;

        [TestMethod]
        public void PullbackToTheInputAndTheScalesRowsMatchAutograd()
        {
            using var scope = NewDisposeScope();
            var (network, rest) = Network(seed: 3);
            using var _ = network;
            var generator = new Generator(5);
            var input = randn(new long[] { 3, 4 }, dtype: ScalarType.Float64, generator: generator);
            var factor = randn(new long[] { 3, 2, 2 }, dtype: ScalarType.Float64, generator: generator);

            var trace = new ForwardTrace();
            network.Forward(input, trace);
            var atInput = network.Pullback(factor, trace, toInput: true)!;
            var recorded = trace.Diagonals.Single();
            Assert.AreSame(network.Diagonals[0], recorded.Module);
            var sRows = recorded.Factor * recorded.Input.ToDense().unsqueeze(1); // the rows of J for s: R_b[i, :] ⊙ x_b

            // Reference: per sample b, J_x = ∂f(x_b)/∂x_b and J_s = ∂f(x_b)/∂s from autograd on f(x; s) = rest(s ⊙ x).
            var scale = network.Diagonals[0].Scale;
            for (int b = 0; b < 3; b++)
            {
                var x = input[b].unsqueeze(0).clone().requires_grad_(true);
                var s = scale.clone().requires_grad_(true);
                var output = rest.Forward(x * s);
                var jx = zeros(new long[] { 2, 4 }, dtype: ScalarType.Float64);
                var js = zeros(new long[] { 2, 4 }, dtype: ScalarType.Float64);
                for (int o = 0; o < 2; o++)
                {
                    var grads = autograd.grad(new[] { output[0, o] }, new[] { x, s }, retain_graph: true);
                    jx[o].copy_(grads[0][0]);
                    js[o].copy_(grads[1]);
                }
                var expectedInput = factor[b].mm(jx);
                var expectedScale = factor[b].mm(js);
                Assert.IsTrue(TestNetworks.RelativeError(atInput[b], expectedInput) <= Tolerance, $"sample {b}: R·∂f/∂x");
                Assert.IsTrue(TestNetworks.RelativeError(sRows[b], expectedScale) <= Tolerance, $"sample {b}: R·∂f/∂s");
            }
        }

        [TestMethod]
        public void ASparseBatchStaysSparseAndScoresAsTheDenseOne()
        {
            using var scope = NewDisposeScope();
            var (network, _) = Network(seed: 4);
            using var __ = network;
            // Rows (0, 2, 0, 0), (−1, 0, 0, 3): four stored entries.
            var sparse = SparseInput.FromEntries(tensor(new long[] { 0, 1, 1 }), tensor(new long[] { 1, 0, 3 }), tensor(new[] { 2.0, -1.0, 3.0 }), 2, 4);
            var kept = network.Diagonals[0].ForwardBatch(sparse, null)!;
            Assert.IsFalse(kept is DenseInput, "the scaled batch is still sparse");
            var dense = sparse.ToDense();
            Assert.IsTrue(TestNetworks.RelativeError(kept.ToDense(), dense * network.Diagonals[0].Scale) <= Tolerance);
            Assert.IsTrue(TestNetworks.RelativeError(network.Forward(sparse), network.Forward(dense)) <= Tolerance, "the network on the sparse batch");
        }

        /// <summary>Diagonal(4, s random around 1) · Dense(4→5) · Tanh · Dense(5→2) in Float64, and the part after the diagonal.</summary>
        private static (Sequential Network, Sequential After) Network(int seed)
        {
            var generator = new Generator((ulong)seed);
            var diagonal = new Diagonal(4, dtype: ScalarType.Float64);
            diagonal.Scale.copy_(1 + 0.3 * randn(4, dtype: ScalarType.Float64, generator: generator));
            var first = new Dense(4, 5, dtype: ScalarType.Float64, generator: generator);
            var last = new Dense(5, 2, dtype: ScalarType.Float64, generator: generator);
            var tanh = new Tanh(5);
            // The rest shares the dense layers (it is never disposed: the network owns them).
            return (new Sequential(diagonal, first, tanh, last), new Sequential(first, tanh, last));
        }
    }
}
