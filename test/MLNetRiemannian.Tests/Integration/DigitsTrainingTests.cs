using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Optimization;
using MLNetRiemannian.Tests.Reference;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Integration
{
    /// <summary>Real training on real data: the Riemannian step on the UCI optical digits.</summary>
    [TestClass]
    public sealed class DigitsTrainingTests
    {
        public TestContext TestContext { get; set; } = null!;

        [TestMethod]
        public void A64x32x10NetworkReachesNinetyFivePercentOnTheHoldOut()
        {
            using var scope = NewDisposeScope();
            var (trainX, trainY, testX, testY) = Digits.Split();
            var generator = new Generator(1);
            using var network = new Sequential(new Dense(64, 32, generator: generator), new ReLU(32), new Dense(32, 10, generator: generator));
            using var optimizer = new RiemannianSgd(network, new SoftmaxCrossEntropyLoss(), new IdentityMetric(), learningRate: 1, momentum: 0.9);

            const int batchSize = 32;
            double accuracy = 0;
            for (int epoch = 1; epoch <= 10; epoch++)
            {
                var order = randperm(trainX.shape[0], generator: generator);
                for (long start = 0; start < order.shape[0]; start += batchSize)
                {
                    using var step = NewDisposeScope();
                    var index = order.narrow(0, start, System.Math.Min(batchSize, order.shape[0] - start));
                    optimizer.Step(trainX.index_select(0, index), trainY.index_select(0, index));
                }
                using (no_grad())
                    accuracy = network.Forward(testX).argmax(1).eq(testY).to_type(ScalarType.Float64).mean().item<double>();
                TestContext.WriteLine($"epoch {epoch}: hold-out accuracy {accuracy:P2}");
            }
            Assert.IsTrue(accuracy >= 0.95, $"hold-out accuracy {accuracy:P2} < 95%");
        }
    }
}
