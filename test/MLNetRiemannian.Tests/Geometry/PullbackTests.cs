using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Tests.Reference;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Geometry
{
    /// <summary>Pulling a factor back through compositions (docs/method.md sections 2.2 and 6).</summary>
    [TestClass]
    public sealed class PullbackTests
    {
        private const double Tolerance = 1e-12;

        [TestMethod]
        public void PullbackThroughASequentialCompositionIsTheProductOfTheModulesJacobians()
        {
            foreach (var kind in System.Enum.GetValues<ActivationKind>())
            {
                using var scope = NewDisposeScope();
                using var network = (Sequential)TestNetworks.Stack(kind, ActivationKind.Tanh, 3, MassKind.Scalar, ScalarType.Float64, 11);
                var generator = new Generator(3);
                var input = randn(new long[] { 5, TestNetworks.InputSize }, dtype: ScalarType.Float64, generator: generator);
                var factor = randn(new long[] { 5, 2, 3 }, dtype: ScalarType.Float64, generator: generator);

                // Reference: R · J_n ⋯ J_1, each J_i from autograd on module i alone, at its own input.
                var expected = factor;
                var inputs = new Tensor[network.Children.Count];
                var z = input;
                for (int i = 0; i < inputs.Length; i++) { inputs[i] = z; z = network.Children[i].Forward(z); }
                for (int i = inputs.Length - 1; i >= 0; i--)
                    expected = expected.bmm(Jacobians(network.Children[i], inputs[i]));

                var actual = Pullback(network, input, factor);
                double error = TestNetworks.RelativeError(actual, expected);
                Assert.IsTrue(error <= Tolerance, $"{kind}: relative error {error:E2}");
            }
        }

        [TestMethod]
        public void PullbackThroughAParallelCompositionIsBlockDiagonal()
        {
            using var scope = NewDisposeScope();
            var generator = new Generator(4);
            var first = new Sequential(new Dense(2, 3, dtype: ScalarType.Float64, generator: generator), new Gelu(3));
            var second = new Sequential(new Dense(3, 4, dtype: ScalarType.Float64, generator: generator), new Sigmoid(4));
            using var network = new Parallel(first, second);
            var input = randn(new long[] { 6, 5 }, dtype: ScalarType.Float64, generator: generator);
            var factor = randn(new long[] { 6, 3, 7 }, dtype: ScalarType.Float64, generator: generator);

            var j1 = Jacobians(first, input.narrow(1, 0, 2));  // [B, 3, 2]
            var j2 = Jacobians(second, input.narrow(1, 2, 3)); // [B, 4, 3]
            var blocks = zeros(new long[] { 6, 7, 5 }, dtype: ScalarType.Float64);
            blocks.narrow(1, 0, 3).narrow(2, 0, 2).copy_(j1);
            blocks.narrow(1, 3, 4).narrow(2, 2, 3).copy_(j2);
            // The block structure is a property of the whole map too: autograd on the composition agrees.
            Assert.IsTrue(TestNetworks.RelativeError(Jacobians(network, input), blocks) <= Tolerance, "the composition's Jacobian is not block diagonal");

            var actual = Pullback(network, input, factor);
            double error = TestNetworks.RelativeError(actual, factor.bmm(blocks));
            Assert.IsTrue(error <= Tolerance, $"relative error {error:E2}");
        }

        [TestMethod]
        public void PullbackHandsEveryAtomItsInputAndOutputFactor()
        {
            using var scope = NewDisposeScope();
            using var network = (Sequential)TestNetworks.WithParallel(ActivationKind.ReLU, 2, MassKind.Scalar, ScalarType.Float64, 2);
            var input = randn(new long[] { 4, TestNetworks.InputSize }, dtype: ScalarType.Float64, generator: new Generator(8));
            var factor = randn(new long[] { 4, 2, 2 }, dtype: ScalarType.Float64, generator: new Generator(9));
            var trace = new ForwardTrace();
            network.Forward(input, trace);
            Assert.IsNull(network.Pullback(factor, trace, toInput: false), "no factor is owed to the network input");
            CollectionAssert.AreEquivalent(network.Atoms.ToArray(), trace.Atoms.Select(a => a.Atom).ToArray());
            // The last layer sees the factor itself and the network's last hidden activations.
            var last = trace.Atoms.Single(a => ReferenceEquals(a.Atom, network.Atoms[^1]));
            Assert.IsTrue(last.Factor.eq(factor).all().item<bool>());
            Assert.AreEqual(7, last.Input.Width);
        }

        private static Tensor Pullback(RiemannianModule module, Tensor input, Tensor factor)
        {
            var trace = new ForwardTrace();
            module.Forward(input, trace);
            return module.Pullback(factor, trace, toInput: true)!;
        }

        /// <summary>Per-sample Jacobians ∂f(x_b)/∂x_b, <c>[B, out, in]</c>, one autograd pass per output coordinate.</summary>
        private static Tensor Jacobians(RiemannianModule module, Tensor input)
        {
            var x = input.detach().clone().requires_grad_(true);
            var y = module.Forward(x);
            var rows = Enumerable.Range(0, (int)y.shape[1])
                .Select(i => autograd.grad(new[] { y.select(1, i).sum() }, new[] { x }, retain_graph: true)[0])
                .ToArray();
            return stack(rows, 1).detach(); // samples are independent, so the summed gradient is per-sample.
        }
    }
}
