using System.Collections.Generic;
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

        private static (List<(ChannelMessageKind Kind, string Message)> Log, MLNetRiemannian.Model.RiemannianMlpModelParameters Model) Fit(double validationFraction, int patience)
        {
            var ml = new MLContext(seed: 1);
            var log = new List<(ChannelMessageKind, string)>();
            ml.Log += (_, e) => { if (e.Source.StartsWith("RiemannianMlp")) lock (log) log.Add((e.Kind, e.RawMessage)); };
            var raw = ml.Data.TakeRows(SampleData.Digits(ml), 200);
            var data = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.Concatenate("Features", "Pixels"))
                .Append(ml.Transforms.NormalizeMinMax("Features")).Fit(raw).Transform(raw);
            var model = ml.MulticlassClassification.Trainers.RiemannianMlp(new RiemannianMlpMulticlassTrainer.Options
            {
                HiddenLayerSizes = new[] { 64 }, NumberOfEpochs = 40, Seed = 1, ValidationSetFraction = validationFraction, EarlyStoppingPatience = patience,
            }).Fit(data).Model;
            return (log, model);
        }
    }
}
