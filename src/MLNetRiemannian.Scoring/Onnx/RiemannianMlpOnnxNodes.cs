using System;
using System.Linq;
using Microsoft.ML.Model.OnnxConverter;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;

namespace MLNetRiemannian.Onnx
{
    /// <summary>
    /// The network as ONNX nodes in the graph ML.NET's <c>ConvertToOnnx</c> builds for a whole pipeline: the model's part
    /// of <c>IBindableCanSaveOnnx.SaveAsOnnx</c>. The scorer that wraps the model has already named the outputs (its
    /// columns); this writes the nodes that compute them from the feature column's ONNX variable.
    /// </summary>
    /// <remarks>
    /// The input scaling when the model has one (<c>Sub</c>, <c>Mul</c> and the smooth clip), then the learned input scale
    /// when it has one (a <c>Mul</c> by <c>RiemannianMlp.input.factors</c>). Per dense layer <c>l</c> a <c>Gemm</c> (<c>transB = 1</c>: W stays row-major <c>[out, in]</c> as the model holds it)
    /// with initializers <c>RiemannianMlp.layer{l}.weight</c> and <c>.bias</c>; after every layer but the last the
    /// activation: <c>Relu</c>, <c>LeakyRelu</c> (<c>alpha = 0.01</c>), <c>Tanh</c>, <c>Sigmoid</c>, or the exact GELU
    /// <c>x · ½(1 + erf(x/√2))</c> from <c>Div</c>, <c>Erf</c>, <c>Add</c>, <c>Mul</c>, <c>Mul</c> (the GELU operator only
    /// exists from opset 20; the converter writes opsets 9 to 12). Then, per task, the columns ML.NET's scorer expects:
    /// multiclass <c>Score = Softmax(z)</c> and <c>PredictedLabel = Cast&lt;uint32&gt;(ArgMax(Score) + 1)</c> (a key's raw
    /// value is the 1-based class index, as for ML.NET's own multiclass models, so MapKeyToValue maps it to the class
    /// name); binary <c>Score = z</c> and <c>Probability = Sigmoid(z)</c> (the binary scorer adds PredictedLabel itself,
    /// Score &gt; 0); regression <c>Score = z</c>. Every operator is in ai.onnx opset 9, the converter's minimum.
    /// </remarks>
    internal static class RiemannianMlpOnnxNodes
    {
        private const int MinimumOpset = 9; // Erf, the newest operator used, entered ai.onnx at opset 9
        private const string Prefix = "RiemannianMlp.";

        /// <summary>
        /// Writes the nodes computing <paramref name="outputNames"/> from the ONNX variable <paramref name="features"/>
        /// (float <c>[N, F]</c>, F the model's <see cref="RiemannianMlpModelParameters.FeatureCount"/>).
        /// </summary>
        /// <param name="ctx">The graph the converter is building.</param>
        /// <param name="model">The network to write.</param>
        /// <param name="features">The ONNX variable holding the feature column.</param>
        /// <param name="outputNames">The scorer's ONNX variables for its columns, in the scorer's order: multiclass
        /// [PredictedLabel, Score], binary [PredictedLabel, Score, Probability] (PredictedLabel written by the scorer),
        /// regression [Score].</param>
        /// <exception cref="InvalidOperationException">The scorer asks for a different set of columns than the model's task has.</exception>
        public static void Write(OnnxContext ctx, RiemannianMlpModelParameters model, string features, string[] outputNames)
        {
            ctx.CheckOpSetVersion(MinimumOpset, "RiemannianMlp");
            int expected = model.Task switch
            {
                PredictionTask.MulticlassClassification => 2,
                PredictionTask.BinaryClassification => 3,
                _ => 1,
            };
            if (outputNames is null || outputNames.Length != expected)
                throw new InvalidOperationException(
                    $"A {model.Task} RiemannianMlp model writes {expected} ONNX output column(s), but the scorer asked for "
                    + $"{outputNames?.Length ?? 0} ({string.Join(", ", outputNames ?? Array.Empty<string>())}).");

            string score = model.Task == PredictionTask.Regression ? outputNames[0] : outputNames[1];
            string z = Network(ctx, model, features, model.Task == PredictionTask.MulticlassClassification ? null : score);
            switch (model.Task)
            {
                case PredictionTask.MulticlassClassification:
                    Node(ctx, "Softmax", z, score).AddAttribute("axis", 1L);
                    string index = Intermediate(ctx, "argmax");
                    var argMax = Node(ctx, "ArgMax", score, index);
                    argMax.AddAttribute("axis", 1L);
                    argMax.AddAttribute("keepdims", 1L);
                    string key = Intermediate(ctx, "key");
                    Node(ctx, "Add", new[] { index, ctx.AddInitializer(1L, Prefix + "oneInt64") }, key);
                    Node(ctx, "Cast", key, outputNames[0]).AddAttribute("to", typeof(uint));
                    break;
                case PredictionTask.BinaryClassification:
                    Node(ctx, "Sigmoid", score, outputNames[2]);
                    break;
            }
        }

