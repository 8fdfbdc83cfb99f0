using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Training;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Training
{
    /// <summary>
    /// Parameter averaging (<see cref="FitLoop.Settings.AveragingDecay"/>): the network is evaluated and returned with
    /// <c>θ̄_t = β_t θ̄_{t−1} + (1 − β_t) θ_t</c>, <c>β_t = min(β, (1 + t)/(10 + t))</c>, checked within 1e-6 (relative)
    /// against that recurrence computed here in Float64 from the θ_t of a run without averaging — which holds only if
    /// the steps, across the evaluations and the epochs' validation, moved θ as they do without averaging.
    /// </summary>
    [TestClass]
    public sealed class ParameterAveragingTests
    {
        private const int Rows = 95, BatchSize = 10, Epochs = 3, StepsPerEpoch = 10;

        [TestMethod]
        [DataRow(0.99)]
        [DataRow(0.5)]
        public void TheNetworkIsEvaluatedAndReturnedAtTheMovingAverageOfTheStepsParameters(double decay)
        {
            // Without averaging the hook sees θ_t after every step (one evaluation per step): the run's trajectory.
            var trajectory = new List<double[]>();
            var initial = Run(0, (network, _) => trajectory.Add(Flat(network)), out var plainFinal);
            Assert.AreEqual(Epochs * StepsPerEpoch, trajectory.Count);

            // The recurrence, in Float64, from θ_0.
            var expected = new List<double[]>();
            var average = (double[])initial.Clone();
            for (int t = 1; t <= trajectory.Count; t++)
            {
                double beta = Math.Min(decay, (1.0 + t) / (10.0 + t));
                for (int i = 0; i < average.Length; i++) average[i] = beta * average[i] + (1 - beta) * trajectory[t - 1][i];
                expected.Add((double[])average.Clone());
            }
            CollectionAssert.AreEqual(trajectory[^1], plainFinal, "without averaging the run returns its last step's parameters");

            // With averaging the hook sees θ̄_t, and the run ends at θ̄_T: the steps themselves did not change (else θ̄ would not follow).
            var seen = new List<double[]>();
            Run(decay, (network, _) => seen.Add(Flat(network)), out var averagedFinal);
            Assert.AreEqual(expected.Count, seen.Count);
            for (int t = 0; t < seen.Count; t++)
                Assert.IsTrue(Relative(seen[t], expected[t]) < 1e-6, $"step {t + 1}: the average differs from the recurrence by {Relative(seen[t], expected[t]):E2}");
            Assert.IsTrue(Relative(averagedFinal, expected[^1]) < 1e-6, $"the returned parameters differ from θ̄_T by {Relative(averagedFinal, expected[^1]):E2}");
            Assert.IsTrue(Relative(averagedFinal, plainFinal) > 1e-3, "the average is not the last step's parameters");
        }

        [TestMethod]
        public void TheDecayRuleWarmsUpAndThenHoldsBeta()
        {
            Assert.AreEqual(2.0 / 11, FitLoop.AveragingDecayAt(0.99, 1), 1e-15);
            Assert.AreEqual(0.9, FitLoop.AveragingDecayAt(0.99, 80), 1e-15);
            Assert.AreEqual(0.99, FitLoop.AveragingDecayAt(0.99, 890), 1e-15);
            Assert.AreEqual(0.99, FitLoop.AveragingDecayAt(0.99, 10_000), 1e-15);
        }

        // Epochs of batches of 10 over 95 random rows on a small softmax network; onStep is the evaluation hook, called
        // after every step. Returns θ_0; final is the network's parameters after the run.
        private static double[] Run(double decay, Action<RiemannianModule, double> onStep, out double[] final)
        {
            using var fit = new SmallSoftmaxFit(Rows);
            using var scope = NewDisposeScope();
            // Validation rows too (patience 0: the last epoch is kept): each epoch's end puts θ̄ in the network and θ back.
            using var validationX = new DenseFeatureMatrix(randn(new long[] { 20, 5 }, generator: fit.Generator));
            var validationY = randint(3, new long[] { 20 }, generator: fit.Generator);
            var network = fit.Network;
            var initial = Flat(network);
            var settings = new FitLoop.Settings(Epochs, BatchSize, Shuffle: true, EarlyStoppingPatience: 0)
            {
                EvaluationsPerEpoch = StepsPerEpoch, OnEvaluation = (epochs, _) => onStep(network, epochs), AveragingDecay = decay,
            };
            fit.Run(settings, (validationX, validationY));
            final = Flat(network);
            return initial;
        }

        private static double[] Flat(RiemannianModule network) =>
            network.Atoms.SelectMany(a => a.Weight.to_type(ScalarType.Float64).contiguous().data<double>().ToArray()
                .Concat(a.Bias.to_type(ScalarType.Float64).contiguous().data<double>().ToArray())).ToArray();

        private static double Relative(double[] a, double[] b)
        {
            double difference = 0, norm = 0;
            for (int i = 0; i < a.Length; i++)
            {
                difference += (a[i] - b[i]) * (a[i] - b[i]);
                norm += b[i] * b[i];
            }
            return Math.Sqrt(difference / norm);
        }
    }
}
