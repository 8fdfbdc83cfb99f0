using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Tests.Trainers
{
    /// <summary>
    /// A binary training set of one class (a cross-validation fold, OneVersusAll for a class with no rows): the binary
    /// trainer returns the constant model LbfgsLogisticRegression ends with on such rows, with a Warning, instead of throwing.
    /// </summary>
    [TestClass]
    public sealed class OneClassBinaryTests
    {
        public TestContext TestContext { get; set; } = null!;

        public sealed class Row
        {
            [VectorType(2)] public float[] Features = Array.Empty<float>();
            public bool Label;
        }

        [TestMethod]
        [DataRow(true)]
        [DataRow(false)]
        public void OneClassGivesAConstantModelWithAWarningAsLbfgsLogisticRegressionDoes(bool label)
        {
            var ml = new MLContext(seed: 1);
            var warnings = new List<string>();
            ml.Log += (_, e) => { if (e.Kind == ChannelMessageKind.Warning && e.Source.Contains("RiemannianMlp")) lock (warnings) warnings.Add(e.Message); };
            var rows = Enumerable.Range(0, 20).Select(i => new Row { Features = new[] { i % 4 / 3f, i % 5 / 4f }, Label = label }).ToList();
            var data = ml.Data.LoadFromEnumerable(rows);

            var model = ml.BinaryClassification.Trainers.RiemannianMlp(new RiemannianMlpBinaryTrainer.Options { HiddenLayerSizes = new[] { 8 }, NumberOfEpochs = 2 }).Fit(data);
            var scored = model.Transform(data);
            var scores = scored.GetColumn<float>("Score").ToArray();
            var probabilities = scored.GetColumn<float>("Probability").ToArray();
            var predicted = scored.GetColumn<bool>("PredictedLabel").ToArray();
            var reference = ml.BinaryClassification.Trainers.LbfgsLogisticRegression().Fit(data).Transform(data).GetColumn<float>("Probability").ToArray();

            // Probability of true: σ(±15) = 1 − 3.1e-7 or 3.1e-7 for every row; L-BFGS's constant lies within 1e-6 of it.
            double expected = 1 / (1 + Math.Exp(label ? -15 : 15));
            for (int i = 0; i < rows.Count; i++)
            {
                Assert.AreEqual(label ? 15f : -15f, scores[i], $"row {i}: Score");
                Assert.AreEqual(expected, probabilities[i], 1e-7, $"row {i}: Probability");
                Assert.AreEqual(label, predicted[i], $"row {i}: PredictedLabel");
                Assert.AreEqual(reference[i], probabilities[i], 1e-6, $"row {i}: against LbfgsLogisticRegression");
            }
            Assert.AreEqual(0, model.Model.History.Count, "no training ran");
            var warning = warnings.SingleOrDefault(w => w.Contains("constant model"));
            Assert.IsNotNull(warning, string.Join("\n", warnings));
            TestContext.WriteLine(warning);
            StringAssert.Contains(warning, $"Label column 'Label' is {label} in all 20 training rows");
        }
    }
}