        // The dense layers and activations; the last layer's z goes to `output` when given, else to a new variable.
        private static string Network(OnnxContext ctx, RiemannianMlpModelParameters model, string features, string? output)
        {
            var sizes = model.LayerSizes;
            int layers = sizes.Count - 1;
            string h = model.InputScaling is { } scaling ? Scaled(ctx, scaling, features) : features;
            if (model.InputEncoding is { } encoding) h = Encoded(ctx, encoding, h);
            if (model.InputScale is { } scale)
            {
                // The learned input scale s ⊙ x: one Mul by an initializer [LayerSizes[0]], broadcast over the rows.
                string scaled = Intermediate(ctx, "input.learnedScale");
                Node(ctx, "Mul", new[] { h, ctx.AddInitializer(scale.Factors.ToArray(), new long[] { scale.Width }, Prefix + "input.factors") }, scaled);
                h = scaled;
            }
            for (int l = 0; l < layers; l++)
            {
                bool last = l == layers - 1;
                string weight = ctx.AddInitializer(model.GetWeights(l).ToArray(), new long[] { sizes[l + 1], sizes[l] }, $"{Prefix}layer{l}.weight");
                string bias = ctx.AddInitializer(model.GetBias(l).ToArray(), new long[] { sizes[l + 1] }, $"{Prefix}layer{l}.bias");
                string z = last && output is not null ? output : Intermediate(ctx, $"layer{l}.linear");
                Node(ctx, "Gemm", new[] { h, weight, bias }, z).AddAttribute("transB", 1L);
                h = last ? z : Activation(ctx, model.Activation, z, $"layer{l}");
            }
            return h;
        }

        // The input scaling, as the managed scorer computes it (Model/InputScaling.cs): z = (x − center)·scale, then
        // z / √(1 + z²/B²).
        private static string Scaled(OnnxContext ctx, InputScaling scaling, string features)
        {
            long[] shape = { scaling.Width };
            string centered = Intermediate(ctx, "input.centered");
            Node(ctx, "Sub", new[] { features, ctx.AddInitializer(scaling.Center.ToArray(), shape, Prefix + "input.center") }, centered);
            string z = Intermediate(ctx, "input.scaled");
            Node(ctx, "Mul", new[] { centered, ctx.AddInitializer(scaling.Scale.ToArray(), shape, Prefix + "input.scale") }, z);
            string square = Intermediate(ctx, "input.square");
            Node(ctx, "Mul", new[] { z, z }, square);
            string ratio = Intermediate(ctx, "input.ratio");
            Node(ctx, "Mul", new[] { square, ctx.AddInitializer(1f / (scaling.ClipBound * scaling.ClipBound), Prefix + "input.inverseBoundSquared") }, ratio);
            string plusOne = Intermediate(ctx, "input.plusOne");
            Node(ctx, "Add", new[] { ratio, ctx.AddInitializer(1f, Prefix + "input.one") }, plusOne);
            string root = Intermediate(ctx, "input.root");
            Node(ctx, "Sqrt", plusOne, root);
            string clipped = Intermediate(ctx, "input.clipped");
            Node(ctx, "Div", new[] { z, root }, clipped);
            return clipped;
        }

