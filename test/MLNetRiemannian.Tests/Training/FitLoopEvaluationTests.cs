using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Training;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Training
{
    /// <summary>
    /// <see cref="FitLoop.Settings.OnEvaluation"/>: called after the step that completes each fraction of an epoch, with
    /// the fractional epoch, and with the epoch's clock stopped.
    /// </summary>
    [TestClass]
    public sealed class FitLoopEvaluationTests
    {
        // Steps started before each call, counted by checkAlive (which runs before every step): after step ⌈q·n/4⌉ of
        // each epoch of n steps. 95 rows in batches of 10 make 10 steps (the last one short): 3, 5, 8, 10; 25 rows make
        // 3 steps, fewer than the measurements: ⌈0.75⌉, ⌈1.5⌉, ⌈2.25⌉, ⌈3⌉ = 1, 2, 3, 3.
        [TestMethod]
        [DataRow(95, new[] { 3, 5, 8, 10, 13, 15, 18, 20 })]
        [DataRow(25, new[] { 1, 2, 3, 3, 4, 5, 6, 6 })]
        public void TheHookFiresFourTimesPerEpochAfterTheStepThatCompletesEachQuarter(int rows, int[] expectedSteps)
        {
            int stepsStarted = 0;
            var calls = new List<(double Epochs, double Seconds, int Steps)>();
            var epochs = Run(rows, (epochs, seconds) => calls.Add((epochs, seconds, stepsStarted)), () => stepsStarted++);

            CollectionAssert.AreEqual(new[] { 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2 }, calls.Select(c => c.Epochs).ToArray(), "fractional epochs");
            CollectionAssert.AreEqual(expectedSteps, calls.Select(c => c.Steps).ToArray(), "steps done at each call");
            for (int epoch = 0; epoch < 2; epoch++)
            {
                var seconds = calls.Skip(4 * epoch).Take(4).Select(c => c.Seconds).ToArray();
                Assert.IsTrue(seconds[0] > 0, $"epoch {epoch + 1}: a quarter of its training took {seconds[0]} s");
                for (int q = 1; q < 4; q++)
                    Assert.IsTrue(seconds[q] >= seconds[q - 1], $"epoch {epoch + 1}: its training seconds went from {seconds[q - 1]} to {seconds[q]}");
                Assert.IsTrue(seconds[3] <= epochs[epoch].Seconds, $"epoch {epoch + 1}: {seconds[3]} s at the last call, {epochs[epoch].Seconds} s in all");
            }
        }

        // Four sleeps of 200 ms per epoch: the epoch's wall time, measured outside the loop, includes them; its Seconds
        // must not, so it is at most the wall time less 0.8 s (Thread.Sleep never returns early; 5 ms for clock reads).
        [TestMethod]
        public void ASlowCallbackIsNotCountedInTheEpochsSeconds()
        {
            var wall = Stopwatch.StartNew();
            var wallAtEpochEnd = new List<double>();
            var epochs = Run(95, (_, _) => Thread.Sleep(200), () => { }, _ => wallAtEpochEnd.Add(wall.Elapsed.TotalSeconds));

            for (int epoch = 0; epoch < 2; epoch++)
            {
                double epochWall = wallAtEpochEnd[epoch] - (epoch == 0 ? 0 : wallAtEpochEnd[epoch - 1]);
                Assert.IsTrue(epochWall >= 0.8, $"epoch {epoch + 1}: {epochWall} s of wall time cannot hold four sleeps of 200 ms");
                Assert.IsTrue(epochs[epoch].Seconds <= epochWall - 0.8 + 0.005,
                    $"epoch {epoch + 1}: Seconds {epochs[epoch].Seconds} counts the callback (wall time {epochWall} s, of which 0.8 s asleep)");
            }
        }

        // Two epochs of 4 measurements, batches of 10, on a small softmax network and random rows.
        private static List<FitLoop.EpochResult> Run(int rows, Action<double, double> onEvaluation, Action checkAlive, Action<FitLoop.EpochResult>? onEpoch = null)
        {
            using var fit = new SmallSoftmaxFit(rows);
            using var scope = NewDisposeScope();
            var settings = new FitLoop.Settings(Epochs: 2, BatchSize: 10, Shuffle: true, EarlyStoppingPatience: 0) { EvaluationsPerEpoch = 4, OnEvaluation = onEvaluation };
            return fit.Run(settings, onEpoch: onEpoch, checkAlive: checkAlive);
        }
    }
}
