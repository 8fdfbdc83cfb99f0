using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;

namespace MLNetRiemannian.Tests.Model
{
    /// <summary>The model's public view, its validation, and its scores through ML.NET's standard prediction transformers.</summary>
    [TestClass]
    public sealed class RiemannianMlpModelParametersTests
    {
        // Float32 scoring against the double reference on a 4-5-K network with unit-scale values.
        private const double Tolerance = 1e-6;

        [TestMethod]
        public void PublicViewReturnsWhatTheModelWasBuiltFromAsCopies()
        {
            var mlContext = new MLContext(seed: 1);
            var (sizes, weights, biases) = ModelFixtures.RandomNetwork(3, seed: 4);
            var history = new[] { new EpochSummary(1, 1.5, 0.25, null, 0.5) };
            var model = new RiemannianMlpModelParameters(mlContext, PredictionTask.MulticlassClassification, ActivationKind.Gelu,
                sizes, weights, biases, "Identity", history);
            var expectedWeights = weights.Select(w => (float[])w.Clone()).ToArray();
            weights[0][0] = 1000; // the model copied its inputs
            sizes[0] = 99;

            Assert.AreEqual(PredictionTask.MulticlassClassification, model.Task);
            CollectionAssert.AreEqual(new[] { 4, 5, 3 }, model.LayerSizes.ToArray());
            Assert.AreEqual(ActivationKind.Gelu, model.Activation);
            Assert.AreEqual("Identity", model.OutputMetric);
            CollectionAssert.AreEqual(history, model.History.ToArray());
            for (int l = 0; l < 2; l++)
            {
                CollectionAssert.AreEqual(expectedWeights[l], model.GetWeights(l).ToArray(), $"weights {l}");
                CollectionAssert.AreEqual(biases[l], model.GetBias(l).ToArray(), $"bias {l}");
            }
            var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.GetWeights(2).ToArray());
            StringAssert.Contains(error.Message, "2 dense layers");
        }

        [TestMethod]
        public void ConstructorRejectsInconsistentShapesNamingTheParameter()
        {
            var mlContext = new MLContext(seed: 1);
            var (sizes, weights, biases) = ModelFixtures.RandomNetwork(3, seed: 4);
            var shortWeights = new[] { weights[0].Take(19).ToArray(), weights[1] };
            var error = Assert.ThrowsExactly<ArgumentException>(() => new RiemannianMlpModelParameters(mlContext,
                PredictionTask.MulticlassClassification, ActivationKind.ReLU, sizes, shortWeights, biases, "Identity", Array.Empty<EpochSummary>()));
            Assert.AreEqual("weights", error.ParamName);
            StringAssert.Contains(error.Message, "Layer 0 is 5 x 4: its weights need 20 values, got 19");

            error = Assert.ThrowsExactly<ArgumentException>(() => new RiemannianMlpModelParameters(mlContext,
                PredictionTask.BinaryClassification, ActivationKind.ReLU, sizes, weights, biases, "Identity", Array.Empty<EpochSummary>()));
            StringAssert.Contains(error.Message, "A BinaryClassification network needs 1 output, got 3");

            var (oneSizes, oneWeights, oneBiases) = ModelFixtures.RandomNetwork(1, seed: 4);
            error = Assert.ThrowsExactly<ArgumentException>(() => new RiemannianMlpModelParameters(mlContext,
                PredictionTask.MulticlassClassification, ActivationKind.ReLU, oneSizes, oneWeights, oneBiases, "Identity", Array.Empty<EpochSummary>()));
            StringAssert.Contains(error.Message, "at least 2 outputs, got 1");
        }