        // The input encoding, as the managed scorer computes it (Model/InputEncoding.cs): each network input gathers its
        // feature slot, y = (x − lower)·inverseWidth, then Max and Min with per-input bounds, 0 and 1 where the input is
        // clamped and ∓∞ where it passes x through (there lower = 0 and inverseWidth = 1, so y = x exactly).
        private static string Encoded(OnnxContext ctx, InputEncoding encoding, string features)
        {
            long[] shape = { encoding.Width };
            var source = new long[encoding.Width];
            var low = new float[encoding.Width];
            var high = new float[encoding.Width];
            for (int o = 0; o < encoding.Width; o++)
            {
                source[o] = encoding.Source[o];
                low[o] = encoding.Clipped[o] ? 0 : float.NegativeInfinity;
                high[o] = encoding.Clipped[o] ? 1 : float.PositiveInfinity;
            }
            string gathered = Intermediate(ctx, "input.gathered");
            Node(ctx, "Gather", new[] { features, ctx.AddInitializer(source, shape, Prefix + "input.source") }, gathered).AddAttribute("axis", 1L);
            string shifted = Intermediate(ctx, "input.shifted");
            Node(ctx, "Sub", new[] { gathered, ctx.AddInitializer(encoding.Lower.ToArray(), shape, Prefix + "input.lower") }, shifted);
            string ratio = Intermediate(ctx, "input.binFraction");
            Node(ctx, "Mul", new[] { shifted, ctx.AddInitializer(encoding.InverseWidth.ToArray(), shape, Prefix + "input.inverseWidth") }, ratio);
            string floored = Intermediate(ctx, "input.floored");
            Node(ctx, "Max", new[] { ratio, ctx.AddInitializer(low, shape, Prefix + "input.low") }, floored);
            string encoded = Intermediate(ctx, "input.encoded");
            Node(ctx, "Min", new[] { floored, ctx.AddInitializer(high, shape, Prefix + "input.high") }, encoded);
            return encoded;
        }

        private static string Activation(OnnxContext ctx, ActivationKind activation, string z, string layer)
        {
            string output = Intermediate(ctx, $"{layer}.activation");
            switch (activation)
            {
                case ActivationKind.ReLU:
                    Node(ctx, "Relu", z, output);
                    break;
                case ActivationKind.LeakyReLU:
                    Node(ctx, "LeakyRelu", z, output).AddAttribute("alpha", (double)ManagedMlp.LeakyReluSlope);
                    break;
                case ActivationKind.Tanh:
                    Node(ctx, "Tanh", z, output);
                    break;
                case ActivationKind.Sigmoid:
                    Node(ctx, "Sigmoid", z, output);
                    break;
                case ActivationKind.Gelu:
                    // The exact GELU x·Φ(x) = x · ½(1 + erf(x/√2)), as the managed scorer computes it (Model/ManagedMlp.cs).
                    string scaled = Intermediate(ctx, $"{layer}.gelu.scaled");
                    Node(ctx, "Div", new[] { z, ctx.AddInitializer(MathF.Sqrt(2), Prefix + "sqrt2") }, scaled);
                    string erf = Intermediate(ctx, $"{layer}.gelu.erf");
                    Node(ctx, "Erf", scaled, erf);
                    string twiceCdf = Intermediate(ctx, $"{layer}.gelu.twiceCdf");
                    Node(ctx, "Add", new[] { erf, ctx.AddInitializer(1f, Prefix + "one") }, twiceCdf);
                    string twiceGelu = Intermediate(ctx, $"{layer}.gelu.twice");
                    Node(ctx, "Mul", new[] { z, twiceCdf }, twiceGelu);
                    Node(ctx, "Mul", new[] { twiceGelu, ctx.AddInitializer(0.5f, Prefix + "half") }, output);
                    break;
                default:
                    throw new InvalidOperationException($"Activation {activation} has no ONNX form.");
            }
            return output;
        }

        private static OnnxNode Node(OnnxContext ctx, string opType, string input, string output) => Node(ctx, opType, new[] { input }, output);

        // An ai.onnx node with one output, named after its operator.
        private static OnnxNode Node(OnnxContext ctx, string opType, string[] inputs, string output) =>
            ctx.CreateNode(opType, inputs, new[] { output }, ctx.GetNodeName(Prefix + opType), "");

        // A variable of the model's own (no column of the data view): named under the prefix so that it cannot take the
        // place of a pipeline column in the converter's column-to-variable map; ONNX Runtime infers its shape.
        private static string Intermediate(OnnxContext ctx, string name) => ctx.AddIntermediateVariable(null, Prefix + name, skip: true);
    }
}
