using System;
using System.IO;
using System.Reflection;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Onnx;

namespace MLNetRiemannian.Model
{
    /// <summary>Writes a trained RiemannianMlp network as a standard ONNX model, for ONNX Runtime or any other ONNX runtime.</summary>
    public static class RiemannianMlpOnnxExport
    {
        // Opset 13 (ONNX 1.8, IR version 7) is the oldest operator set whose definitions of every operator used here are
        // the current ones for float tensors, so the widest range of runtimes reads the file; its price is that GELU
        // (an operator only from opset 20) is composed from Erf.
        private const long OpsetVersion = 13;
        private const long IrVersion = 7;
        private const string ScoreName = "Score";
        private const string ProbabilityName = "Probability";

        /// <summary>
        /// Writes <paramref name="model"/> to <paramref name="stream"/> as an ONNX model (ai.onnx opset 13, IR version 7)
        /// whose outputs mean what the ML.NET model's Score and Probability columns mean.
        /// </summary>
        /// <remarks>
        /// <para>
        /// <b>Input</b>: one float32 tensor named <paramref name="featureColumnName"/>, shape <c>[N, F]</c>: N rows (a
        /// symbolic batch dimension named <c>N</c>, any size) of <c>F = LayerSizes[0]</c> features, the same values the
        /// ML.NET model reads from its feature column (apply the same featurization and normalization first).
        /// </para>
        /// <para>
        /// <b>Outputs</b>, float32, one row per input row:
        /// </para>
        /// <list type="table">
        /// <listheader><term>Task</term><description>Outputs</description></listheader>
        /// <item><term>MulticlassClassification</term><description><c>Score</c>, <c>[N, K]</c>: the class probabilities
        /// softmax(z), in the order of the label's key values; the predicted class is the argmax.</description></item>
        /// <item><term>BinaryClassification</term><description><c>Score</c>, <c>[N, 1]</c>: the logit z (positive means
        /// the positive class); <c>Probability</c>, <c>[N, 1]</c>: 1 / (1 + e^{−z}).</description></item>
        /// <item><term>Regression</term><description><c>Score</c>, <c>[N, 1]</c>: the predicted value z.</description></item>
        /// </list>
        /// <para>
        /// The graph: for each dense layer <c>l</c> a <c>Gemm</c> (<c>transB = 1</c>) with the weight initializer
        /// <c>layer{l}_weight</c> <c>[out, in]</c> and bias <c>layer{l}_bias</c> <c>[out]</c>; after every layer but the
        /// last the activation: <c>Relu</c>, <c>LeakyRelu</c> (<c>alpha = 0.01</c>), <c>Tanh</c>, <c>Sigmoid</c>, or for
        /// GELU <c>x · 0.5 · (1 + Erf(x / √2))</c> as <c>Div</c>, <c>Erf</c>, <c>Add</c>, <c>Mul</c>, <c>Mul</c>; then
        /// <c>Softmax</c> (<c>axis = 1</c>) for multiclass or <c>Sigmoid</c> for the binary Probability.
        /// </para>
        /// <para>
        /// The ML.NET columns the file does not hold: PredictedLabel (argmax of Score, or Score &gt; 0 for binary) and
        /// the class names. Scored through ONNX Runtime, the outputs agree with the model's managed scores within 1e-5
        /// (probabilities absolute, regression values relative to 1 + |y|); the tests check it for every task and
        /// activation. The same model and package version always produce the same bytes.
        /// </para>
        /// </remarks>
        /// <param name="model">The trained model, e.g. <c>transformer.Model</c> of the prediction transformer the trainer returned.</param>
        /// <param name="stream">A writable stream; the model is written at its current position and the stream is left open.</param>
        /// <param name="featureColumnName">The name of the ONNX input; default "Features". Use the feature column's name
        /// so that ML.NET's <c>ApplyOnnxModel</c> finds the input by name. It must differ from the output names.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable, or <paramref name="featureColumnName"/>
        /// is empty or the name of a value the graph computes (such as "Score").</exception>
        public static void ExportToOnnx(this RiemannianMlpModelParameters model, Stream stream, string featureColumnName = "Features")
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (stream is null) throw new ArgumentNullException(nameof(stream));
            if (!stream.CanWrite) throw new ArgumentException($"The stream ({stream.GetType().Name}) is not writable.", nameof(stream));
            if (featureColumnName is null) throw new ArgumentNullException(nameof(featureColumnName));
            if (featureColumnName.Length == 0) throw new ArgumentException("The feature column name is empty; the ONNX input needs a name.", nameof(featureColumnName));

