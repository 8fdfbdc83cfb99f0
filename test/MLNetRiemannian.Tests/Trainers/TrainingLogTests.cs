using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Tests.Reference;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Tests.Trainers
{
    /// <summary>
    /// The log speaks a user's language (issue 18): what was held out, a warning when a classifier learned its training
    /// rows by heart with nothing held out, and the method's internals (the inner systems) at Trace, not Info.
    /// </summary>
    [TestClass]
    public sealed class TrainingLogTests
    {
        [TestMethod]
        public void AClassifierThatLearnedItsRowsByHeartWithNothingHeldOutIsWarnedAbout()
        {
            var (log, model) = Fit(validationFraction: 0, patience: 0);
            Assert.IsTrue(model.History.Any(e => e.TrainingMetric >= 1), "the 200 digits rows are learned by heart: " + string.Join(", ", model.History.Select(e => e.TrainingMetric)));
            var warning = log.Single(m => m.Kind == ChannelMessageKind.Warning && m.Message.Contains("learned them by heart"));
            StringAssert.Contains(warning.Message, "Set ValidationSetFraction");
            Assert.IsFalse(log.Any(m => m.Message.Contains("Held out")));
            Assert.AreEqual(ChannelMessageKind.Trace, log.Single(m => m.Message.Contains("Inner systems:")).Kind);
        }

        [TestMethod]
        public void HeldOutRowsAreSaidAndSilenceTheWarning()
        {
            var (log, _) = Fit(validationFraction: 0.25, patience: 5);
            var held = log.Single(m => m.Message.Contains("Held out"));
            Assert.AreEqual(ChannelMessageKind.Info, held.Kind);
            StringAssert.Contains(held.Message, "Held out 50 of the 200 training rows for validation (ValidationSetFraction 0.25, stratified by class)");
            StringAssert.Contains(held.Message, "the model keeps the best");
            Assert.IsFalse(log.Any(m => m.Message.Contains("by heart")));
        }

        [TestMethod]
        public void ByDefaultATableOfEnoughRowsHoldsOutAStratifiedFifthAndKeepsTheBestEpoch()
        {
            // The smallest table the default holds rows out of.
            int rows = (int)Defaults.MinimumRowsForHoldOut;
            var (log, model) = Fit(validationFraction: null, patience: Defaults.EarlyStoppingPatience, rows: rows, epochs: 15);
            long held = (long)Math.Round(rows * Defaults.ValidationSetFraction);
            StringAssert.Contains(log.Single(m => m.Message.Contains("Held out")).Message,
                $"Held out {held} of the {rows} training rows for validation (ValidationSetFraction {Defaults.ValidationSetFraction.ToString(CultureInfo.InvariantCulture)}, the default, stratified by class)");
            Assert.IsTrue(model.History.All(e => e.ValidationMetric is not null), "every epoch is evaluated on the held-out rows");
            // The kept epoch has the best validation accuracy, read off the history here (of epochs that tie on it, the one
            // of lowest validation loss, which the history does not hold).
            double best = model.History.Max(e => e.ValidationMetric!.Value);
            int bestEpoch = model.Outcome!.KeptEpoch!.Value;
            Assert.AreEqual(best, model.History[bestEpoch - 1].ValidationMetric);
            Assert.IsTrue(log.Any(m => m.Kind == ChannelMessageKind.Info && m.Message.Contains($"keeping the parameters of epoch {bestEpoch}")
                || m.Message.Contains($"the last was the best on the validation rows")), string.Join("\n", log.Select(m => m.Message)));
            Assert.IsFalse(log.Any(m => m.Message.Contains("by heart")));
        }

        [TestMethod]
        public void ByDefaultATableOfTooFewRowsTrainsOnEveryRowAndSaysSo()
        {
            int rows = (int)Defaults.MinimumRowsForHoldOut - 1;
            var (log, model) = Fit(validationFraction: null, patience: Defaults.EarlyStoppingPatience, rows: rows, epochs: 3);
            StringAssert.Contains(log.Single(m => m.Message.Contains("Nothing held out")).Message,
                $"Nothing held out for validation: {rows} training rows are fewer than the {Defaults.MinimumRowsForHoldOut} the default hold-out needs");
            Assert.IsTrue(model.History.All(e => e.ValidationMetric is null));
            Assert.AreEqual(3, model.History.Count);
            Assert.AreEqual(3, model.Outcome!.KeptEpoch);
        }

        [TestMethod]
        public void AValidationSetFractionOfZeroTrainsOnEveryRowAndSaysSo()
        {
            var (log, model) = Fit(validationFraction: 0, patience: 5, epochs: 2);
            StringAssert.Contains(log.Single(m => m.Message.Contains("Nothing held out")).Message, "(ValidationSetFraction 0): every row trains");
            Assert.IsTrue(model.History.All(e => e.ValidationMetric is null));
        }

        private static (List<(ChannelMessageKind Kind, string Message)> Log, MLNetRiemannian.Model.RiemannianMlpModelParameters Model) Fit(double? validationFraction, int patience,
            int rows = 200, int epochs = 40)
        {
            var ml = new MLContext(seed: 1);
            var log = new List<(ChannelMessageKind, string)>();
            ml.Log += (_, e) => { if (e.Source.StartsWith("RiemannianMlp")) lock (log) log.Add((e.Kind, e.RawMessage)); };
            var raw = ml.Data.TakeRows(SampleData.Digits(ml), rows);
            var data = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.Concatenate("Features", "Pixels"))
                .Append(ml.Transforms.NormalizeMinMax("Features")).Fit(raw).Transform(raw);
            var model = ml.MulticlassClassification.Trainers.RiemannianMlp(new RiemannianMlpMulticlassTrainer.Options
            {
                HiddenLayerSizes = new[] { 64 }, NumberOfEpochs = epochs, Seed = 1, ValidationSetFraction = validationFraction, EarlyStoppingPatience = patience,
            }).Fit(data).Model;
            return (log, model);
        }
    }
}
