using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Model;

namespace MLNetRiemannian.Tests.Model
{
    /// <summary>Scoring data whose feature vector differs from training fails with a message naming the column and both sizes.</summary>
    [TestClass]
    public sealed class FeatureSizeTests
    {
        [TestMethod]
        [DataRow(PredictionTask.MulticlassClassification)]
        [DataRow(PredictionTask.BinaryClassification)]
        [DataRow(PredictionTask.Regression)]
        public void TransformRejectsAWiderFeatureVector(PredictionTask task)
        {
            var (mlContext, transformer) = Transformer(task);
            var wide = mlContext.Data.LoadFromEnumerable(new[] { new WideRow(), new WideRow() });
            var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => transformer.Transform(wide));
            StringAssert.Contains(error.Message, "Feature column 'Features' has 5 slots but the model was trained on 4 slots of type Single");
        }

        [TestMethod]
        public void TheLoadedModelAndThePredictionEngineRejectItToo()
        {
            var (mlContext, transformer) = Transformer(PredictionTask.MulticlassClassification);
            string path = Path.Combine(Path.GetTempPath(), $"riemannian-mlp-{Guid.NewGuid():N}.zip");
            ITransformer loaded;
            try
            {
                mlContext.Model.Save(transformer, ModelFixtures.KeyedData(mlContext, ModelFixtures.Rows(5)).Schema, path);
                loaded = mlContext.Model.Load(path, out _);
            }
            finally
            {
                File.Delete(path);
            }

            var wide = mlContext.Data.LoadFromEnumerable(new[] { new WideRow() });
            var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => loaded.Transform(wide));
            StringAssert.Contains(error.Message, "Feature column 'Features' has 5 slots but the model was trained on 4");
            error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Model.CreatePredictionEngine<WideRow, MulticlassPrediction>(loaded));
            StringAssert.Contains(error.Message, "Feature column 'Features' has 5 slots but the model was trained on 4");
        }

        [TestMethod]
        public void AVariableSizeFeatureVectorIsToldToDeclareItsSize()
        {
            var (mlContext, transformer) = Transformer(PredictionTask.Regression);
            var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Model.CreatePredictionEngine<UnsizedRow, Prediction>(transformer));
            StringAssert.Contains(error.Message, "Feature column 'Features' has a variable number of slots but the model was trained on 4");
            StringAssert.Contains(error.Message, "[VectorType(4)]");
        }

        [TestMethod]
        public void GetOutputSchemaNamesTheColumnAndBothTypes()
        {
            // This check is ML.NET's own (SingleFeaturePredictionTransformerBase), before the model sees the schema.
            var (mlContext, transformer) = Transformer(PredictionTask.BinaryClassification);
            var wide = mlContext.Data.LoadFromEnumerable(new[] { new WideRow() });
            var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => transformer.GetOutputSchema(wide.Schema));
            StringAssert.Contains(error.Message, "'Features'");
            StringAssert.Contains(error.Message, "Vector<Single, 4>");
            StringAssert.Contains(error.Message, "Vector<Single, 5>");
        }

        [TestMethod]
        public void ThePredictionEngineScoresRowsOfTheRightSize()
        {
            var (mlContext, transformer) = Transformer(PredictionTask.Regression);
            var engine = mlContext.Model.CreatePredictionEngine<ModelFixtures.Row, Prediction>(transformer);
            var row = ModelFixtures.Rows(1)[0];
            var model = ((ISingleFeaturePredictionTransformer<RiemannianMlpModelParameters>)transformer).Model;
            Assert.AreEqual(ModelFixtures.ReferenceForward(model, row.Features)[0], engine.Predict(row).Score, 1e-6);
        }

        private static (MLContext, ITransformer) Transformer(PredictionTask task)
        {
            var mlContext = new MLContext(seed: 1);
            var data = ModelFixtures.KeyedData(mlContext, ModelFixtures.Rows(10));
            var model = ModelFixtures.Model(mlContext, task);
            return (mlContext, PredictionTransformerFactory.Create(mlContext, model, data.Schema, "Features", "Label"));
        }

        private sealed class WideRow
        {
            [VectorType(5)]
            public float[] Features = Enumerable.Repeat(0.5f, 5).ToArray();
        }

        private sealed class UnsizedRow
        {
            public float[] Features = Enumerable.Repeat(0.5f, 4).ToArray();
        }

        private sealed class Prediction
        {
            public float Score = float.NaN;
        }

        private sealed class MulticlassPrediction
        {
            public float[] Score = Array.Empty<float>();
        }
    }
}
