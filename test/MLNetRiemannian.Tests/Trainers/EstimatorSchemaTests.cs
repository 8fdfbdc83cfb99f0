using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Tests.Model;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Tests.Trainers
{
    /// <summary>
    /// In the spirit of ML.NET's <c>TestEstimatorCore</c>: the schema the estimator promises (<c>GetOutputSchema</c> on a
    /// <see cref="SchemaShape"/>), the schema the fitted transformer produces and the schema of the transformer reloaded
    /// from a zip agree column by column (name, kind, item type, key-ness, annotation names), for every task; and
    /// <c>GetOutputSchema</c> refuses a wrong label or weight type with the same message as <c>Fit</c>.
    /// </summary>
    [TestClass]
    public sealed class EstimatorSchemaTests
    {
        [TestMethod]
        public void MulticlassEstimatorTransformerAndReloadedSchemasAgree() =>
            CheckAgreement(ml => ml.MulticlassClassification.Trainers.RiemannianMlp(Options(new RiemannianMlpMulticlassTrainer.Options())),
                ml => ModelFixtures.KeyedData(ml, ModelFixtures.Rows(40)));

        [TestMethod]
        public void BinaryEstimatorTransformerAndReloadedSchemasAgree() =>
            CheckAgreement(ml => ml.BinaryClassification.Trainers.RiemannianMlp(Options(new RiemannianMlpBinaryTrainer.Options { LabelColumnName = nameof(ModelFixtures.Row.Positive) })),
                ml => ml.Data.LoadFromEnumerable(ModelFixtures.Rows(40)));

        [TestMethod]
        public void RegressionEstimatorTransformerAndReloadedSchemasAgree() =>
            CheckAgreement(ml => ml.Regression.Trainers.RiemannianMlp(Options(new RiemannianMlpRegressionTrainer.Options { LabelColumnName = nameof(ModelFixtures.Row.Target) })),
                ml => ml.Data.LoadFromEnumerable(ModelFixtures.Rows(40)));

        [TestMethod]
        public void GetOutputSchemaRefusesAWrongLabelTypeWithFitsMessage()
        {
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadFromEnumerable(ModelFixtures.Rows(20));
            // Target is Single: a wrong label for binary classification and, unkeyed, for multiclass.
            var binary = ml.BinaryClassification.Trainers.RiemannianMlp(Options(new RiemannianMlpBinaryTrainer.Options { LabelColumnName = nameof(ModelFixtures.Row.Target) }));
            var multiclass = ml.MulticlassClassification.Trainers.RiemannianMlp(Options(new RiemannianMlpMulticlassTrainer.Options { LabelColumnName = nameof(ModelFixtures.Row.Target) }));
            var regression = ml.Regression.Trainers.RiemannianMlp(Options(new RiemannianMlpRegressionTrainer.Options { LabelColumnName = nameof(ModelFixtures.Row.Positive) }));
            foreach (var (estimator, expected) in new (IEstimator<ITransformer>, string)[]
            {
                (binary, "Label column 'Target' must be Boolean for binary classification; it is Single. Convert a 0/1 column with mlContext.Transforms.Conversion.ConvertType(\"Target\", outputKind: DataKind.Boolean)"),
                (multiclass, "Label column 'Target' must be a key type for multiclass classification; it is Single."),
                (regression, "Label column 'Positive' must be Single for regression; it is Boolean."),
            })
            {
                var fromShape = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(Shape(data.Schema)));
                var fromFit = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(data));
                StringAssert.Contains(fromShape.Message, expected);
                Assert.AreEqual(fromFit.Message, fromShape.Message);
            }
        }

        [TestMethod]
        public void AZeroOneSingleLabelConvertedAsTheMessageSaysTrains()
        {
            // The refusal of a Single label for binary classification names ConvertType to Boolean: following it must work,
            // with 1 as true and 0 as false.
            var ml = new MLContext(seed: 1);
            var rows = ModelFixtures.Rows(40);
            var data = ml.Data.LoadFromEnumerable(rows.Select(r => new ZeroOneRow { Features = r.Features, Target = r.Positive ? 1 : 0 }));
            var trainer = ml.BinaryClassification.Trainers.RiemannianMlp(Options(new RiemannianMlpBinaryTrainer.Options { LabelColumnName = nameof(ZeroOneRow.Target) }));
            var refused = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(data));
            StringAssert.Contains(refused.Message, "ConvertType(\"Target\", outputKind: DataKind.Boolean)");
            var converted = ml.Transforms.Conversion.ConvertType("Target", outputKind: DataKind.Boolean).Fit(data).Transform(data);
            CollectionAssert.AreEqual(rows.Select(r => r.Positive).ToArray(), converted.GetColumn<bool>("Target").ToArray(), "1 → true, 0 → false");
            Assert.IsNotNull(trainer.Fit(converted).Model);
        }

        private sealed class ZeroOneRow
        {
            [VectorType(ModelFixtures.InputSize)]
            public float[] Features = Array.Empty<float>();
            public float Target;
        }

        [TestMethod]
        public void GetOutputSchemaRefusesAWrongOrMissingWeightColumnWithFitsMessage()
        {
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadFromEnumerable(ModelFixtures.Rows(20));
            foreach (var (weight, expected) in new[]
            {
                (nameof(ModelFixtures.Row.Positive), "Example weight column 'Positive' must be Single; it is Boolean."),
                ("Missing", "The example weight column 'Missing' is not in the data."),
            })
            {
                var estimator = ml.Regression.Trainers.RiemannianMlp(Options(new RiemannianMlpRegressionTrainer.Options
                    { LabelColumnName = nameof(ModelFixtures.Row.Target), ExampleWeightColumnName = weight }));
                var fromShape = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(Shape(data.Schema)));
                var fromFit = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(data));
                StringAssert.Contains(fromShape.Message, expected);
                Assert.AreEqual(fromFit.Message, fromShape.Message);
            }
        }

        /// <summary>ML.NET's own <c>SchemaShape.Create</c> (internal; the shape every estimator chain hands its estimators).</summary>
        internal static SchemaShape Shape(DataViewSchema schema) =>
            (SchemaShape)typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, new[] { typeof(DataViewSchema) })!
                .Invoke(null, new object[] { schema })!;

        private static TOptions Options<TOptions>(TOptions options) where TOptions : RiemannianMlpTrainerOptions
        {
            options.HiddenLayerSizes = new[] { 4 };
            options.NumberOfEpochs = 1;
            options.Seed = 1;
            return options;
        }

        private static void CheckAgreement<TTransformer>(Func<MLContext, IEstimator<TTransformer>> create, Func<MLContext, IDataView> load)
            where TTransformer : class, ITransformer
        {
            var ml = new MLContext(seed: 1);
            var data = load(ml);
            var estimator = create(ml);
            var promised = estimator.GetOutputSchema(Shape(data.Schema));
            var transformer = estimator.Fit(data);
            AssertCompatible(promised, Shape(transformer.GetOutputSchema(data.Schema)), "the fitted transformer");
            AssertCompatible(promised, Shape(transformer.Transform(data).Schema), "the transformed data");

            string path = Path.Combine(Path.GetTempPath(), $"riemannian-mlp-schema-{Guid.NewGuid():N}.zip");
            try
            {
                ml.Model.Save(transformer, data.Schema, path);
                var reloaded = new MLContext(seed: 1).Model.Load(path, out _);
                AssertCompatible(promised, Shape(reloaded.GetOutputSchema(data.Schema)), "the reloaded transformer");
            }
            finally
            {
                File.Delete(path);
            }
        }

        /// <summary>Every column the estimator promises exists with the same kind, item type and key-ness, and carries at least the promised annotations (TestEstimatorCore's rule).</summary>
        private static void AssertCompatible(SchemaShape promised, SchemaShape actual, string what)
        {
            Assert.AreEqual(promised.Count, actual.Count, $"{what}: column count ({string.Join(",", actual.Select(c => c.Name))})");
            foreach (var column in promised)
            {
                var matches = actual.Where(c => c.Name == column.Name).ToList();
                Assert.AreEqual(1, matches.Count, $"{what} lacks '{column.Name}'");
                var found = matches[0];
                Assert.AreEqual(column.Kind, found.Kind, $"{what}: kind of '{column.Name}'");
                Assert.AreEqual(column.ItemType, found.ItemType, $"{what}: item type of '{column.Name}'");
                Assert.AreEqual(column.IsKey, found.IsKey, $"{what}: key-ness of '{column.Name}'");
                var foundAnnotations = found.Annotations.Select(a => a.Name).ToHashSet();
                foreach (var annotation in column.Annotations)
                    Assert.IsTrue(foundAnnotations.Contains(annotation.Name), $"{what}: '{column.Name}' lacks annotation {annotation.Name}");
            }
        }
    }
}
