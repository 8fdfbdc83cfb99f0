using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Model;
using MLNetRiemannian.Tests.Reference;
using MLNetRiemannian.Trainers;
using static TorchSharp.torch;
using MassKind = MLNetRiemannian.Trainers.MassKind;
using SynchronousProgress = MLNetRiemannian.Tests.Trainers.MulticlassTrainerTests.SynchronousProgress;

namespace MLNetRiemannian.Tests.Trainers
{
    /// <summary>
    /// The options' StopToken, cancelled from another thread in the middle of an epoch: Fit returns within one step with
    /// the best validation epoch's parameters (or the current ones without validation), and the model says why it stopped.
    /// </summary>
    [TestClass]
    public sealed class GracefulStopTests
    {
        private const int TrainRows = 1440, ValidationRows = 1797 - TrainRows, BatchSize = 64;
        private const int StepsPerEpoch = (TrainRows + BatchSize - 1) / BatchSize;

        public TestContext TestContext { get; set; } = null!;

        [TestMethod]
        public void AStopMidEpochWithValidationReturnsTheBestEpochWithinOneStep()
        {
            var ml = new MLContext(seed: 1);
            var (train, validation) = Digits(ml);
            using var stop = new StopFromAnotherThread();
            // When the trainer logs the stop, the fit loop has returned; the rest is building the model and the transformer.
            double loopReturnedMilliseconds = double.NaN;
            ml.Log += (_, e) => { if (e.Message.Contains("stopped by StopToken")) loopReturnedMilliseconds = stop.SinceCancel.Elapsed.TotalMilliseconds; };
            // Early stopping off: the best epoch is kept because of the stop alone. The stop is armed after the first epoch
            // (from the third on) whose validation accuracy falls below the best so far, so the best is not the last epoch.
            var options = Options(stop, validation, epochs: 30);
            double bestSoFar = 0;
            int armedAfter = 0;
            options.Progress = new SynchronousProgress(e =>
            {
                if (armedAfter == 0 && e.Epoch >= 3 && e.ValidationMetric < bestSoFar)
                {
                    armedAfter = e.Epoch;
                    stop.StopDuringStep(e.Epoch * StepsPerEpoch + 10, stepsSoFar: e.Epoch * StepsPerEpoch);
                }
                bestSoFar = Math.Max(bestSoFar, e.ValidationMetric!.Value);
            });
            var transformer = ml.MulticlassClassification.Trainers.RiemannianMlp(options).Fit(train);
            stop.SinceCancel.Stop();

            var model = transformer.Model;
            double stepMilliseconds = 1000 * model.History.Sum(e => e.Seconds) / (model.History.Count * StepsPerEpoch);
            TestContext.WriteLine($"Cancel() to Fit's return: {stop.SinceCancel.Elapsed.TotalMilliseconds:F1} ms ({loopReturnedMilliseconds:F1} ms to the stop's log line); a step (with its share of the epoch's validation) takes {stepMilliseconds:F1} ms on average; " +
                $"validation accuracy by epoch {string.Join(", ", model.History.Select(e => e.ValidationMetric))}, kept {model.Outcome?.KeptEpoch}");
            Assert.AreNotEqual(0, armedAfter, "no epoch's validation accuracy fell below the best so far");
            Assert.AreEqual(armedAfter, model.History.Count, "the interrupted epoch is not in the history");
            int best = model.History.MaxBy(e => e.ValidationMetric!.Value)!.Epoch;
            Assert.IsTrue(best < armedAfter);
            // The stop came during step 10 of the epoch after the arming one: that step finished, the 11th never started.
            Assert.AreEqual(new TrainingOutcome(TrainingStopReason.StopRequested, armedAfter + 1, 10, best), model.Outcome);

            // The same options run for exactly `best` epochs end with the same parameters, bit for bit (validation draws no random numbers).
            using (var unarmed = new StopFromAnotherThread())
            {
                AssertSameParameters(ml.MulticlassClassification.Trainers.RiemannianMlp(Options(unarmed, validation, best)).Fit(train).Model, model);
            }
            // ML.NET's evaluator over the validation rows, scoring with the managed forward pass, finds the best epoch's
            // accuracy (within one row: Float32 scoring against libtorch's may break a near tie the other way).
            double accuracy = ml.MulticlassClassification.Evaluate(transformer.Transform(validation)).MicroAccuracy;
            Assert.AreEqual(model.History[best - 1].ValidationMetric!.Value, accuracy, 1.0 / ValidationRows + 1e-12);

            using var saved = new MemoryStream();
            ml.Model.Save(transformer, train.Schema, saved);
            saved.Position = 0;
            var loaded = ((ISingleFeaturePredictionTransformer<RiemannianMlpModelParameters>)ml.Model.Load(saved, out _)).Model;
            Assert.AreEqual(model.Outcome, loaded.Outcome);
        }

