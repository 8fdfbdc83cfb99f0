using System;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using MLNetRiemannian.Tests.Reference;
using static TorchSharp.torch;
using MassKind = MLNetRiemannian.Tests.Reference.MassKind;

namespace MLNetRiemannian.Tests.Optimization
{
    /// <summary>The schedules' factors against their definitions evaluated by hand (docs/method.md section 9.3).</summary>
    [TestClass]
    public sealed class LearningRateScheduleTests
    {
        [TestMethod]
        public void TheConstantScheduleIsOneAtEveryStep()
        {
            foreach (long step in new long[] { 1, 50, 100, 1000 })
                Assert.AreEqual(1.0, LearningRateSchedule.Constant.Factor(step, 100));
        }

        [TestMethod]
        public void CosineWarmsUpLinearlyThenFallsToZeroAtTheEndOfThePlan()
        {
            var schedule = LearningRateSchedule.Cosine(0.1);
            // 100 planned steps: warm-up over steps 1..10 (factor step/11), then a half cosine over steps 11..100.
            Assert.AreEqual(1.0 / 11, schedule.Factor(1, 100), 1e-15);
            Assert.AreEqual(10.0 / 11, schedule.Factor(10, 100), 1e-15);
            Assert.AreEqual(0.5 * (1 + Math.Cos(Math.PI * 1 / 91)), schedule.Factor(11, 100), 1e-15);
            Assert.AreEqual(0.5 * (1 + Math.Cos(Math.PI * 45 / 91)), schedule.Factor(55, 100), 1e-15);
            Assert.AreEqual(0.5 * (1 + Math.Cos(Math.PI * 90 / 91)), schedule.Factor(100, 100), 1e-15);
            Assert.IsTrue(schedule.Factor(100, 100) > 0, "the last planned step still moves");
            Assert.AreEqual(0.0, schedule.Factor(101, 100), 1e-15);
            Assert.AreEqual(0.0, schedule.Factor(500, 100), 1e-15);
        }

        [TestMethod]
        public void LinearFallsInAStraightLine()
        {
            var schedule = LearningRateSchedule.Linear(0);
            Assert.AreEqual(1 - 1.0 / 11, schedule.Factor(1, 10), 1e-15);
            Assert.AreEqual(1 - 5.0 / 11, schedule.Factor(5, 10), 1e-15);
            Assert.AreEqual(1 - 10.0 / 11, schedule.Factor(10, 10), 1e-15);
        }

        [TestMethod]
        public void TheOptimizerMovesByTheSchedulesFactorTimesTheRateTimesTheDirection()
        {
            using var scope = NewDisposeScope();
            using var network = TestNetworks.Stack(ActivationKind.Tanh, ActivationKind.Tanh, 2, MassKind.Scalar, ScalarType.Float64, 9);
            using var optimizer = new RiemannianSgd(network, new SquaredErrorLoss(), new IdentityMetric(),
                new OptimizerPlan { LearningRate = 0.3, Schedule = LearningRateSchedule.Linear(0.25), PlannedSteps = 8 });
            var generator = new Generator(4);
            for (long step = 1; step <= 9; step++)
            {
                var x = randn(new long[] { 5, TestNetworks.InputSize }, dtype: ScalarType.Float64, generator: generator);
                var y = randn(new long[] { 5, 2 }, dtype: ScalarType.Float64, generator: generator);
                var (_, _, layers) = optimizer.Directions(new DenseInput(x), y, null);
                var before = network.Atoms[0].Weight.clone();
                var direction = layers.Find(l => l.Atom == network.Atoms[0]).DirectionWeight.clone();
                optimizer.Step(x, y);
                // 8 planned steps, warm-up over the first 2 (factor t/3), then 1 − (t − 2)/7, and 0 past the plan.
                double factor = step <= 2 ? step / 3.0 : Math.Max(0, 1 - (step - 2) / 7.0);
                var expected = before - direction * (0.3 * factor);
                Assert.IsTrue(network.Atoms[0].Weight.allclose(expected, rtol: 1e-12, atol: 1e-15), $"step {step}: the update is not {factor:F4} · η · u");
            }
            Assert.AreEqual(9, optimizer.Steps);
        }

        [TestMethod]
        public void InvalidArgumentsAreRefusedByName()
        {
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LearningRateSchedule.Cosine(1));
            Assert.AreEqual("warmupFraction", e.ParamName);
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LearningRateSchedule.Cosine(0.1).Factor(0, 10));
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LearningRateSchedule.Cosine(0.1).Factor(1, 0));
        }
    }
}