        [TestMethod]
        public void MulticlassScoreIsTheSoftmaxAndPredictedLabelTheMostProbableClass()
        {
            foreach (var activation in Enum.GetValues<ActivationKind>())
            {
                var mlContext = new MLContext(seed: 1);
                var rows = ModelFixtures.Rows(40);
                var data = ModelFixtures.KeyedData(mlContext, rows);
                var model = ModelFixtures.Model(mlContext, PredictionTask.MulticlassClassification, activation);
                var transformer = PredictionTransformerFactory.Multiclass(mlContext, model, data.Schema, "Features", "Label");
                var scored = transformer.Transform(data);

                var scores = scored.GetColumn<float[]>("Score").ToArray();
                var predicted = scored.GetColumn<uint>("PredictedLabel").ToArray();
                var names = mlContext.Transforms.Conversion.MapKeyToValue("PredictedName", "PredictedLabel").Fit(scored).Transform(scored)
                    .GetColumn<string>("PredictedName").ToArray();
                for (int i = 0; i < rows.Count; i++)
                {
                    var expected = ModelFixtures.Softmax(ModelFixtures.ReferenceForward(model, rows[i].Features));
                    for (int k = 0; k < 3; k++) Assert.AreEqual(expected[k], scores[i][k], Tolerance, $"{activation}, row {i}, class {k}");
                    int best = Array.IndexOf(expected, expected.Max());
                    // Keys count from 1: key k + 1 is class k.
                    Assert.AreEqual((uint)(best + 1), predicted[i], $"{activation}, row {i}");
                    Assert.AreEqual(ModelFixtures.ClassNames[best], names[i], $"{activation}, row {i}");
                }
            }
        }

        [TestMethod]
        public void MulticlassColumnsCarryTheClassNames()
        {
            var mlContext = new MLContext(seed: 1);
            var data = ModelFixtures.KeyedData(mlContext, ModelFixtures.Rows(20));
            var model = ModelFixtures.Model(mlContext, PredictionTask.MulticlassClassification);
            var scored = PredictionTransformerFactory.Multiclass(mlContext, model, data.Schema, "Features", "Label").Transform(data);

            VBuffer<ReadOnlyMemory<char>> slotNames = default, keyValues = default;
            scored.Schema["Score"].GetSlotNames(ref slotNames);
            CollectionAssert.AreEqual(ModelFixtures.ClassNames, slotNames.DenseValues().Select(v => v.ToString()).ToArray());
            Assert.IsInstanceOfType(scored.Schema["PredictedLabel"].Type, typeof(KeyDataViewType));
            scored.Schema["PredictedLabel"].GetKeyValues(ref keyValues);
            CollectionAssert.AreEqual(ModelFixtures.ClassNames, keyValues.DenseValues().Select(v => v.ToString()).ToArray());
        }

        [TestMethod]
        public void BinaryScoreIsTheLogitProbabilityItsSigmoidAndPredictedLabelItsSign()
        {
            var mlContext = new MLContext(seed: 1);
            var rows = ModelFixtures.Rows(40);
            var data = mlContext.Data.LoadFromEnumerable(rows);
            var model = ModelFixtures.Model(mlContext, PredictionTask.BinaryClassification, ActivationKind.ReLU);
            var scored = PredictionTransformerFactory.Binary(mlContext, model, data.Schema, "Features").Transform(data);

            var scores = scored.GetColumn<float>("Score").ToArray();
            var probabilities = scored.GetColumn<float>("Probability").ToArray();
            var predicted = scored.GetColumn<bool>("PredictedLabel").ToArray();
            for (int i = 0; i < rows.Count; i++)
            {
                double logit = ModelFixtures.ReferenceForward(model, rows[i].Features)[0];
                Assert.AreEqual(logit, scores[i], Tolerance, $"row {i}");
                Assert.AreEqual(1 / (1 + Math.Exp(-logit)), probabilities[i], Tolerance, $"row {i}");
                Assert.IsTrue(probabilities[i] is >= 0 and <= 1, $"row {i}: probability {probabilities[i]}");
                Assert.AreEqual(logit > 0, predicted[i], $"row {i}");
            }
        }

        [TestMethod]
        public void RegressionScoreIsTheNetworkOutput()
        {
            var mlContext = new MLContext(seed: 1);
            var rows = ModelFixtures.Rows(40);
            var data = mlContext.Data.LoadFromEnumerable(rows);
            var model = ModelFixtures.Model(mlContext, PredictionTask.Regression, ActivationKind.Sigmoid);
            var scores = PredictionTransformerFactory.Regression(mlContext, model, data.Schema, "Features").Transform(data)
                .GetColumn<float>("Score").ToArray();
            for (int i = 0; i < rows.Count; i++)
                Assert.AreEqual(ModelFixtures.ReferenceForward(model, rows[i].Features)[0], scores[i], Tolerance, $"row {i}");
        }

