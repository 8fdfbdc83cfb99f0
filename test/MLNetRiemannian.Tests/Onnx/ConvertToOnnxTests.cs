using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Transforms;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;
using MLNetRiemannian.Tests.Model;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Tests.Onnx
{
    /// <summary>
    /// <c>mlContext.Model.ConvertToOnnx</c> of whole Model-Builder-style pipelines (missing values replaced, a string column
    /// one-hot encoded, columns concatenated and min-max normalized, string class names through MapValueToKey and
    /// MapKeyToValue) with RiemannianMlp in them: the file, scored by ONNX Runtime through ML.NET's <c>ApplyOnnxModel</c>,
    /// against the ML.NET pipeline's own output, for every task and activation.
    /// </summary>
    [TestClass]
    public sealed class ConvertToOnnxTests
    {
        // The issue's bar: every Score (and Probability) value within 1e-5·(1 + |value|) of ML.NET's. Both sides compute in
        // float32 and differ in summation order and in the erf/exp/tanh kernels.
        private const double Tolerance = 1e-5;
        private const int Rows = 240;
        private static readonly string[] Districts = { "harbor", "center", "suburb", "hills" };
        private static readonly double[] DistrictEffects = { 0.5, 1.0, -0.6, 0.0 };

        public TestContext TestContext { get; set; } = null!;

        /// <summary>One listing: two numeric columns with missing values, a category, and a label column per task.</summary>
        public sealed class Listing
        {
            public float Rooms;
            public float Area;   // NaN in about a tenth of the rows
            public float Age;    // NaN in about a tenth of the rows
            public string District = "";
            public string Grade = ""; // multiclass label: "basic", "standard", "premium"
            public bool Sold;         // binary label
            public float Price;       // regression label
        }

        [TestMethod]
        public void MulticlassPipelineConvertsWithTheSamePredictedLabelsAndScoresForEveryActivation() =>
            CheckEveryActivation(PredictionTask.MulticlassClassification, priceScale: 1);

        [TestMethod]
        public void BinaryPipelineConvertsWithTheSamePredictedLabelsScoresAndProbabilitiesForEveryActivation() =>
            CheckEveryActivation(PredictionTask.BinaryClassification, priceScale: 1);

        [TestMethod]
        public void RegressionPipelineConvertsWithTheSameScoresForEveryActivation() =>
            CheckEveryActivation(PredictionTask.Regression, priceScale: 1);

        [TestMethod]
        public void RegressionOnPricesAroundOneHundredThousandConverts()
        {
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadFromEnumerable(Listings(seed: 11, priceScale: 3e4));
            var model = Pipeline(ml, PredictionTask.Regression, ActivationKind.ReLU).Fit(data);
            var (largest, _) = Compare(ml, data, model, ConvertToOnnx(ml, model, data), PredictionTask.Regression, "prices near 1e5");
            var prices = data.GetColumn<float>("Price").ToArray();
            Assert.IsTrue(prices.Average() > 5e4, $"the labels average {prices.Average()}, not the magnitude this test is about");
            TestContext.WriteLine($"Regression, prices {prices.Min():F0} to {prices.Max():F0}: largest Score difference {largest:E2} relative to 1 + |Score|");
        }

        [TestMethod]
        public void APipelineLoadedFromItsZipConvertsAtTheOldestOpsetTheConverterWrites()
        {
            // What an app does: load the saved pipeline, then convert. Opset 9 is the converter's minimum and the one the
            // network's nodes need (Erf); the default is 12.
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadFromEnumerable(Listings(seed: 5, priceScale: 1));
            foreach (var task in Enum.GetValues<PredictionTask>())
            {
                var fitted = Pipeline(ml, task, ActivationKind.Gelu).Fit(data);
                using var zip = new MemoryStream();
                ml.Model.Save(fitted, data.Schema, zip);
                zip.Position = 0;
                var loaded = ml.Model.Load(zip, out _);
                using var onnx = new MemoryStream();
                ml.Model.ConvertToOnnx(loaded, data, 9, onnx);
                var (largest, predicted) = Compare(ml, data, fitted, onnx.ToArray(), task, $"{task}, loaded, opset 9");
                TestContext.WriteLine($"{task}, loaded from its zip, opset 9: largest difference {largest:E2}"
                    + (predicted.Length == 0 ? "" : $"; predicted classes {string.Join(", ", predicted)}"));
            }
        }

        [TestMethod]
        public void ConvertedNetworkScoresLikeTheDoubleReferenceForEveryTaskAndActivation()
        {
            // Unit-scale random weights (4-16-8-K): larger pre-activations than a briefly trained network, so every
            // activation's curved part is reached; the reference is written independently of both scorers.
            var ml = new MLContext(seed: 1);
            var rows = ModelFixtures.Rows(50);
            var data = ml.Data.LoadFromEnumerable(rows);
            var trainSchema = ModelFixtures.KeyedData(ml, rows).Schema;
            double largest = 0;
            foreach (var task in Enum.GetValues<PredictionTask>())
                foreach (var activation in Enum.GetValues<ActivationKind>())
                {
                    string context = $"{task}, {activation}";
                    var (sizes, weights, biases) = ModelFixtures.RandomNetwork(task == PredictionTask.MulticlassClassification ? 3 : 1, seed: 5, 16, 8);
                    var model = new RiemannianMlpModelParameters(ml, task, activation, sizes, weights, biases, "Identity", Array.Empty<EpochSummary>());
                    var transformer = PredictionTransformerFactory.Create(ml, model, trainSchema, "Features", "Label");
                    var onnx = ml.Transforms.ApplyOnnxModel(new MemoryStream(ConvertToOnnx(ml, transformer, data))).Fit(data).Transform(data);
                    var scores = onnx.GetColumn<float[]>("Score").ToArray();
                    var probabilities = task == PredictionTask.BinaryClassification ? onnx.GetColumn<float[]>("Probability").ToArray() : null;
                    // Without MapKeyToValue the multiclass label stays a key: raw value = class index + 1.
                    var predicted = task switch
                    {
                        PredictionTask.MulticlassClassification => onnx.GetColumn<VBuffer<uint>>("PredictedLabel").Select(v => (double)Single(v)).ToArray(),
                        PredictionTask.BinaryClassification => onnx.GetColumn<VBuffer<bool>>("PredictedLabel").Select(v => Single(v) ? 1.0 : 0.0).ToArray(),
                        _ => null,
                    };
                    for (int i = 0; i < rows.Count; i++)
                    {
                        var z = ModelFixtures.ReferenceForward(model, rows[i].Features);
                        if (task == PredictionTask.MulticlassClassification)
                        {
                            var p = ModelFixtures.Softmax(z);
                            for (int k = 0; k < p.Length; k++) largest = Math.Max(largest, Check(p[k], scores[i][k], $"{context}, row {i}, Score[{k}]"));
                            Assert.AreEqual(Array.IndexOf(p, p.Max()) + 1, predicted![i], $"{context}, row {i}: PredictedLabel key");
                        }
                        else
                        {
                            largest = Math.Max(largest, Check(z[0], Single(scores[i]), $"{context}, row {i}, Score"));
                            if (probabilities is not null)
                            {
                                largest = Math.Max(largest, Check(1 / (1 + Math.Exp(-z[0])), Single(probabilities[i]), $"{context}, row {i}, Probability"));
                                Assert.AreEqual(z[0] > 0 ? 1.0 : 0.0, predicted![i], $"{context}, row {i}: PredictedLabel (z = {z[0]})");
                            }
                        }
                    }
                }
            TestContext.WriteLine($"Random unit-scale networks, every task and activation: largest difference from the double reference {largest:E2} relative to 1 + |value|");
        }

        [TestMethod]
        public void TheGraphHasMLNetsOutputNamesAndTheRawColumnsAsInputs()
        {
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadFromEnumerable(Listings(seed: 3, priceScale: 1));
            foreach (var task in Enum.GetValues<PredictionTask>())
            {
                var model = Pipeline(ml, task, ActivationKind.Gelu).Fit(data);
                using var session = new InferenceSession(ConvertToOnnx(ml, model, data));
                var outputs = session.OutputMetadata;
                string[] expected = task switch
                {
                    PredictionTask.MulticlassClassification => new[] { "PredictedLabel.output", "Score.output" },
                    PredictionTask.BinaryClassification => new[] { "PredictedLabel.output", "Score.output", "Probability.output" },
                    _ => new[] { "Score.output" },
                };
                foreach (var name in expected) Assert.IsTrue(outputs.ContainsKey(name), $"{task}: output {name} in [{string.Join(", ", outputs.Keys)}]");
                int width = task == PredictionTask.MulticlassClassification ? 3 : 1;
                CollectionAssert.AreEqual(new[] { -1, width }, outputs["Score.output"].Dimensions, $"{task}: Score's shape");
                if (task == PredictionTask.MulticlassClassification)
                    Assert.AreEqual(typeof(string), outputs["PredictedLabel.output"].ElementType, "the class names come back through MapKeyToValue");
                // The raw columns are the graph's inputs: featurization is inside the file.
                foreach (var column in new[] { "Rooms", "Area", "Age", "District" })
                    Assert.IsTrue(session.InputMetadata.ContainsKey(column), $"{task}: input {column}");
            }
        }

        private void CheckEveryActivation(PredictionTask task, double priceScale)
        {
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadFromEnumerable(Listings(seed: 7, priceScale));
            double largest = 0;
            var classes = new SortedSet<string>();
            foreach (var activation in Enum.GetValues<ActivationKind>())
            {
                var model = Pipeline(ml, task, activation).Fit(data);
                var (difference, predicted) = Compare(ml, data, model, ConvertToOnnx(ml, model, data), task, $"{task}, {activation}");
                TestContext.WriteLine($"{task}, {activation}: {Rows} rows, largest difference {difference:E2} relative to 1 + |value|"
                    + (predicted.Length == 0 ? "" : $"; {Rows}/{Rows} labels equal, predicted classes {string.Join(", ", predicted)}"));
                largest = Math.Max(largest, difference);
                classes.UnionWith(predicted);
            }
            TestContext.WriteLine($"{task}: largest difference over every activation {largest:E2}");
            // Networks that predicted one class everywhere would pass without exercising the label head (argmax, key
            // offset, MapKeyToValue; or the binary threshold), which is the same graph for every activation. After 10
            // epochs the sigmoid networks may still predict one class; the others do not.
            if (task != PredictionTask.Regression)
                Assert.IsTrue(classes.Count == (task == PredictionTask.MulticlassClassification ? 3 : 2),
                    $"{task}: the networks predicted only {string.Join(", ", classes)}");
        }

        /// <summary>
        /// Scores <paramref name="data"/> with the fitted pipeline and with its ONNX form and checks every row; returns the
        /// largest Score/Probability difference relative to 1 + |value| and the classes predicted (none for regression).
        /// </summary>
        [TestMethod]
        [DataRow(PredictionTask.MulticlassClassification)]
        [DataRow(PredictionTask.Regression)]
        public void APipelineWhoseNetworkScalesItsInputConvertsWithTheSameScores(PredictionTask task)
        {
            // The robust input scaling and its smooth clip are nodes of the graph (Sub, Mul, Mul, Mul, Add, Sqrt, Div).
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadFromEnumerable(Listings(seed: 5, priceScale: 1));
            var model = Pipeline(ml, task, ActivationKind.ReLU, InputScalingKind.Robust).Fit(data);
            var network = ((IEnumerable<ITransformer>)model).OfType<ISingleFeaturePredictionTransformer<RiemannianMlpModelParameters>>().Single().Model;
            Assert.IsNotNull(network.InputScaling, "the trained network scales its input");
            var (largest, _) = Compare(ml, data, model, ConvertToOnnx(ml, model, data), task, $"{task} with input scaling");
            TestContext.WriteLine($"{task} with input scaling: largest Score difference {largest:E2} relative to 1 + |Score|");
        }

        [TestMethod]
        [DataRow(PredictionTask.MulticlassClassification)]
        [DataRow(PredictionTask.BinaryClassification)]
        [DataRow(PredictionTask.Regression)]
        public void APipelineWhoseNetworkEncodesItsInputConvertsWithTheSameScores(PredictionTask task)
        {
            // The piecewise linear encoding is nodes of the graph (Gather, Sub, Mul, Max, Min) after the scaling's.
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadFromEnumerable(Listings(seed: 5, priceScale: 1));
            var model = Pipeline(ml, task, ActivationKind.ReLU, InputScalingKind.Robust, InputEncodingKind.PiecewiseLinear).Fit(data);
            var network = ((IEnumerable<ITransformer>)model).OfType<ISingleFeaturePredictionTransformer<RiemannianMlpModelParameters>>().Single().Model;
            Assert.IsNotNull(network.InputEncoding, "the trained network encodes its input");
            Assert.IsTrue(network.LayerSizes[0] > network.FeatureCount, "the encoding widens the first layer's input");
            var (largest, _) = Compare(ml, data, model, ConvertToOnnx(ml, model, data), task, $"{task} with input encoding");
            TestContext.WriteLine($"{task} with input encoding: largest Score difference {largest:E2} relative to 1 + |Score|");
        }

        private static (double Largest, string[] Predicted) Compare(MLContext ml, IDataView data, ITransformer model, byte[] onnxModel, PredictionTask task, string context)
        {
            var expected = model.Transform(data);
            // ApplyOnnxModel names each column after its graph output less ML.NET's ".output" suffix.
            var onnx = ml.Transforms.ApplyOnnxModel(new MemoryStream(onnxModel)).Fit(data).Transform(data);

            double largest = 0;
            var onnxScores = onnx.GetColumn<float[]>("Score").ToArray();
            if (task == PredictionTask.MulticlassClassification)
            {
                var scores = expected.GetColumn<float[]>("Score").ToArray();
                CollectionAssert.AreEqual(SlotNames(expected.Schema["Score"]), SlotNames(onnx.Schema["Score"]), $"{context}: the class names of Score's slots");
                for (int i = 0; i < scores.Length; i++)
                {
                    Assert.AreEqual(scores[i].Length, onnxScores[i].Length, $"{context}, row {i}: Score width");
                    for (int k = 0; k < scores[i].Length; k++)
                        largest = Math.Max(largest, Check(scores[i][k], onnxScores[i][k], $"{context}, row {i}, Score[{k}]"));
                }
            }
            else
            {
                var scores = expected.GetColumn<float>("Score").ToArray();
                for (int i = 0; i < scores.Length; i++)
                    largest = Math.Max(largest, Check(scores[i], Single(onnxScores[i]), $"{context}, row {i}, Score"));
            }
            if (task == PredictionTask.BinaryClassification)
            {
                var probabilities = expected.GetColumn<float>("Probability").ToArray();
                var onnxProbabilities = onnx.GetColumn<float[]>("Probability").ToArray();
                for (int i = 0; i < probabilities.Length; i++)
                    largest = Math.Max(largest, Check(probabilities[i], Single(onnxProbabilities[i]), $"{context}, row {i}, Probability"));
            }

            if (task == PredictionTask.Regression) return (largest, Array.Empty<string>());
            var predicted = task == PredictionTask.MulticlassClassification
                ? expected.GetColumn<string>("PredictedLabel").ToArray()
                : expected.GetColumn<bool>("PredictedLabel").Select(b => b.ToString()).ToArray();
            var onnxPredicted = task == PredictionTask.MulticlassClassification
                ? onnx.GetColumn<VBuffer<ReadOnlyMemory<char>>>("PredictedLabel").Select(v => Single(v).ToString()).ToArray()
                : onnx.GetColumn<VBuffer<bool>>("PredictedLabel").Select(v => Single(v).ToString()).ToArray();
            for (int i = 0; i < predicted.Length; i++)
                Assert.AreEqual(predicted[i], onnxPredicted[i], $"{context}, row {i}: PredictedLabel");
            return (largest, predicted.Distinct().OrderBy(p => p).ToArray());
        }

        /// <summary>
        /// What Model Builder writes for a table like <see cref="Listing"/>: missing values replaced by the column mean, the
        /// category one-hot encoded, everything concatenated and min-max normalized, string classes as keys and back.
        /// </summary>
        private static IEstimator<ITransformer> Pipeline(MLContext ml, PredictionTask task, ActivationKind activation, InputScalingKind scaling = InputScalingKind.None,
            InputEncodingKind encoding = InputEncodingKind.None)
        {
            T Configure<T>(T options, string label) where T : RiemannianMlpTrainerOptions
            {
                options.InputScaling = scaling;
                options.InputEncoding = encoding;
                options.LabelColumnName = label;
                options.HiddenLayerSizes = new[] { 16, 8 };
                options.Activation = activation;
                options.NumberOfEpochs = 10;
                options.ValidationSetFraction = 0; // the models these tolerances were set on: every row trains, the last epoch kept
                options.Seed = 1;
                return options;
            }

            var featurize = ml.Transforms.ReplaceMissingValues(
                    new[] { new InputOutputColumnPair("Area"), new InputOutputColumnPair("Age") }, MissingValueReplacingEstimator.ReplacementMode.Mean)
                .Append(ml.Transforms.Categorical.OneHotEncoding("DistrictOneHot", "District"))
                .Append(ml.Transforms.Concatenate("Features", "Rooms", "Area", "Age", "DistrictOneHot"))
                .Append(ml.Transforms.NormalizeMinMax("Features"));
            return task switch
            {
                PredictionTask.MulticlassClassification => ml.Transforms.Conversion.MapValueToKey("Grade")
                    .Append(featurize)
                    .Append(ml.MulticlassClassification.Trainers.RiemannianMlp(Configure(new RiemannianMlpMulticlassTrainer.Options(), "Grade")))
                    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel")),
                PredictionTask.BinaryClassification => featurize
                    .Append(ml.BinaryClassification.Trainers.RiemannianMlp(Configure(new RiemannianMlpBinaryTrainer.Options(), "Sold"))),
                _ => featurize.Append(ml.Regression.Trainers.RiemannianMlp(Configure(new RiemannianMlpRegressionTrainer.Options(), "Price"))),
            };
        }

        private static byte[] ConvertToOnnx(MLContext ml, ITransformer model, IDataView data)
        {
            using var stream = new MemoryStream();
            ml.Model.ConvertToOnnx(model, data, stream);
            return stream.ToArray();
        }

        /// <summary>
        /// Listings whose grade, sale and price follow one hidden value of rooms, area, age and district plus noise;
        /// prices are <paramref name="priceScale"/>·(3 + that value), so 3e4 gives prices around 1e5.
        /// </summary>
        private static List<Listing> Listings(int seed, double priceScale)
        {
            var random = new Random(seed);
            double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            var rows = new List<Listing>(Rows);
            for (int i = 0; i < Rows; i++)
            {
                int rooms = 1 + random.Next(6), district = random.Next(Districts.Length);
                double area = 40 + 30 * rooms + 20 * Normal(), age = random.Next(100);
                double value = 0.4 * (rooms - 3.5) + 0.01 * (area - 145) - 0.015 * (age - 50) + DistrictEffects[district] + 0.3 * Normal();
                rows.Add(new Listing
                {
                    Rooms = rooms,
                    Area = random.NextDouble() < 0.1 ? float.NaN : (float)area,
                    Age = random.NextDouble() < 0.1 ? float.NaN : (float)age,
                    District = Districts[district],
                    Grade = value < -0.5 ? "basic" : value < 0.5 ? "standard" : "premium",
                    Sold = value > 0,
                    Price = (float)(priceScale * (3 + value)),
                });
            }
            return rows;
        }

        private static string[] SlotNames(DataViewSchema.Column column)
        {
            VBuffer<ReadOnlyMemory<char>> names = default;
            column.GetSlotNames(ref names);
            return names.DenseValues().Select(n => n.ToString()).ToArray();
        }

        private static T Single<T>(VBuffer<T> row)
        {
            Assert.AreEqual(1, row.Length, "a [N, 1] output gives one value per row");
            return row.GetItemOrDefault(0);
        }

        private static float Single(float[] row)
        {
            Assert.AreEqual(1, row.Length, "a [N, 1] output gives one value per row");
            return row[0];
        }

        // Returns the difference relative to 1 + |expected|, the quantity the tolerance bounds.
        private static double Check(double expected, float actual, string context)
        {
            double difference = Math.Abs(expected - actual) / (1 + Math.Abs(expected));
            Assert.IsTrue(difference <= Tolerance, $"{context}: ML.NET {expected}, ONNX {actual} (relative difference {difference:E2})");
            return difference;
        }
    }
}
