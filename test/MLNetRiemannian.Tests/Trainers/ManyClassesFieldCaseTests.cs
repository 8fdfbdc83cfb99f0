using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Tests.Reference;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Tests.Trainers
{
    /// <summary>
    /// Field case c17 (data/field-cases/README.md): 120 separable classes × 4 rows. With one factor row per class per
    /// curvature row the inner system was 7,680² (5.6 s a step); the default output rank bounds it.
    /// </summary>
    [TestClass]
    public sealed class ManyClassesFieldCaseTests
    {
        public TestContext TestContext { get; set; } = null!;

        private static readonly string[] FeatureColumns = Enumerable.Range(0, 8).Select(i => $"F{i}").ToArray();

        private static IDataView Load(MLContext ml) => ml.Data.LoadFromTextFile(SampleData.DataPath("field-cases/c17_many_classes.csv"),
            FeatureColumns.Select((name, i) => new TextLoader.Column(name, DataKind.Single, i))
                .Append(new TextLoader.Column("Category", DataKind.String, 8)).ToArray(),
            separatorChar: ',', hasHeader: true);

        private static IEstimator<ITransformer> Featurize(MLContext ml) =>
            ml.Transforms.Conversion.MapValueToKey("Label", "Category")
                .Append(ml.Transforms.Concatenate("Features", FeatureColumns))
                .Append(ml.Transforms.NormalizeMinMax("Features"));

        [TestMethod]
        public void OneHundredTwentyClassesTrainWithDefaultOptionsAndTheLogNamesTheBoundedInnerSystems()
        {
            var ml = new MLContext(seed: 1);
            var messages = new List<string>();
            ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
            var data = Load(ml);
            Assert.AreEqual(480, data.GetRowCount() ?? data.Preview(1000).RowView.Length);

            var clock = Stopwatch.StartNew();
            var model = Featurize(ml).Append(ml.MulticlassClassification.Trainers.RiemannianMlp()).Fit(data);
            double seconds = clock.Elapsed.TotalSeconds;
            double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(data)).MicroAccuracy;
            Assert.IsTrue(accuracy >= 0.95, $"training accuracy {accuracy:F4} < 0.95 on 120 separable classes");

            string first = messages.Single(m => Regex.IsMatch(m, @"RiemannianMlp: \d+-256-120 "));
            StringAssert.Contains(first, "sampled factor of rank");
            string inner = messages.Single(m => m.Contains("Inner systems:"));
            var sizes = Regex.Matches(inner, @"(\d+)×(\d+)").Select(m => int.Parse(m.Groups[1].Value)).ToList();
            Assert.AreEqual(2, sizes.Count, inner); // one per layer
            Assert.IsTrue(sizes.All(n => n <= Defaults.InnerSystemRows), $"an inner system exceeds {Defaults.InnerSystemRows} rows: {inner}");

            // Measured, not asserted (speed targets belong in benchmarks): the issue's target is ≤ 5× SdcaMaximumEntropy.
            clock.Restart();
            Featurize(ml).Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy()).Fit(data);
            double sdca = clock.Elapsed.TotalSeconds;
            TestContext.WriteLine($"c17: accuracy {accuracy:F4}, fit {seconds:F1} s, SdcaMaximumEntropy {sdca:F1} s (ratio {seconds / sdca:F1}); {inner}");
        }
    }
}