        [TestMethod]
        public void WithoutValidationAStopKeepsTheCurrentParameters()
        {
            var ml = new MLContext(seed: 1);
            var (train, _) = Digits(ml);
            RiemannianMlpModelParameters Fit(int epochs, int stopDuringStep)
            {
                using var stop = new StopFromAnotherThread();
                var options = Options(stop, null, epochs);
                options.Progress = new SynchronousProgress(e => { if (e.Epoch == 1) stop.StopDuringStep(stopDuringStep, stepsSoFar: StepsPerEpoch); });
                return ml.MulticlassClassification.Trainers.RiemannianMlp(options).Fit(train).Model;
            }

            var twoEpochs = Fit(2, int.MaxValue);
            Assert.AreEqual(new TrainingOutcome(TrainingStopReason.Completed, 2, StepsPerEpoch, 2), twoEpochs.Outcome);

            // Stopped during epoch 2's last step: epoch 3 never takes a step, so the parameters are epoch 2's end.
            var atEpochEnd = Fit(30, 2 * StepsPerEpoch);
            Assert.AreEqual(new TrainingOutcome(TrainingStopReason.StopRequested, 3, 0, 2), atEpochEnd.Outcome);
            Assert.AreEqual(2, atEpochEnd.History.Count);
            AssertSameParameters(twoEpochs, atEpochEnd);

            // Stopped in the middle of epoch 3: the parameters of that moment, five steps past epoch 2's end.
            var midEpoch = Fit(30, 2 * StepsPerEpoch + 5);
            Assert.AreEqual(new TrainingOutcome(TrainingStopReason.StopRequested, 3, 5, null), midEpoch.Outcome);
            Assert.IsFalse(midEpoch.Outcome!.EndedBeforeFirstEpoch, "two epochs were evaluated before the stop");
            Assert.AreEqual(2, midEpoch.History.Count);
            Assert.IsFalse(twoEpochs.GetWeights(0).SequenceEqual(midEpoch.GetWeights(0)), "five more steps changed nothing");
        }

        [TestMethod]
        public void EarlyStoppingSaysSoAndKeepsTheBestEpoch()
        {
            var ml = new MLContext(seed: 1);
            var (train, validation) = Digits(ml);
            var options = new RiemannianMlpMulticlassTrainer.Options
            {
                HiddenLayerSizes = new[] { 16 }, NumberOfEpochs = 40, BatchSize = BatchSize, ValidationSet = validation, EarlyStoppingPatience = 2, Seed = 3,
            };
            var transformer = ml.MulticlassClassification.Trainers.RiemannianMlp(options).Fit(train);
            var model = transformer.Model;
            int best = model.History.MaxBy(e => e.ValidationMetric!.Value)!.Epoch;
            Assert.AreEqual(new TrainingOutcome(TrainingStopReason.EarlyStopping, best + 2, StepsPerEpoch, best), model.Outcome,
                $"validation accuracy by epoch {string.Join(", ", model.History.Select(e => e.ValidationMetric))}");
            Assert.AreEqual(best + 2, model.History.Count);
            double accuracy = ml.MulticlassClassification.Evaluate(transformer.Transform(validation)).MicroAccuracy;
            Assert.AreEqual(model.History[best - 1].ValidationMetric!.Value, accuracy, 1.0 / ValidationRows + 1e-12);
        }

        [TestMethod]
        public void ATokenCancelledBeforeFitThrowsOperationCanceledExceptionAsCancelExecutionDoes()
        {
            var ml = new MLContext(seed: 1);
            var (train, validation) = Digits(ml);
            using var source = new CancellationTokenSource();
            source.Cancel();
            var options = new RiemannianMlpMulticlassTrainer.Options { HiddenLayerSizes = new[] { 16 }, ValidationSet = validation, StopToken = source.Token };
            var e = Assert.ThrowsExactly<OperationCanceledException>(() => ml.MulticlassClassification.Trainers.RiemannianMlp(options).Fit(train));
            Assert.AreEqual(source.Token, e.CancellationToken);
            StringAssert.Contains(e.Message, "before its first step");
        }

