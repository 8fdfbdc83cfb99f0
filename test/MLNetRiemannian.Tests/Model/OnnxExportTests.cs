using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;
using MLNetRiemannian.Tests.Reference;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Tests.Model
{
    /// <summary>
    /// <see cref="RiemannianMlpOnnxExport.ExportToOnnx"/>: the file ONNX Runtime scores (through ML.NET's ApplyOnnxModel and
    /// directly) against the model's own scores and a double-precision reference, and the graph read back with
    /// Google.Protobuf against what the XML docs promise.
    /// </summary>
    [TestClass]
    public sealed class OnnxExportTests
    {
        // The issue's bar: probabilities within 1e-5 absolute, unbounded values (regression, the binary logit) within
        // 1e-5·(1 + |y|). Both sides compute in float32; they differ in summation order and in the erf/exp/tanh kernels.
        private const double Tolerance = 1e-5;
        private static readonly int[] Hidden = { 16, 8 };

        public TestContext TestContext { get; set; } = null!;

        [TestMethod]
        public void ApplyOnnxModelScoresLikeTheModelForEveryTaskAndActivation()
        {
            double largestProbability = 0, largestValue = 0;
            foreach (var task in Enum.GetValues<PredictionTask>())
                foreach (var activation in Enum.GetValues<ActivationKind>())
                {
                    var ml = new MLContext(seed: 1);
                    var (features, scored, model) = Train(ml, task, activation);
                    string[] outputs = task == PredictionTask.BinaryClassification ? new[] { "Score", "Probability" } : new[] { "Score" };
                    var onnx = ml.Transforms.ApplyOnnxModel(outputs, new[] { "Features" }, new MemoryStream(Export(model)))
                        .Fit(features).Transform(features);
                    var onnxScores = onnx.GetColumn<float[]>("Score").ToArray();
                    double probability = 0, value = 0;
                    string context = $"{task}, {activation}";
                    if (task == PredictionTask.MulticlassClassification)
                    {
                        var expected = scored.GetColumn<float[]>("Score").ToArray();
                        for (int i = 0; i < expected.Length; i++)
                            for (int k = 0; k < expected[i].Length; k++)
                                probability = Math.Max(probability, CheckProbability(expected[i][k], onnxScores[i][k], $"{context}, row {i}, class {k}"));
                    }
                    else
                    {
                        var expected = scored.GetColumn<float>("Score").ToArray();
                        for (int i = 0; i < expected.Length; i++)
                            value = Math.Max(value, CheckValue(expected[i], Single(onnxScores[i]), $"{context}, row {i}, Score"));
                        if (task == PredictionTask.BinaryClassification)
                        {
                            var expectedProbability = scored.GetColumn<float>("Probability").ToArray();
                            var onnxProbability = onnx.GetColumn<float[]>("Probability").ToArray();
                            for (int i = 0; i < expected.Length; i++)
                                probability = Math.Max(probability, CheckProbability(expectedProbability[i], Single(onnxProbability[i]), $"{context}, row {i}, Probability"));
                        }
                    }
                    TestContext.WriteLine($"{context}: {onnxScores.Length} rows, largest difference " + task switch
                    {
                        PredictionTask.MulticlassClassification => $"{probability:E2} in a probability",
                        PredictionTask.BinaryClassification => $"{probability:E2} in Probability, {value:E2} in Score relative to 1 + |Score|",
                        _ => $"{value:E2} relative to 1 + |Score| (|Score| up to {scored.GetColumn<float>("Score").Max(Math.Abs):F1})",
                    });
                    largestProbability = Math.Max(largestProbability, probability);
                    largestValue = Math.Max(largestValue, value);
                }
            TestContext.WriteLine($"Largest difference over every task and activation: {largestProbability:E2} in a probability, {largestValue:E2} in a value relative to 1 + |value|.");
        }

        [TestMethod]
        public void OnnxRuntimeScoresABatchOfRowsInOneRunLikeTheDoubleReference()
        {
            var rows = ModelFixtures.Rows(9);
            var batch = rows.SelectMany(r => r.Features).ToArray();
            foreach (var task in Enum.GetValues<PredictionTask>())
                foreach (var activation in Enum.GetValues<ActivationKind>())
                {
                    var model = FixtureModel(task, activation);
                    string context = $"{task}, {activation}";
                    using var session = new InferenceSession(Export(model));
                    var input = session.InputMetadata["Features"];
                    CollectionAssert.AreEqual(new[] { -1, ModelFixtures.InputSize }, input.Dimensions, context);
                    Assert.AreEqual("N", input.SymbolicDimensions[0], context);

                    using var value = OrtValue.CreateTensorValueFromMemory(batch, new long[] { rows.Count, ModelFixtures.InputSize });
                    var names = session.OutputNames.ToArray();
                    using var options = new RunOptions();
                    using var results = session.Run(options, new[] { "Features" }, new[] { value }, names);
                    var outputs = names.Zip(results).ToDictionary(p => p.First, p => p.Second);
                    int width = model.LayerSizes[^1];
                    CollectionAssert.AreEqual(new long[] { rows.Count, width }, outputs["Score"].GetTensorTypeAndShape().Shape, context);
                    var score = outputs["Score"].GetTensorDataAsSpan<float>().ToArray();
                    for (int i = 0; i < rows.Count; i++)
                    {
                        var z = ModelFixtures.ReferenceForward(model, rows[i].Features);
                        if (task == PredictionTask.MulticlassClassification)
                        {
                            var p = ModelFixtures.Softmax(z);
                            for (int k = 0; k < width; k++) CheckProbability(p[k], score[i * width + k], $"{context}, row {i}, class {k}");
                        }
                        else CheckValue(z[0], score[i], $"{context}, row {i}");
                        if (task == PredictionTask.BinaryClassification)
                            CheckProbability(1 / (1 + Math.Exp(-z[0])), outputs["Probability"].GetTensorDataAsSpan<float>()[i], $"{context}, row {i}, Probability");
                    }
                }
        }

        [TestMethod]
        public void GraphIsOpsetThirteenWithTheDocumentedNodesNamesAndShapes()
        {
            foreach (var task in Enum.GetValues<PredictionTask>())
                foreach (var activation in Enum.GetValues<ActivationKind>())
                {
                    var model = FixtureModel(task, activation);
                    string context = $"{task}, {activation}";
                    var bytes = Export(model, "Pixels");
                    CollectionAssert.AreEqual(bytes, Export(model, "Pixels"), $"{context}: the same model gives the same bytes");
                    var file = OnnxFile.Read(bytes);

                    Assert.AreEqual(7L, file.IrVersion, context);
                    Assert.AreEqual(1, file.Opsets.Count, context);
                    Assert.AreEqual(("", 13L), file.Opsets[0], context);
                    CollectionAssert.AreEqual(ExpectedOps(task, activation), file.Nodes.Select(n => n.OpType).ToArray(), context);

                    var sizes = model.LayerSizes;
                    Assert.AreEqual("Pixels:[N,4]", string.Join(";", file.Inputs), context);
                    string k = sizes[^1].ToString();
                    Assert.AreEqual(task == PredictionTask.BinaryClassification ? "Score:[N,1];Probability:[N,1]" : $"Score:[N,{k}]",
                        string.Join(";", file.Outputs), context);

                    var gemms = file.Nodes.Where(n => n.OpType == "Gemm").ToList();
                    Assert.AreEqual("Pixels", gemms[0].Inputs[0], context);
                    var initializers = file.Initializers.ToDictionary(v => v.Name, v => v.ToString());
                    for (int l = 0; l < gemms.Count; l++)
                    {
                        Assert.AreEqual($"{gemms[l].Inputs[1]}:[{sizes[l + 1]},{sizes[l]}]", initializers[gemms[l].Inputs[1]], $"{context}, layer {l} weight");
                        Assert.AreEqual($"{gemms[l].Inputs[2]}:[{sizes[l + 1]}]", initializers[gemms[l].Inputs[2]], $"{context}, layer {l} bias");
                    }
                    foreach (var node in file.Nodes)
                    {
                        string expected = node.OpType switch
                        {
                            "LeakyRelu" => "alpha=0.01",
                            "Softmax" => "axis=1",
                            "Gemm" => "transB=1",
                            _ => "",
                        };
                        Assert.AreEqual(expected, string.Join(",", node.Attributes), $"{context}, {node.OpType}");
                    }
                    var last = file.Nodes[^1];
                    Assert.AreEqual(task == PredictionTask.BinaryClassification ? "Probability" : "Score", last.Outputs.Single(), context);
                    if (task == PredictionTask.BinaryClassification) Assert.AreEqual("Score", last.Inputs.Single(), context);
                }
        }

        [TestMethod]
        public void ExportRejectsBadArgumentsNamingThem()
        {
            var model = FixtureModel(PredictionTask.MulticlassClassification, ActivationKind.ReLU);
            Assert.AreEqual("model", Assert.ThrowsExactly<ArgumentNullException>(() => RiemannianMlpOnnxExport.ExportToOnnx(null!, new MemoryStream())).ParamName);
            Assert.AreEqual("stream", Assert.ThrowsExactly<ArgumentNullException>(() => model.ExportToOnnx(null!)).ParamName);
            var error = Assert.ThrowsExactly<ArgumentException>(() => model.ExportToOnnx(new MemoryStream(new byte[16], writable: false)));
            Assert.AreEqual("stream", error.ParamName);
            Assert.AreEqual("featureColumnName", Assert.ThrowsExactly<ArgumentException>(() => model.ExportToOnnx(new MemoryStream(), "")).ParamName);
            foreach (var taken in new[] { "Score", "layer0_weight", "logits" })
            {
                error = Assert.ThrowsExactly<ArgumentException>(() => model.ExportToOnnx(new MemoryStream(), taken));
                Assert.AreEqual("featureColumnName", error.ParamName);
                StringAssert.Contains(error.Message, $"'{taken}'");
            }
        }

        /// <summary>The node types the XML docs of ExportToOnnx describe, in order.</summary>
        private static string[] ExpectedOps(PredictionTask task, ActivationKind activation)
        {
            string[] nonlinearity = activation switch
            {
                ActivationKind.ReLU => new[] { "Relu" },
                ActivationKind.LeakyReLU => new[] { "LeakyRelu" },
                ActivationKind.Tanh => new[] { "Tanh" },
                ActivationKind.Sigmoid => new[] { "Sigmoid" },
                _ => new[] { "Div", "Erf", "Add", "Mul", "Mul" },
            };
            var ops = Hidden.SelectMany(_ => nonlinearity.Prepend("Gemm")).Append("Gemm");
            return task switch
            {
                PredictionTask.MulticlassClassification => ops.Append("Softmax").ToArray(),
                PredictionTask.BinaryClassification => ops.Append("Sigmoid").ToArray(),
                _ => ops.ToArray(),
            };
        }

        private static byte[] Export(RiemannianMlpModelParameters model, string featureColumnName = "Features")
        {
            using var stream = new MemoryStream();
            model.ExportToOnnx(stream, featureColumnName);
            return stream.ToArray();
        }

        // A 4-16-8-K network with unit-scale random weights: larger activations than a briefly trained one.
        private static RiemannianMlpModelParameters FixtureModel(PredictionTask task, ActivationKind activation)
        {
            var (sizes, weights, biases) = ModelFixtures.RandomNetwork(task == PredictionTask.MulticlassClassification ? 3 : 1, seed: 5, Hidden);
            return new RiemannianMlpModelParameters(new MLContext(seed: 1), task, activation, sizes, weights, biases, "Identity", Array.Empty<EpochSummary>());
        }

        /// <summary>
        /// A 16-8 network trained for 10 epochs on the committed data for the task, with its featurized data and that data
        /// scored by ML.NET. (After 2 epochs the Boston networks still cancel large hidden terms, so that both float32 scorers
        /// sit ~1.5e-5 from a double-precision reference and 6.7e-6·(1 + |y|) from each other: the bar measures that
        /// network's conditioning rather than the export.)
        /// </summary>
        private static (IDataView Features, IDataView Scored, RiemannianMlpModelParameters Model) Train(MLContext ml, PredictionTask task, ActivationKind activation)
        {
            T Configure<T>(T options) where T : RiemannianMlpTrainerOptions
            {
                options.HiddenLayerSizes = Hidden;
                options.Activation = activation;
                options.NumberOfEpochs = 10;
                options.Seed = 1;
                return options;
            }
            static IDataView Featurize(IEstimator<ITransformer> featurizer, IDataView raw) => featurizer.Fit(raw).Transform(raw);

            switch (task)
            {
                case PredictionTask.MulticlassClassification:
                    var digits = Featurize(ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.Concatenate("Features", "Pixels"))
                        .Append(ml.Transforms.NormalizeMinMax("Features")), SampleData.Digits(ml));
                    var multiclass = ml.MulticlassClassification.Trainers.RiemannianMlp(Configure(new RiemannianMlpMulticlassTrainer.Options())).Fit(digits);
                    return (digits, multiclass.Transform(digits), multiclass.Model);
                case PredictionTask.BinaryClassification:
                    var tumors = Featurize(ml.Transforms.Concatenate("Features", "Measurements").Append(ml.Transforms.NormalizeMinMax("Features")),
                        SampleData.BreastCancer(ml));
                    var binary = ml.BinaryClassification.Trainers.RiemannianMlp(Configure(new RiemannianMlpBinaryTrainer.Options())).Fit(tumors);
                    return (tumors, binary.Transform(tumors), binary.Model);
                default:
                    var houses = Featurize(ml.Transforms.Concatenate("Features", "Attributes").Append(ml.Transforms.NormalizeMeanVariance("Features")),
                        SampleData.BostonHousing(ml));
                    var regression = ml.Regression.Trainers.RiemannianMlp(Configure(new RiemannianMlpRegressionTrainer.Options())).Fit(houses);
                    return (houses, regression.Transform(houses), regression.Model);
            }
        }

        private static float Single(float[] row)
        {
            Assert.AreEqual(1, row.Length, "a [N, 1] output gives one value per row");
            return row[0];
        }

        private static double CheckProbability(double expected, float actual, string context)
        {
            double difference = Math.Abs(expected - actual);
            Assert.IsTrue(difference <= Tolerance, $"{context}: expected {expected}, ONNX {actual} (difference {difference:E2})");
            return difference;
        }

        // Returns the difference relative to 1 + |expected|, the quantity the tolerance bounds.
        private static double CheckValue(double expected, float actual, string context)
        {
            double difference = Math.Abs(expected - actual) / (1 + Math.Abs(expected));
            Assert.IsTrue(difference <= Tolerance, $"{context}: expected {expected}, ONNX {actual} (relative difference {difference:E2})");
            return difference;
        }

        /// <summary>
        /// The parts of an ONNX ModelProto these tests check, read with Google.Protobuf (not the exporter's writer);
        /// field numbers from onnx/onnx.proto.
        /// </summary>
        private sealed record OnnxFile(long IrVersion, List<(string Domain, long Version)> Opsets, List<OnnxFile.Node> Nodes,
            List<OnnxFile.Value> Inputs, List<OnnxFile.Value> Outputs, List<OnnxFile.Value> Initializers)
        {
            public sealed record Node(string OpType, List<string> Inputs, List<string> Outputs, List<string> Attributes);

            /// <summary>A graph input or output ("name:[N,4]") or an initializer ("name:[5,4]").</summary>
            public sealed record Value(string Name, List<string> Shape)
            {
                public override string ToString() => $"{Name}:[{string.Join(",", Shape)}]";
            }

            public static OnnxFile Read(byte[] bytes)
            {
                var file = new OnnxFile(0, new(), new(), new(), new(), new());
                long ir = 0;
                Fields(ByteString.CopyFrom(bytes), (field, input) =>
                {
                    switch (field)
                    {
                        case 1: ir = input.ReadInt64(); break;                         // ModelProto.ir_version
                        case 7: Fields(input.ReadBytes(), (f, g) => ReadGraph(file, f, g)); break; // ModelProto.graph
                        case 8:                                                        // ModelProto.opset_import
                            string domain = ""; long version = 0;
                            Fields(input.ReadBytes(), (f, o) => { if (f == 1) domain = o.ReadString(); else if (f == 2) version = o.ReadInt64(); else o.SkipLastField(); });
                            file.Opsets.Add((domain, version));
                            break;
                        default: input.SkipLastField(); break;
                    }
                });
                return file with { IrVersion = ir };
            }

            private static void ReadGraph(OnnxFile file, int field, CodedInputStream input)
            {
                switch (field)
                {
                    case 1: file.Nodes.Add(ReadNode(input.ReadBytes())); break;   // GraphProto.node
                    case 5:                                                       // GraphProto.initializer (TensorProto)
                        string name = ""; var dims = new List<string>();
                        Fields(input.ReadBytes(), (f, t) => { if (f == 1) dims.Add(t.ReadInt64().ToString()); else if (f == 8) name = t.ReadString(); else t.SkipLastField(); });
                        file.Initializers.Add(new Value(name, dims));
                        break;
                    case 11: file.Inputs.Add(ReadValueInfo(input.ReadBytes())); break;  // GraphProto.input
                    case 12: file.Outputs.Add(ReadValueInfo(input.ReadBytes())); break; // GraphProto.output
                    default: input.SkipLastField(); break;
                }
            }

            private static Node ReadNode(ByteString bytes)
            {
                var node = new Node("", new(), new(), new());
                string opType = "";
                Fields(bytes, (field, input) =>
                {
                    switch (field)
                    {
                        case 1: node.Inputs.Add(input.ReadString()); break;   // NodeProto.input
                        case 2: node.Outputs.Add(input.ReadString()); break;  // NodeProto.output
                        case 4: opType = input.ReadString(); break;           // NodeProto.op_type
                        case 5:                                               // NodeProto.attribute: name, f (2), i (3)
                            string name = "", value = "";
                            Fields(input.ReadBytes(), (f, a) =>
                            {
                                if (f == 1) name = a.ReadString();
                                else if (f == 2) value = a.ReadFloat().ToString("R", System.Globalization.CultureInfo.InvariantCulture);
                                else if (f == 3) value = a.ReadInt64().ToString();
                                else a.SkipLastField();
                            });
                            node.Attributes.Add($"{name}={value}");
                            break;
                        default: input.SkipLastField(); break;
                    }
                });
                return node with { OpType = opType };
            }

            // ValueInfoProto.name (1), .type (2) → TypeProto.tensor_type (1) → .elem_type (1, must be FLOAT), .shape (2)
            // → TensorShapeProto.dim (1) → Dimension.dim_value (1) or .dim_param (2).
            private static Value ReadValueInfo(ByteString bytes)
            {
                string name = "";
                var shape = new List<string>();
                Fields(bytes, (field, input) =>
                {
                    if (field == 1) name = input.ReadString();
                    else if (field == 2)
                        Fields(input.ReadBytes(), (f, type) =>
                        {
                            if (f != 1) { type.SkipLastField(); return; }
                            Fields(type.ReadBytes(), (g, tensor) =>
                            {
                                if (g == 1) Assert.AreEqual(1, tensor.ReadInt32(), "element type FLOAT");
                                else if (g == 2) Fields(tensor.ReadBytes(), (h, dims) => Fields(dims.ReadBytes(), (d, dim) =>
                                {
                                    if (d == 1) shape.Add(dim.ReadInt64().ToString());
                                    else if (d == 2) shape.Add(dim.ReadString());
                                    else dim.SkipLastField();
                                }));
                                else tensor.SkipLastField();
                            });
                        });
                    else input.SkipLastField();
                });
                return new Value(name, shape);
            }

            private static void Fields(ByteString message, Action<int, CodedInputStream> read)
            {
                var input = message.CreateCodedInput();
                for (uint tag; (tag = input.ReadTag()) != 0;) read(WireFormat.GetTagFieldNumber(tag), input);
            }
        }
    }
}
