using System;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Tests.Reference;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Numerics
{
    /// <summary>The managed softmax cross-entropy pass against the loss's torch operations (<c>Value</c>, <c>Gradient</c>).</summary>
    [TestClass]
    public sealed class SoftmaxCrossEntropyPassTests
    {
        [TestMethod]
        [DataRow(0.0, ScalarType.Float64, 1e-13)]
        [DataRow(0.1, ScalarType.Float64, 1e-13)]
        [DataRow(0.0, ScalarType.Float32, 1e-6)]
        [DataRow(0.2, ScalarType.Float32, 1e-6)]
        public void ValuesAndGradientEqualTheTorchOperations(double smoothing, ScalarType dtype, double tolerance)
        {
            using var scope = NewDisposeScope();
            var generator = new Generator(21);
            // Logits of all sizes, one row far from 0 (the log-sum-exp must not overflow).
            var output = (randn(new long[] { 33, 7 }, dtype: ScalarType.Float64, generator: generator) * 4).to_type(dtype);
            output[5] = output[5] + 80;
            var target = randint(7, new long[] { 33 }, generator: generator);
            var loss = new SoftmaxCrossEntropyLoss(smoothing);

            var (values, gradient) = loss.ValueAndGradient(output, target);

            Assert.IsTrue(SoftmaxCrossEntropyPass.Applies(output, target), "the test must run the managed pass");
            Assert.AreEqual(dtype, values.dtype);
            double valueError = TestNetworks.RelativeError(values.to_type(ScalarType.Float64), loss.Value(output, target).to_type(ScalarType.Float64));
            double gradientError = TestNetworks.RelativeError(gradient.to_type(ScalarType.Float64), loss.Gradient(output, target).to_type(ScalarType.Float64));
            Assert.IsTrue(valueError < tolerance, $"values: relative error {valueError:E2}");
            Assert.IsTrue(gradientError < tolerance, $"gradient: relative error {gradientError:E2}");
        }

        [TestMethod]
        public void AClassIndexOutsideTheOutputsIsNamedWithItsRow()
        {
            using var scope = NewDisposeScope();
            var output = zeros(4, 3);
            var target = tensor(new long[] { 0, 2, 3, 1 });
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SoftmaxCrossEntropyLoss().ValueAndGradient(output, target));
            StringAssert.Contains(e.Message, "Row 2");
            StringAssert.Contains(e.Message, "[0, 3)");
        }

        [TestMethod]
        public void ANonFiniteLogitGivesANonFiniteValueForTheStepToRefuse()
        {
            using var scope = NewDisposeScope();
            var output = zeros(2, 3);
            output[1, 1] = tensor(float.NaN);
            var (values, _) = new SoftmaxCrossEntropyLoss().ValueAndGradient(output, tensor(new long[] { 0, 1 }));
            Assert.IsTrue(float.IsFinite(values[0].item<float>()));
            Assert.IsTrue(float.IsNaN(values[1].item<float>()));
        }
    }
}
