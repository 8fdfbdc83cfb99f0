using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Optimization
{
    /// <summary>A step whose example weights, or whose curvature rows' weights, sum to 0 changes nothing and is counted.</summary>
    [TestClass]
    public sealed class ZeroWeightStepTests
    {
        [TestMethod]
        [DataRow(new float[] { 0, 0, 0, 0 }, DisplayName = "batch weighing 0")]
        [DataRow(new float[] { 0, 0, 1, 1 }, DisplayName = "curvature rows (the first 2) weighing 0")]
        public void AZeroWeightStepLeavesParametersAndMomentumAsIfItNeverHappened(float[] zeroWeights)
        {
            using var scope = NewDisposeScope();
            var x = rand(new long[] { 4, 3 }, generator: new Generator(5));
            var y = tensor(new long[] { 0, 1, 2, 1 });
            var ones4 = ones(4);
            using var skipped = Network(out var skippedOptimizer);
            using var reference = Network(out var referenceOptimizer);
            using (skippedOptimizer)
            using (referenceOptimizer)
            {
                // A first step gives both a non-zero velocity, which a skipped step must neither decay nor add to.
                skippedOptimizer.Step(x, y, ones4);
                referenceOptimizer.Step(x, y, ones4);
                Assert.AreEqual(0.0, skippedOptimizer.Step(x.flip(0), y.flip(0), tensor(zeroWeights)));
                Assert.AreEqual(1, skippedOptimizer.ZeroWeightBatches);
                AssertSameParameters(reference, skipped, "after the skipped step");

                skippedOptimizer.Step(x, y, ones4);
                referenceOptimizer.Step(x, y, ones4);
                AssertSameParameters(reference, skipped, "one step later (momentum)");
                Assert.AreEqual(0, referenceOptimizer.ZeroWeightBatches);

                // Control: a positive weight among the curvature rows is a real step.
                skippedOptimizer.Step(x, y, tensor(new float[] { 1, 0, 0, 0 }));
                Assert.AreEqual(1, skippedOptimizer.ZeroWeightBatches);
                Assert.IsFalse(reference.Atoms[0].Weight.eq(skipped.Atoms[0].Weight).all().item<bool>(), "a weighted step must move the parameters");
            }
        }

        private static Sequential Network(out RiemannianSgd optimizer)
        {
            var generator = new Generator(11);
            var network = new Sequential(new Dense(3, 5, generator: generator), new ReLU(5), new Dense(5, 3, generator: generator));
            optimizer = new RiemannianSgd(network, new SoftmaxCrossEntropyLoss(), new IdentityMetric(), 0.3, momentum: 0.9, curvatureBatchSize: 2);
            return network;
        }

        private static void AssertSameParameters(RiemannianModule expected, RiemannianModule actual, string when)
        {
            for (int i = 0; i < expected.Atoms.Count; i++)
            {
                Assert.IsTrue(expected.Atoms[i].Weight.eq(actual.Atoms[i].Weight).all().item<bool>(), $"layer {i} weights differ {when}");
                Assert.IsTrue(expected.Atoms[i].Bias.eq(actual.Atoms[i].Bias).all().item<bool>(), $"layer {i} biases differ {when}");
            }
        }
    }
}