        [TestMethod]
        public void SparseFeatureVectorsScoreLikeTheirDenseForm()
        {
            var mlContext = new MLContext(seed: 1);
            var model = ModelFixtures.Model(mlContext, PredictionTask.Regression, ActivationKind.LeakyReLU);
            var dense = new[] { new SparseRow { Features = new VBuffer<float>(4, new float[] { 0, 1.5f, 0, -2 }) } };
            var sparse = new[] { new SparseRow { Features = new VBuffer<float>(4, 2, new float[] { 1.5f, -2 }, new[] { 1, 3 }) } };
            float Score(SparseRow[] rows)
            {
                var data = mlContext.Data.LoadFromEnumerable(rows);
                return PredictionTransformerFactory.Regression(mlContext, model, data.Schema, "Features").Transform(data).GetColumn<float>("Score").Single();
            }
            // The sparse row is never densified: its first layer adds the stored entries only, in another order than
            // the dense dot product, so the two agree to rounding (1e-6 relative), not bit for bit.
            float denseScore = Score(dense);
            Assert.AreEqual(denseScore, Score(sparse), 1e-6f * Math.Max(1, Math.Abs(denseScore)));
            Assert.AreEqual(ModelFixtures.ReferenceForward(model, new float[] { 0, 1.5f, 0, -2 })[0], Score(sparse), Tolerance);
        }

        [TestMethod]
        public void FactoryRejectsALabelWhoseClassCountDiffersFromTheOutputs()
        {
            var mlContext = new MLContext(seed: 1);
            var data = ModelFixtures.KeyedData(mlContext, ModelFixtures.Rows(20));
            var (sizes, weights, biases) = ModelFixtures.RandomNetwork(4, seed: 3);
            var model = new RiemannianMlpModelParameters(mlContext, PredictionTask.MulticlassClassification, ActivationKind.ReLU,
                sizes, weights, biases, "Identity", Array.Empty<EpochSummary>());
            var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => PredictionTransformerFactory.Multiclass(mlContext, model, data.Schema, "Features", "Label"));
            StringAssert.Contains(error.Message, "Label column 'Label' has type Key<UInt32, 0-2> (3 classes) but the model has 4 outputs");
        }

        [TestMethod]
        [DataRow(PredictionTask.MulticlassClassification)]
        [DataRow(PredictionTask.BinaryClassification)]
        [DataRow(PredictionTask.Regression)]
        public void PermutationFeatureImportanceSeesThatAnUnusedFeatureDoesNotMatter(PredictionTask task)
        {
            var mlContext = new MLContext(seed: 1);
            var data = ModelFixtures.KeyedData(mlContext, ModelFixtures.Rows(80));
            int outputs = task == PredictionTask.MulticlassClassification ? 3 : 1;
            var (sizes, weights, biases) = ModelFixtures.RandomNetwork(outputs, seed: 6);
            const int unused = 2;
            for (int o = 0; o < sizes[1]; o++) weights[0][o * sizes[0] + unused] = 0;
            var model = new RiemannianMlpModelParameters(mlContext, task, ActivationKind.Tanh, sizes, weights, biases, "Identity", Array.Empty<EpochSummary>());

            double[] changes;
            switch (task)
            {
                case PredictionTask.MulticlassClassification:
                    changes = mlContext.MulticlassClassification.PermutationFeatureImportance(
                        PredictionTransformerFactory.Multiclass(mlContext, model, data.Schema, "Features", "Label"), data, "Label")
                        .Select(m => m.LogLoss.Mean).ToArray();
                    break;
                case PredictionTask.BinaryClassification:
                    changes = mlContext.BinaryClassification.PermutationFeatureImportance(
                        PredictionTransformerFactory.Binary(mlContext, model, data.Schema, "Features"), data, nameof(ModelFixtures.Row.Positive))
                        .Select(m => m.AreaUnderRocCurve.Mean).ToArray();
                    break;
                default:
                    changes = mlContext.Regression.PermutationFeatureImportance(
                        PredictionTransformerFactory.Regression(mlContext, model, data.Schema, "Features"), data, nameof(ModelFixtures.Row.Target))
                        .Select(m => m.RootMeanSquaredError.Mean).ToArray();
                    break;
            }
            Assert.AreEqual(ModelFixtures.InputSize, changes.Length);
            Assert.AreEqual(0, changes[unused], $"permuting the unused feature changed the metric: {string.Join(", ", changes)}");
            Assert.IsTrue(changes.Where((_, i) => i != unused).All(c => c != 0), $"a used feature made no difference: {string.Join(", ", changes)}");
        }

        private sealed class SparseRow
        {
            [VectorType(4)]
            public VBuffer<float> Features;
        }
    }
}
