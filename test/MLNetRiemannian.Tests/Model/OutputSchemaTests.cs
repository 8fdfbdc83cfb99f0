using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Model;

namespace MLNetRiemannian.Tests.Model
{
    /// <summary>
    /// The columns the model's transformers add are the built-in trainers' columns (SdcaMaximumEntropy,
    /// LbfgsLogisticRegression, Sdca regression on the same data): names, types, annotation kinds and the
    /// annotations that carry meaning, before and after a save-load round trip.
    /// </summary>
    [TestClass]
    public sealed class OutputSchemaTests
    {
        private const string ScoreColumnSetId = "ScoreColumnSetId";

        [TestMethod]
        public void MulticlassColumnsMatchSdcaMaximumEntropy()
        {
            var mlContext = new MLContext(seed: 1);
            var data = ModelFixtures.KeyedData(mlContext, ModelFixtures.Rows(60));
            var builtIn = mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy("Label", "Features").Fit(data).Transform(data);
            var ours = PredictionTransformerFactory.Multiclass(mlContext, ModelFixtures.Model(mlContext, PredictionTask.MulticlassClassification),
                data.Schema, "Features", "Label");
            AssertSameColumns(builtIn.Schema, ours.Transform(data).Schema, data.Schema);
            AssertSameColumns(builtIn.Schema, RoundTrip(mlContext, ours, data).Transform(data).Schema, data.Schema);
        }

        [TestMethod]
        public void BinaryColumnsMatchLbfgsLogisticRegression()
        {
            var mlContext = new MLContext(seed: 1);
            var data = mlContext.Data.LoadFromEnumerable(ModelFixtures.Rows(60));
            var builtIn = mlContext.BinaryClassification.Trainers.LbfgsLogisticRegression(nameof(ModelFixtures.Row.Positive), "Features")
                .Fit(data).Transform(data);
            var ours = PredictionTransformerFactory.Binary(mlContext, ModelFixtures.Model(mlContext, PredictionTask.BinaryClassification), data.Schema, "Features");
            AssertSameColumns(builtIn.Schema, ours.Transform(data).Schema, data.Schema);
            AssertSameColumns(builtIn.Schema, RoundTrip(mlContext, ours, data).Transform(data).Schema, data.Schema);
        }

        [TestMethod]
        public void RegressionColumnsMatchSdcaRegression()
        {
            var mlContext = new MLContext(seed: 1);
            var data = mlContext.Data.LoadFromEnumerable(ModelFixtures.Rows(60));
            var builtIn = mlContext.Regression.Trainers.Sdca(nameof(ModelFixtures.Row.Target), "Features").Fit(data).Transform(data);
            var ours = PredictionTransformerFactory.Regression(mlContext, ModelFixtures.Model(mlContext, PredictionTask.Regression), data.Schema, "Features");
            AssertSameColumns(builtIn.Schema, ours.Transform(data).Schema, data.Schema);
            AssertSameColumns(builtIn.Schema, RoundTrip(mlContext, ours, data).Transform(data).Schema, data.Schema);
        }

        private static ITransformer RoundTrip(MLContext mlContext, ITransformer transformer, IDataView data)
        {
            string path = Path.Combine(Path.GetTempPath(), $"riemannian-mlp-{Guid.NewGuid():N}.zip");
            try
            {
                mlContext.Model.Save(transformer, data.Schema, path);
                return mlContext.Model.Load(path, out _);
            }
            finally
            {
                File.Delete(path);
            }
        }

        /// <summary>The columns after <paramref name="input"/>'s: same names in order, same types, same annotations.</summary>
        private static void AssertSameColumns(DataViewSchema expected, DataViewSchema actual, DataViewSchema input)
        {
            var expectedNames = expected.Skip(input.Count).Select(c => c.Name).ToArray();
            CollectionAssert.AreEqual(expectedNames, actual.Skip(input.Count).Select(c => c.Name).ToArray(), "output columns");
            Assert.IsTrue(expectedNames.Contains("Score"));
            foreach (string name in expectedNames)
            {
                var e = expected[name];
                var a = actual[name];
                Assert.AreEqual(e.Type, a.Type, $"type of {name}");
                var expectedAnnotations = e.Annotations.Schema.Select(c => $"{c.Name}: {c.Type}").ToArray();
                CollectionAssert.AreEquivalent(expectedAnnotations, a.Annotations.Schema.Select(c => $"{c.Name}: {c.Type}").ToArray(), $"annotations of {name}");
                foreach (var annotation in e.Annotations.Schema)
                {
                    // The set id only groups columns of one scorer; every other annotation must agree in value.
                    if (annotation.Name == ScoreColumnSetId) continue;
                    Assert.AreEqual(AnnotationText(e, annotation), AnnotationText(a, annotation), $"{name}'s {annotation.Name}");
                }
            }
        }

        private static string AnnotationText(DataViewSchema.Column column, DataViewSchema.Column annotation)
        {
            if (annotation.Type is VectorDataViewType { ItemType: TextDataViewType })
            {
                VBuffer<ReadOnlyMemory<char>> values = default;
                column.Annotations.GetValue(annotation.Name, ref values);
                return string.Join(",", values.DenseValues());
            }
            if (annotation.Type is TextDataViewType)
            {
                ReadOnlyMemory<char> value = default;
                column.Annotations.GetValue(annotation.Name, ref value);
                return value.ToString();
            }
            if (annotation.Type is BooleanDataViewType)
            {
                bool value = false;
                column.Annotations.GetValue(annotation.Name, ref value);
                return value.ToString();
            }
            return annotation.Type.ToString() ?? "";
        }
    }
}
