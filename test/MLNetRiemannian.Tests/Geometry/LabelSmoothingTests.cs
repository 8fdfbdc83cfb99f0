using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Geometry
{
    /// <summary>
    /// Label smoothing (docs/method.md section 11): the classification losses' value and gradient against the formulas
    /// <c>l = −Σ_k q_k log p_k</c>, <c>∂l/∂ŷ = p − q</c> with <c>q = (1 − α)·e_y + α/K</c>, computed here in plain doubles,
    /// and against autograd; the Gauss-Newton factor does not depend on α.
    /// </summary>
    [TestClass]
    public sealed class LabelSmoothingTests
    {
        private const double Alpha = 0.15;

        [TestMethod]
        public void SoftmaxCrossEntropyWithSmoothedLabelsMatchesTheFormula()
        {
            using var scope = NewDisposeScope();
            const int batch = 4, classes = 5;
            var random = new Random(3);
            double[,] logits = new double[batch, classes];
            for (int b = 0; b < batch; b++) for (int k = 0; k < classes; k++) logits[b, k] = 3 * (random.NextDouble() - 0.5);
            long[] labels = { 0, 4, 2, 2 };
            var output = tensor(logits.Cast<double>().ToArray(), new long[] { batch, classes });
            var target = tensor(labels);
            var loss = new SoftmaxCrossEntropyLoss(Alpha);
            var value = loss.Value(output, target).data<double>().ToArray();
            var gradient = loss.Gradient(output, target).data<double>().ToArray();

            for (int b = 0; b < batch; b++)
            {
                double max = Enumerable.Range(0, classes).Max(k => logits[b, k]);
                double sum = Enumerable.Range(0, classes).Sum(k => Math.Exp(logits[b, k] - max));
                double expected = 0;
                for (int k = 0; k < classes; k++)
                {
                    double p = Math.Exp(logits[b, k] - max) / sum, q = (k == labels[b] ? 1 - Alpha : 0) + Alpha / classes;
                    expected -= q * Math.Log(p);
                    Assert.AreEqual(p - q, gradient[b * classes + k], 1e-14, $"∂l/∂ŷ[{b},{k}]");
                }
                Assert.AreEqual(expected, value[b], 1e-13, $"l[{b}]");
            }
            AssertGradientIsAutograd(loss, output, target);
            Assert.IsTrue(loss.GaussNewtonFactor(output, target, 0.1).equal(new SoftmaxCrossEntropyLoss().GaussNewtonFactor(output, target, 0.1)).all().item<bool>(),
                "the Gauss-Newton factor changed with α");
        }

        [TestMethod]
        public void SigmoidCrossEntropyWithSmoothedLabelsMatchesTheFormula()
        {
            using var scope = NewDisposeScope();
            double[] logits = { -2.5, -0.3, 0.0, 1.7, 4.0 };
            float[] labels = { 0, 1, 1, 0, 1 };
            var output = tensor(logits, new long[] { logits.Length, 1 });
            var target = tensor(labels);
            var loss = new SigmoidCrossEntropyLoss(Alpha);
            var value = loss.Value(output, target).data<double>().ToArray();
            var gradient = loss.Gradient(output, target).data<double>().ToArray();
            for (int b = 0; b < logits.Length; b++)
            {
                double p = 1 / (1 + Math.Exp(-logits[b])), y = (1 - Alpha) * labels[b] + Alpha / 2;
                Assert.AreEqual(-(y * Math.Log(p) + (1 - y) * Math.Log(1 - p)), value[b], 1e-13, $"l[{b}]");
                Assert.AreEqual(p - y, gradient[b], 1e-14, $"∂l/∂ŷ[{b}]");
            }
            AssertGradientIsAutograd(loss, output, target);
            Assert.IsTrue(loss.GaussNewtonFactor(output, target, 0.1).equal(new SigmoidCrossEntropyLoss().GaussNewtonFactor(output, target, 0.1)).all().item<bool>());
        }

        [TestMethod]
        public void ZeroSmoothingIsThePlainLossAndOutOfRangeIsRefused()
        {
            using var scope = NewDisposeScope();
            var output = tensor(new[] { 0.5, -1.0, 2.0, 0.1, 0.3, -0.7 }, new long[] { 2, 3 });
            var target = tensor(new long[] { 2, 0 });
            Assert.IsTrue(new SoftmaxCrossEntropyLoss(0).Value(output, target).equal(new SoftmaxCrossEntropyLoss().Value(output, target)).all().item<bool>());
            Assert.IsTrue(new SoftmaxCrossEntropyLoss(0).Gradient(output, target).equal(new SoftmaxCrossEntropyLoss().Gradient(output, target)).all().item<bool>());
            foreach (double bad in new[] { -0.1, 1.0, double.NaN })
            {
                var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SoftmaxCrossEntropyLoss(bad));
                StringAssert.Contains(e.Message, "label smoothing");
                Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SigmoidCrossEntropyLoss(bad));
            }
        }

        // The gradient the step uses is that of the value the log reports.
        private static void AssertGradientIsAutograd(Loss loss, Tensor output, Tensor target)
        {
            var leaf = output.detach().clone().requires_grad_(true);
            loss.Value(leaf, target).sum().backward();
            var error = (leaf.grad! - loss.Gradient(output, target)).abs().max().item<double>();
            Assert.IsTrue(error <= 1e-14, $"the gradient differs from autograd's by {error:E2}");
        }
    }
}
