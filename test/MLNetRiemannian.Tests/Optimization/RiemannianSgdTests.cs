using System;
using System.Diagnostics;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using MLNetRiemannian.Tests.Reference;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Optimization
{
    [TestClass]
    public sealed class RiemannianSgdTests
    {
        public TestContext TestContext { get; set; } = null!;

        [TestMethod]
        public void SameSeedGivesBitIdenticalParametersAfterFiftySteps()
        {
            using var scope = NewDisposeScope();
            using var a = Train(seed: 7, steps: 50);
            using var b = Train(seed: 7, steps: 50);
            using var c = Train(seed: 8, steps: 50);
            for (int i = 0; i < a.Atoms.Count; i++)
            {
                Assert.IsTrue(a.Atoms[i].Weight.eq(b.Atoms[i].Weight).all().item<bool>(), $"layer {i} weights differ between identical runs");
                Assert.IsTrue(a.Atoms[i].Bias.eq(b.Atoms[i].Bias).all().item<bool>(), $"layer {i} biases differ between identical runs");
            }
            Assert.IsFalse(a.Atoms[0].Weight.eq(c.Atoms[0].Weight).all().item<bool>(), "a different seed must give different parameters");
        }

        [TestMethod]
        [DataRow(false)]
        [DataRow(true)]
        public void NativeMemoryPlateausOverTwoHundredSteps(bool adaptive)
        {
            // A Fashion-MNIST-sized layer: freed step buffers of several MB each are what piled up when they were not
            // returned (about 6 MB a step at this size before the optimizer trimmed the heap); the step now writes every
            // parameter-sized tensor into its per-fit buffers and no longer trims, so this also guards that.
            var generator = new Generator(3);
            using var network = new Sequential(new Dense(784, 256, generator: generator), new ReLU(256), new Dense(256, 10, generator: generator));
            using var optimizer = new RiemannianSgd(network, new SoftmaxCrossEntropyLoss(), new IdentityMetric(), adaptive
                ? new OptimizerPlan { LearningRate = 0.16, Rule = UpdateRulePlan.AdaptiveMass(0.9, 0.999), CurvatureRows = 16, CurvatureRefreshSteps = 8 }
                : new OptimizerPlan { LearningRate = 0.1, Rule = UpdateRulePlan.HeavyBall(0.9) });
            using var x = rand(new long[] { 256, 784 }, generator: generator);
            using var y = randint(10, new long[] { 256 }, generator: generator);
            long liveAfterWarmUp = 0, rssAfterWarmUp = 0;
            for (int step = 0; step < 200; step++)
            {
                using (var batch = NewDisposeScope())
                {
                    long start = step * 64 % 256;
                    optimizer.Step(x.narrow(0, start, 64), y.narrow(0, start, 64));
                }
                if (step == 39)
                {
                    liveAfterWarmUp = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
                    rssAfterWarmUp = ResidentBytes();
                }
            }
            Assert.AreEqual(liveAfterWarmUp, DisposeScopeManager.Statistics.ThreadTotalLiveCount, "live tensors grew between step 40 and step 200");
            long growth = ResidentBytes() - rssAfterWarmUp;
            TestContext.WriteLine($"resident memory: {rssAfterWarmUp >> 20} MB after step 40, {(rssAfterWarmUp + growth) >> 20} MB after step 200");
            Assert.IsTrue(growth < 64 << 20, $"resident memory grew by {growth >> 20} MB between step 40 and step 200");
        }

        [TestMethod]
        [DataRow(true)]
        [DataRow(false)]
        public void AStepBetweenRefreshesCreatesNoParameterSizedTensor(bool adaptive)
        {
            using var scope = NewDisposeScope();
            var generator = new Generator(2);
            using var network = new Sequential(new Dense(64, 32, generator: generator), new ReLU(32), new Dense(32, 10, generator: generator));
            var plan = new OptimizerPlan
            {
                LearningRate = 0.01, CurvatureRows = 4, CurvatureRefreshSteps = 4,
                Rule = adaptive ? UpdateRulePlan.AdaptiveMass(0.9, 0.999) : UpdateRulePlan.HeavyBall(0.9),
            };
            using var optimizer = new RiemannianSgd(network, new SoftmaxCrossEntropyLoss(), new IdentityMetric(), plan);
            var x = rand(new long[] { 8, 64 }, generator: generator);
            var y = randint(10, new long[] { 8 }, generator: generator);
            optimizer.Step(x, y); // draws the curvature rows
            var owned = network.Atoms.SelectMany(a => new[] { a.Weight, a.Bias }).Concat(optimizer.Buffers).Append(x).Select(Memory).ToList();
            long parameterSized = 64 * 32 / 2;
            using (var step = NewDisposeScope())
            {
                Assert.AreEqual(1, optimizer.Steps % 4, "a step between refreshes");
                optimizer.StepCore(new DenseInput(x), y, null);
                foreach (var t in step.DisposablesView.OfType<Tensor>().Where(t => !t.IsInvalid && t.numel() >= parameterSized))
                {
                    var (start, end) = Memory(t);
                    Assert.IsTrue(owned.Any(o => start >= o.Start && end <= o.End),
                        $"a new tensor [{string.Join(", ", t.shape)}] of parameter size: the step should write into the parameters or the optimizer's buffers");
                }
            }
            Assert.AreEqual(2, optimizer.Steps);
        }

        /// <summary>The address range of a contiguous CPU tensor's elements.</summary>
        private static (nint Start, nint End) Memory(Tensor t)
        {
            var bytes = t.contiguous().bytes;
            nint start = (nint)System.Runtime.CompilerServices.Unsafe.ByteOffset(ref System.Runtime.CompilerServices.Unsafe.NullRef<byte>(),
                ref System.Runtime.InteropServices.MemoryMarshal.GetReference(bytes));
            return (start, start + bytes.Length);
        }

        [TestMethod]
        public void InvalidHyperparametersAreRejectedWithTheirValue()
        {
            using var network = Network(seed: 1);
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new RiemannianSgd(network, new SquaredErrorLoss(), new IdentityMetric(), -1));
            StringAssert.Contains(e.Message, "learning rate: -1");
            e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new RiemannianSgd(network, new SquaredErrorLoss(), new IdentityMetric(), 1, momentum: 1));
            StringAssert.Contains(e.Message, "momentum: 1");
        }

        private static RiemannianModule Network(int seed) =>
            new Sequential(new Dense(8, 16, generator: new Generator((ulong)seed)), new Tanh(16), new Dense(16, 3, generator: new Generator((ulong)seed + 100)));

        private static (Tensor X, Tensor Y) Data(int seed, int rows)
        {
            var generator = new Generator((ulong)seed);
            var x = randn(new long[] { rows, 8 }, generator: generator);
            var y = x.narrow(1, 0, 3).argmax(1); // a learnable rule: the largest of the first three features
            return (x, y);
        }

        private static RiemannianModule Train(int seed, int steps)
        {
            var network = Network(seed);
            using var optimizer = new RiemannianSgd(network, new SoftmaxCrossEntropyLoss(), new GaussNewtonMetric(new SoftmaxCrossEntropyLoss(), 0.1), 0.5, momentum: 0.9);
            using var scope = NewDisposeScope();
            var (x, y) = Data(seed: 1, rows: 128);
            for (int step = 0; step < steps; step++)
                optimizer.Step(x.narrow(0, step * 16 % 128, 16), y.narrow(0, step * 16 % 128, 16));
            return network;
        }

        private static long ResidentBytes()
        {
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            return process.WorkingSet64;
        }
    }
}