            var graph = new OnnxGraph();
            var sizes = model.LayerSizes;
            int layers = sizes.Count - 1;
            string h = featureColumnName;
            for (int l = 0; l < layers; l++)
            {
                bool last = l == layers - 1;
                string weight = graph.AddInitializer($"layer{l}_weight", model.GetWeights(l), sizes[l + 1], sizes[l]);
                string bias = graph.AddInitializer($"layer{l}_bias", model.GetBias(l), sizes[l + 1]);
                // Gemm computes h·Wᵀ + b for a batch of rows h, with W as stored: row-major [out, in].
                string linear = last ? OutputLayerName(model.Task) : $"layer{l}_linear";
                string z = graph.AddNode("Gemm", new[] { h, weight, bias }, linear, OnnxAttribute.Of("transB", 1L));
                h = last ? z : AddActivation(graph, model.Activation, z, $"layer{l}");
            }

            switch (model.Task)
            {
                case PredictionTask.MulticlassClassification:
                    graph.AddNode("Softmax", new[] { h }, ScoreName, OnnxAttribute.Of("axis", 1L));
                    graph.AddOutput(ScoreName, OnnxGraph.Batch, sizes[layers]);
                    break;
                case PredictionTask.BinaryClassification:
                    graph.AddNode("Sigmoid", new[] { h }, ProbabilityName);
                    graph.AddOutput(ScoreName, OnnxGraph.Batch, 1);
                    graph.AddOutput(ProbabilityName, OnnxGraph.Batch, 1);
                    break;
                default:
                    graph.AddOutput(ScoreName, OnnxGraph.Batch, 1);
                    break;
            }

            if (graph.Defines(featureColumnName))
                throw new ArgumentException($"The feature column name '{featureColumnName}' is also the name of a value the ONNX graph computes; export under another name.", nameof(featureColumnName));
            graph.AddInput(featureColumnName, OnnxGraph.Batch, sizes[0]);

            var assembly = typeof(RiemannianMlpOnnxExport).Assembly;
            string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? assembly.GetName().Version?.ToString() ?? "";
            string description = $"RiemannianMlp {string.Join("-", sizes)} ({model.Activation}), {model.Task}. Input '{featureColumnName}' [N, {sizes[0]}]; "
                + model.Task switch
                {
                    PredictionTask.MulticlassClassification => $"output Score [N, {sizes[layers]}], the class probabilities.",
                    PredictionTask.BinaryClassification => "outputs Score [N, 1], the logit, and Probability [N, 1], its sigmoid.",
                    _ => "output Score [N, 1], the predicted value.",
                };
            graph.WriteModel(stream, IrVersion, OpsetVersion, "RiemannianMlp", "MLNetRiemannian", version, description);
        }

        // The last Gemm writes the binary and regression Score directly; the multiclass logits go on to Softmax.
        private static string OutputLayerName(PredictionTask task) => task == PredictionTask.MulticlassClassification ? "logits" : ScoreName;

        private static string AddActivation(OnnxGraph graph, ActivationKind activation, string z, string layer)
        {
            string output = $"{layer}_activation";
            switch (activation)
            {
                case ActivationKind.ReLU:
                    return graph.AddNode("Relu", new[] { z }, output);
                case ActivationKind.LeakyReLU:
                    return graph.AddNode("LeakyRelu", new[] { z }, output, OnnxAttribute.Of("alpha", ManagedMlp.LeakyReluSlope));
                case ActivationKind.Tanh:
                    return graph.AddNode("Tanh", new[] { z }, output);
                case ActivationKind.Sigmoid:
                    return graph.AddNode("Sigmoid", new[] { z }, output);
                case ActivationKind.Gelu:
                    // The exact GELU x·Φ(x) = x · ½(1 + erf(x/√2)), as the managed scorer computes it (Model/ManagedMlp.cs).
                    string scaled = graph.AddNode("Div", new[] { z, Scalar(graph, "sqrt2", MathF.Sqrt(2)) }, $"{layer}_gelu_scaled");
                    string erf = graph.AddNode("Erf", new[] { scaled }, $"{layer}_gelu_erf");
                    string twiceCdf = graph.AddNode("Add", new[] { erf, Scalar(graph, "one", 1) }, $"{layer}_gelu_twice_cdf");
                    string twiceGelu = graph.AddNode("Mul", new[] { z, twiceCdf }, $"{layer}_gelu_twice");
                    return graph.AddNode("Mul", new[] { twiceGelu, Scalar(graph, "half", 0.5f) }, output);
                default:
                    throw new InvalidOperationException($"Activation {activation} has no ONNX export.");
            }
        }

        // A scalar constant, written once however many layers use it.
        private static string Scalar(OnnxGraph graph, string name, float value) =>
            graph.Defines(name) ? name : graph.AddInitializer(name, new[] { value });
    }
}
