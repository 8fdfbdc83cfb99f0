using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Interop;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Tests.Trainers
{
    /// <summary>Every bad input gets a specific exception that names the column (and, for values, the row).</summary>
    [TestClass]
    public sealed class BadInputTests
    {
        private sealed class Row
        {
            [VectorType(3)] public float[] Features = new float[3];
            public string Label = "";
            public float Weight = 1;
        }

        private sealed class ScalarRow
        {
            public float Features;
            public string Label = "";
        }

        private static List<Row> Rows(int count, int classes = 3) => Enumerable.Range(0, count)
            .Select(i => new Row { Features = new[] { i % 7 / 7f, i % 5 / 5f, i % 3 / 3f }, Label = $"c{i % classes}" }).ToList();

        private static IDataView Keyed(MLContext ml, IEnumerable<Row> rows) =>
            ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));

        private static RiemannianMlpMulticlassTrainer Trainer(MLContext ml, string? weights = null) =>
            ml.MulticlassClassification.Trainers.RiemannianMlp(exampleWeightColumnName: weights, hiddenLayerSizes: new[] { 4 }, numberOfEpochs: 1);

        private static T Throws<T>(Action action, params string[] mentions) where T : Exception
        {
            var e = Assert.ThrowsExactly<T>(action);
            foreach (var m in mentions) StringAssert.Contains(e.Message, m);
            return e;
        }

        [TestMethod]
        public void MissingLabelColumnIsNamed()
        {
            var ml = new MLContext(1);
            var data = ml.Data.LoadFromEnumerable(Rows(10));
            Throws<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.RiemannianMlp(labelColumnName: "Target").Fit(data), "'Target'", "not in the data");
        }

        [TestMethod]
        public void LabelOfTheWrongTypeIsNamedWithWhatWasExpected()
        {
            var ml = new MLContext(1);
            var raw = ml.Data.LoadFromEnumerable(Rows(10));
            Throws<ArgumentOutOfRangeException>(() => Trainer(ml).Fit(raw), "'Label'", "key type", "MapValueToKey");
            Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.RiemannianMlp().Fit(raw), "'Label'", "Boolean");
            Throws<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.RiemannianMlp().Fit(raw), "'Label'", "Single");
        }

        [TestMethod]
        public void FeaturesThatAreNotAKnownSizeSingleVectorAreNamed()
        {
            var ml = new MLContext(1);
            var rows = Enumerable.Range(0, 10).Select(i => new ScalarRow { Features = i, Label = $"c{i % 2}" }).ToList();
            var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
            Throws<ArgumentOutOfRangeException>(() => Trainer(ml).Fit(data), "'Features'", "known-size vector of Single");
            var doubles = ml.Transforms.Conversion.ConvertType("Features", outputKind: DataKind.Double).Fit(Keyed(ml, Rows(10))).Transform(Keyed(ml, Rows(10)));
            // A vector of Double needs a conversion, not Concatenate: the message says which, at Fit and at GetOutputSchema.
            var e = Throws<ArgumentOutOfRangeException>(() => Trainer(ml).Fit(doubles), "'Features'", "Double",
                "mlContext.Transforms.Conversion.ConvertType(\"Features\", outputKind: DataKind.Single)");
            Assert.IsFalse(e.Message.Contains("Concatenate"), e.Message);
            Throws<ArgumentOutOfRangeException>(() => Trainer(ml).GetOutputSchema(EstimatorSchemaTests.Shape(doubles.Schema)), "'Features'", "Double", "ConvertType");
        }

        [TestMethod]
        public void NonFiniteFeatureValuesNameColumnSlotAndRow()
        {
            var ml = new MLContext(1);
            foreach (float bad in new[] { float.NaN, float.PositiveInfinity })
            {
                var rows = Rows(20);
                rows[13].Features[2] = bad;
                Throws<ArgumentOutOfRangeException>(() => Trainer(ml).Fit(Keyed(ml, rows)), "'Features'", "slot 2", "row 13 of the training data", bad.ToString());
                // The same value in a validation set is named as the validation set's row, not the training data's.
                Throws<ArgumentOutOfRangeException>(() => Trainer(ml).Fit(Keyed(ml, Rows(20)), Keyed(ml, rows)), "'Features'", "slot 2", "row 13 of the validation set", bad.ToString());
            }
        }

        [TestMethod]
        public void ANonFiniteValueOfAConcatenatedColumnIsNamedByItsSlotName()
        {
            var ml = new MLContext(1);
            var rows = Enumerable.Range(0, 20).Select(i => new ColumnsRow { Width = i % 7, Height = i % 5, Label = $"c{i % 2}" }).ToArray();
            rows[9].Height = float.NaN;
            var data = ml.Transforms.Concatenate("Features", nameof(ColumnsRow.Width), nameof(ColumnsRow.Height))
                .Append(ml.Transforms.Conversion.MapValueToKey("Label")).Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
            Throws<ArgumentOutOfRangeException>(() => Trainer(ml).Fit(data), "'Features'", "slot 1 ('Height')", "row 9", "NaN");
        }

        private sealed class ColumnsRow
        {
            public float Width, Height;
            public string Label = "";
        }

        [TestMethod]
        public void EmptyDataAndASingleClassAreRefused()
        {
            var ml = new MLContext(1);
            var empty = ml.Data.FilterRowsByColumn(Keyed(ml, Rows(5)), "Weight", lowerBound: 5, upperBound: 6);
            Throws<ArgumentException>(() => Trainer(ml).Fit(empty), "no rows");
            Throws<ArgumentOutOfRangeException>(() => Trainer(ml).Fit(Keyed(ml, Rows(10, classes: 1))), "'Label'");
            var single = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(Rows(9, 3)))
                .Transform(ml.Data.LoadFromEnumerable(Rows(9, 3).Where(r => r.Label == "c1")));
            Throws<ArgumentOutOfRangeException>(() => Trainer(ml).Fit(single), "'Label'", "only 1 distinct class");
        }

        [TestMethod]
        public void RowsWithAMissingLabelAreSkippedAndCounted()
        {
            var ml = new MLContext(1);
            var messages = new List<string>();
            ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning) lock (messages) messages.Add(e.Message); };
            var rows = Rows(30);
            // Labels never seen by the key map become the missing key (0).
            var map = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows));
            rows[3].Label = rows[4].Label = rows[5].Label = "unseen";
            var model = Trainer(ml).Fit(map.Transform(ml.Data.LoadFromEnumerable(rows)));
            Assert.IsNotNull(model.Model);
            Assert.AreEqual(1, messages.Count(m => m.Contains("Skipped 3 rows with a missing label in column 'Label'")
                && m.Contains("a class MapValueToKey was not fitted on")), string.Join("\n", messages.Take(20)));
        }

        [TestMethod]
        public void NegativeOrNonFiniteExampleWeightsNameColumnAndRow()
        {
            var ml = new MLContext(1);
            var rows = Rows(20);
            rows[7].Weight = -1;
            Throws<ArgumentOutOfRangeException>(() => Trainer(ml, "Weight").Fit(Keyed(ml, rows)), "'Weight'", "row 7", "-1");
        }

        [TestMethod]
        public void InvalidOptionsNameTheOptionAndValue()
        {
            var ml = new MLContext(1);
            Throws<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.RiemannianMlp(learningRate: -2), "LearningRate", "-2");
            Throws<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.RiemannianMlp(hiddenLayerSizes: new[] { 8, 0 }), "HiddenLayerSizes", "8,0");
            Throws<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options { Momentum = 1 }), "Momentum", "1");
            Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.RiemannianMlp(new RiemannianMlpBinaryTrainer.Options { OutputMetric = OutputMetricKind.Custom }), "CustomOutputMetric");
            Throws<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.RiemannianMlp(new RiemannianMlpMulticlassTrainer.Options { OutputRank = -3 }), "OutputRank", "-3");
            Throws<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options { ParameterAveragingDecay = 1 }), "ParameterAveragingDecay", "1", "[0, 1)");
            Throws<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options { ParameterAveragingDecay = -0.5 }), "ParameterAveragingDecay", "-0.5");
        }

        [TestMethod]
        public void TheVersionGuardAcceptsTheVerifiedVersionsAndRefusesOthers()
        {
            MLNetVersionGuard.Check("5.0.1+a4f730ec0c9106c2c9ef9e1fa34011374115fb98", "here");
            MLNetVersionGuard.Check("6.0.0+0123", "here");
            Throws<NotSupportedException>(() => MLNetVersionGuard.Check("4.0.2+0123", "/app/Microsoft.ML.Data.dll"),
                "supports Microsoft.ML 5.0.1 and 6.0.0", "4.0.2", "/app/Microsoft.ML.Data.dll", MLNetVersionGuard.AllowUnverifiedSwitch);
            Throws<NotSupportedException>(() => MLNetVersionGuard.Check("7.0.0", "x"), "7.0.0");
            Throws<NotSupportedException>(() => MLNetVersionGuard.Check(null, "x"), "(unknown)");
            MLNetVersionGuard.Check("7.0.0", "x", allowUnverified: true);
        }

        [TestMethod]
        public void TheLoadedMicrosoftMLIsTheOneThisRunWasBuiltFor()
        {
            // .ci/run builds the tests once per verified version (-p:MLNetVersion=...); each run must really load that one.
            var loaded = typeof(MLContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
            string expected = typeof(BadInputTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "MLNetVersion").Value!;
            Assert.AreEqual(expected, loaded);
            CollectionAssert.Contains(MLNetVersionGuard.Verified.ToList(), loaded);
        }
    }
}