        [TestMethod]
        public void CancelExecutionStillAbortsWithOperationCanceledException()
        {
            var ml = new MLContext(seed: 1);
            var (train, validation) = Digits(ml);
            using var source = new CancellationTokenSource();
            var options = new RiemannianMlpMulticlassTrainer.Options
            {
                HiddenLayerSizes = new[] { 16 }, NumberOfEpochs = 30, ValidationSet = validation, StopToken = source.Token,
                Progress = new SynchronousProgress(e => { if (e.Epoch == 1) ml.CancelExecution(); }),
            };
            Assert.ThrowsExactly<OperationCanceledException>(() => ml.MulticlassClassification.Trainers.RiemannianMlp(options).Fit(train));
        }

        private static void AssertSameParameters(RiemannianMlpModelParameters expected, RiemannianMlpModelParameters actual)
        {
            for (int l = 0; l < expected.LayerSizes.Count - 1; l++)
            {
                CollectionAssert.AreEqual(expected.GetWeights(l).ToArray(), actual.GetWeights(l).ToArray(), $"weights {l}");
                CollectionAssert.AreEqual(expected.GetBias(l).ToArray(), actual.GetBias(l).ToArray(), $"bias {l}");
            }
        }

        /// <summary>Digits, featurized, as the first <see cref="TrainRows"/> rows for training and the rest for validation.</summary>
        private static (IDataView Train, IDataView Validation) Digits(MLContext ml)
        {
            var all = SampleData.Digits(ml);
            var featurized = ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Transforms.Concatenate("Features", "Pixels"))
                .Append(ml.Transforms.NormalizeMinMax("Features"))
                .Fit(all).Transform(all);
            var data = ml.Data.Cache(featurized);
            return (ml.Data.TakeRows(data, TrainRows), ml.Data.SkipRows(data, TrainRows));
        }

        private static RiemannianMlpMulticlassTrainer.Options Options(StopFromAnotherThread stop, IDataView? validation, int epochs) => new()
        {
            // The stop is the fit loop's, whatever the mass. The fixed mass draws the metric at every step (the stop is timed
            // by the metric's calls) and plans no schedule, so a run of fewer epochs is a prefix of a longer one.
            MassKind = MassKind.Fixed,
            HiddenLayerSizes = new[] { 16 },
            NumberOfEpochs = epochs,
            BatchSize = BatchSize,
            ValidationSet = validation,
            ValidationSetFraction = 0, // without a validation set, every row trains (the stop's steps are counted over them)
            EarlyStoppingPatience = 0,
            Seed = 3,
            // The identity metric (the default), through the custom hook, which runs once or more per step on the training thread.
            OutputMetric = OutputMetricKind.Custom,
            CustomOutputMetric = stop.IdentityMetric,
            StopToken = stop.Token,
        };

        /// <summary>
        /// A token source that another thread cancels when the training thread reaches a chosen step; the training
        /// thread waits until Cancel() has returned, so the stop lands during that step, and the time from Cancel() on is measured.
        /// </summary>
        private sealed class StopFromAnotherThread : IDisposable
        {
            private readonly CancellationTokenSource _source = new();
            private readonly ManualResetEventSlim _reached = new(), _cancelled = new();
            private readonly Thread _canceller;
            private long _calls, _stopAtCall = long.MaxValue;

            public StopFromAnotherThread()
            {
                _canceller = new Thread(() =>
                {
                    _reached.Wait();
                    SinceCancel.Start();
                    _source.Cancel();
                    _cancelled.Set();
                }) { IsBackground = true };
                _canceller.Start();
            }

            public CancellationToken Token => _source.Token;

            public Stopwatch SinceCancel { get; } = new();

            /// <summary>
            /// Arms the stop for the first metric call of global step <paramref name="step"/> (counting from 1), from the
            /// calls per step seen over the <paramref name="stepsSoFar"/> steps run.
            /// </summary>
            public void StopDuringStep(int step, int stepsSoFar)
            {
                if (step == int.MaxValue) return;
                Assert.AreEqual(0, _calls % stepsSoFar, $"{_calls} metric calls in {stepsSoFar} steps");
                long perStep = _calls / stepsSoFar;
                _stopAtCall = perStep * (step - 1) + 1;
            }

            public Tensor IdentityMetric(Tensor output, Tensor target)
            {
                if (++_calls == _stopAtCall)
                {
                    _reached.Set();
                    _cancelled.Wait();
                }
                return eye(output.shape[1], dtype: output.dtype).unsqueeze(0).repeat(output.shape[0], 1, 1);
            }

            public void Dispose()
            {
                _reached.Set();
                _canceller.Join();
                _source.Dispose();
                _reached.Dispose();
                _cancelled.Dispose();
            }
        }
    }
}
