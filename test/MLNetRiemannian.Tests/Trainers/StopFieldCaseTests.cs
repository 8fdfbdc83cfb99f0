using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Model;
using MLNetRiemannian.Tests.Reference;
using MLNetRiemannian.Trainers;
using static TorchSharp.torch;
using MassKind = MLNetRiemannian.Trainers.MassKind;

namespace MLNetRiemannian.Tests.Trainers
{
    /// <summary>
    /// The c24 field case's stops (data/field-cases/README.md): a stop that left nothing to keep is a cancellation, as
    /// <c>mlContext.CancelExecution()</c> gives, so a time budget over CrossValidate cannot report untrained folds as
    /// results; a stop after some steps keeps them, with a Warning when the first epoch had not ended.
    /// </summary>
    [TestClass]
    public sealed class StopFieldCaseTests
    {
        public TestContext TestContext { get; set; } = null!;

        [TestMethod]
        public void AnAlreadyCancelledTokenThrowsOperationCanceledException()
        {
            var ml = new MLContext(seed: 1);
            var (train, _) = Orders.Featurize(ml, Orders.Rows());
            using var source = new CancellationTokenSource();
            source.Cancel();
            var e = Assert.ThrowsExactly<OperationCanceledException>(() => ml.MulticlassClassification.Trainers.RiemannianMlp(Options(source.Token)).Fit(train));
            TestContext.WriteLine(e.Message);
            Assert.AreEqual(source.Token, e.CancellationToken);
        }

        [TestMethod]
        public void ATimeBudgetThatRunsOutDuringCrossValidateThrowsInsteadOfReportingUntrainedFolds()
        {
            var ml = new MLContext(seed: 1);
            var (data, _) = Orders.Featurize(ml, Orders.Rows());
            using var budget = new CancellationTokenSource();
            // The budget runs out at the end of the first fold's first epoch: that fold keeps its epoch, and every later
            // fold would start with the token already cancelled.
            var options = Options(budget.Token, epochs: 3);
            options.Progress = new MulticlassTrainerTests.SynchronousProgress(_ => budget.Cancel());
            var e = Assert.ThrowsExactly<OperationCanceledException>(() =>
                ml.MulticlassClassification.CrossValidate(data, ml.MulticlassClassification.Trainers.RiemannianMlp(options), numberOfFolds: 5));
            TestContext.WriteLine(e.Message);
            Assert.AreEqual(budget.Token, e.CancellationToken);
        }

        [TestMethod]
        public void AStopDuringTheFirstEpochKeepsItsStepsWithAWarning()
        {
            var ml = new MLContext(seed: 1);
            var (train, _) = Orders.Featurize(ml, Orders.Rows());
            var warnings = new List<string>();
            ml.Log += (_, e) => { if (e.Kind == ChannelMessageKind.Warning) lock (warnings) warnings.Add(e.Message); };
            using var source = new CancellationTokenSource();
            var options = Options(source.Token, epochs: 3);
            // The fixed mass draws the metric once per step: cancelling in step 3's metric lets step 3 finish and no fourth begin.
            int calls = 0;
            options.OutputMetric = OutputMetricKind.Custom;
            options.CustomOutputMetric = (output, target) =>
            {
                if (++calls == 3) source.Cancel();
                return eye(output.shape[1], dtype: output.dtype).unsqueeze(0).repeat(output.shape[0], 1, 1);
            };
            var model = ml.MulticlassClassification.Trainers.RiemannianMlp(options).Fit(train).Model;

            Assert.AreEqual(new TrainingOutcome(TrainingStopReason.StopRequested, 1, 3, null), model.Outcome);
            Assert.AreEqual(0, model.History.Count);
            Assert.IsTrue(model.Outcome!.EndedBeforeFirstEpoch);
            var warning = warnings.SingleOrDefault(w => w.Contains("stopped by StopToken"));
            Assert.IsNotNull(warning, string.Join("\n", warnings));
            TestContext.WriteLine(warning);
            StringAssert.Contains(warning, "after 3 of its 15 steps, before the end of the first epoch");
        }

        /// <summary>The field case's trainer: hidden [32], the fixed mass (a metric per step), batches of 64 (900 rows: 15 steps an epoch).</summary>
        private static RiemannianMlpMulticlassTrainer.Options Options(CancellationToken stop, int epochs = 1) => new()
        {
            HiddenLayerSizes = new[] { 32 }, NumberOfEpochs = epochs, BatchSize = 64, MassKind = MassKind.Fixed, Seed = 1, StopToken = stop,
            ValidationSetFraction = 0, // every one of the 900 rows trains: 15 steps an epoch
        };
    }
}
