using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Model.OnnxConverter;
using Microsoft.ML.Runtime;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;
using MLNetRiemannian.Onnx;

[assembly: LoadableClass(typeof(RiemannianMlpModelParameters), null, typeof(SignatureLoadModel),
    "Riemannian MLP", RiemannianMlpModelParameters.LoaderSignature)]

namespace MLNetRiemannian.Model
{
    /// <summary>
    /// A trained RiemannianMlp network as ML.NET sees it: the model inside the
    /// <see cref="MulticlassPredictionTransformer{TModel}"/>, <see cref="BinaryPredictionTransformer{TModel}"/> or
    /// <see cref="RegressionPredictionTransformer{TModel}"/> the trainer returns. It scores with a managed forward pass
    /// (no TorchSharp, no libtorch), is immutable and safe to share between threads, and saves into ML.NET's model zip.
    /// </summary>
    /// <remarks>
    /// Scoring function, with <c>h₀ = x</c>, <c>h_l = σ(W_l h_{l−1} + b_l)</c> for the hidden layers and
    /// <c>z = W_L h_{L−1} + b_L</c>: multiclass Score = softmax(z) (the class probabilities), binary Score = z (the
    /// logit) with Probability = 1 / (1 + e^{−z}), regression Score = z.
    /// It lives in the MLNetRiemannian.Scoring package, which the trainer package depends on: saved zips name that assembly
    /// as their loader, so an app that only scores references MLNetRiemannian.Scoring alone (no TorchSharp, no libtorch).
    /// A pipeline holding the model converts to ONNX as a whole with <c>mlContext.Model.ConvertToOnnx</c> (package
    /// Microsoft.ML.OnnxConverter), with the columns above under ML.NET's names, and so does OneVersusAll over the binary
    /// trainer; the graph is described in Onnx/RiemannianMlpOnnxNodes.cs.
    /// </remarks>
    public sealed class RiemannianMlpModelParameters :
        IDistPredictorProducing<float, float>, IPredictorProducing<VBuffer<float>>, IValueMapperDist, ISchemaBindableMapper, ICanSaveModel,
        IBindableCanSaveOnnx, ISingleCanSaveOnnx
    {
        /// <summary>
        /// The name ML.NET finds <see cref="Create"/> by, among the loadable classes of the loader assembly a zip names:
        /// this assembly, MLNetRiemannian.Scoring, for every model saved since the scoring code has a package of its own.
        /// </summary>
        internal const string LoaderSignature = "RiemannianMlpScoring";

        /// <summary>
        /// The name zips saved before the split carry, with MLNetRiemannian as their loader assembly. The trainer
        /// assembly registers it (src/MLNetRiemannian/Interop/PreSplitModelLoader.cs): a name of its own, because ML.NET
        /// refuses to register one name twice when an app loads models of both kinds into one MLContext.
        /// </summary>
        internal const string PreSplitLoaderSignature = "RiemannianMlpModel";
        internal const string StreamName = "RiemannianMlp.bin";

        private readonly ManagedMlp _network;
        private readonly VectorDataViewType _inputType;
        private readonly DataViewType _outputType;

        /// <summary>Builds a model from trained weights, validating every shape; the arrays are copied.</summary>
        /// <param name="env">The ML.NET environment (checked, not kept: the model needs no services to score).</param>
        /// <param name="task">What the network predicts; fixes the output head and the required output width.</param>
        /// <param name="activation">The nonlinearity after every layer but the last.</param>
        /// <param name="layerSizes">Widths, input first; at least two entries, all positive.</param>
        /// <param name="weights">Per layer <c>l</c>, W row-major <c>[layerSizes[l + 1], layerSizes[l]]</c>.</param>
        /// <param name="biases">Per layer <c>l</c>, b of length <c>layerSizes[l + 1]</c>.</param>
        /// <param name="outputMetric">How the output metric used in training is described, e.g. "Identity".</param>
        /// <param name="history">The training history, one entry per epoch (may be empty).</param>
        /// <param name="labelStandardization">
        /// Regression only: the label standardization already folded into the last layer's weights and bias; null when
        /// the network was trained on the label as given.
        /// </param>
        /// <param name="outcome">How training ended; null when unknown (a model saved before format version 4, or built by hand).</param>
        /// <param name="inputScaling">The map applied to the input before the first layer; null when the network takes the features as given.</param>
        /// <param name="inputScale">The learned factors applied after <paramref name="inputEncoding"/>, before the first layer; null for none.</param>
        /// <param name="inputEncoding">The encoding of the (scaled) feature slots into the network's <c>layerSizes[0]</c> inputs; null for none.</param>
        internal RiemannianMlpModelParameters(IHostEnvironment env, PredictionTask task, ActivationKind activation, int[] layerSizes,
            float[][] weights, float[][] biases, string outputMetric, IReadOnlyList<EpochSummary> history,
            LabelStandardization? labelStandardization = null, TrainingOutcome? outcome = null, InputScaling? inputScaling = null, InputScale? inputScale = null,
            InputEncoding? inputEncoding = null)
        {
            if (env is null) throw new ArgumentNullException(nameof(env));
            if (!Enum.IsDefined(task)) throw new ArgumentOutOfRangeException(nameof(task), task, "Unknown prediction task.");
            if (!Enum.IsDefined(activation)) throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
            CheckShapes(task, layerSizes, weights, biases);
            if (outputMetric is null) throw new ArgumentNullException(nameof(outputMetric));
            if (history is null) throw new ArgumentNullException(nameof(history));
            for (int i = 0; i < history.Count; i++)
                if (history[i] is null) throw new ArgumentException($"History entry {i} is null.", nameof(history));
            if (labelStandardization is { } standardization)
            {
                if (task != PredictionTask.Regression)
                    throw new ArgumentException($"A {task} model has no label standardization; only regression standardizes its label.", nameof(labelStandardization));
                if (!double.IsFinite(standardization.Mean) || !(standardization.Scale > 0) || !double.IsFinite(standardization.Scale))
                    throw new ArgumentException($"The label standardization needs a finite mean and a positive, finite scale; got mean {standardization.Mean}, scale {standardization.Scale}.", nameof(labelStandardization));
            }
            if (outcome is not null && (!Enum.IsDefined(outcome.Reason) || outcome.Epoch < 1 || outcome.Step < 0 || outcome.KeptEpoch is < 1 || outcome.KeptEpoch > outcome.Epoch))
                throw new ArgumentException($"The training outcome {outcome} is impossible: it needs a known reason, an epoch of at least 1, a step of at least 0 and a kept epoch from 1 to its epoch.", nameof(outcome));

            if (inputEncoding is not null && inputEncoding.Width != layerSizes[0])
                throw new ArgumentException($"The input encoding writes {inputEncoding.Width} slots but the network takes {layerSizes[0]} inputs.", nameof(inputEncoding));
            int features = inputEncoding?.InputWidth ?? layerSizes[0];
            if (inputScaling is not null && inputScaling.Width != features)
                throw new ArgumentException($"The input scaling maps {inputScaling.Width} slots but the model takes {features} features.", nameof(inputScaling));
            if (inputScale is not null && inputScale.Width != layerSizes[0])
                throw new ArgumentException($"The input scale has {inputScale.Width} factors but the network takes {layerSizes[0]} features.", nameof(inputScale));

            Task = task;
            OutputMetric = outputMetric;
            LabelStandardization = labelStandardization;
            Outcome = outcome;
            History = new ReadOnlyCollection<EpochSummary>(new List<EpochSummary>(history));
            var sizes = (int[])layerSizes.Clone();
            LayerSizes = Array.AsReadOnly(sizes);
            _network = new ManagedMlp(sizes, Array.ConvertAll(weights, w => (float[])w.Clone()), Array.ConvertAll(biases, b => (float[])b.Clone()), activation, inputScaling, inputScale, inputEncoding);
            _inputType = new VectorDataViewType(NumberDataViewType.Single, _network.InputSize);
            _outputType = task == PredictionTask.MulticlassClassification
                ? new VectorDataViewType(NumberDataViewType.Single, _network.OutputSize)
                : NumberDataViewType.Single;
        }

        /// <summary>What the network predicts.</summary>
        public PredictionTask Task { get; }

        /// <summary>
        /// Widths of the network, input first: dense layer <c>l</c> (0-based) maps <c>LayerSizes[l]</c> features to
        /// <c>LayerSizes[l + 1]</c>; the last entry is the number of classes (multiclass) or 1.
        /// </summary>
        public IReadOnlyList<int> LayerSizes { get; }

        /// <summary>The nonlinearity after every dense layer but the last.</summary>
        public ActivationKind Activation => _network.Activation;

        /// <summary>The output metric the optimizer used, as text (e.g. "Identity", "GaussNewton(ε=0.1)").</summary>
        public string OutputMetric { get; }

        /// <summary>
        /// Regression: the mean and scale the trainer standardized the label with, already folded into the last layer
        /// (its <see cref="GetWeights"/> and <see cref="GetBias"/> and every score are in the label's units). Null for
        /// classification and for models saved before format version 4, which trained on the label as given.
        /// </summary>
        public LabelStandardization? LabelStandardization { get; }

        /// <summary>
        /// The per-feature scaling and smooth clipping applied to the features before the first layer (the trainer's
        /// <c>InputScaling</c> option), learned from the training rows; null when the network takes the features as given
        /// (and for models saved before format version 5). <see cref="GetWeights"/> of layer 0 acts on the scaled features.
        /// </summary>
        public InputScaling? InputScaling => _network.InputScaling;

        /// <summary>
        /// The learned per-feature factors applied after <see cref="InputScaling"/> and before the first layer (the trainer's
        /// <c>LearnInputScale</c> option); null when the model has none (and for models saved before format version 6).
        /// <see cref="GetWeights"/> of layer 0 acts on the features so scaled: the factors are not folded into it, so a warm
        /// start can continue training them.
        /// </summary>
        public InputScale? InputScale => _network.InputScale;

        /// <summary>
        /// The piecewise linear encoding of the features after <see cref="InputScaling"/> (the trainer's <c>InputEncoding</c>
        /// option): it maps the feature column's <see cref="InputEncoding.InputWidth"/> slots to the network's
        /// <c>LayerSizes[0]</c> inputs, on which <see cref="InputScale"/> and layer 0's <see cref="GetWeights"/> act. Null when
        /// the network takes the features one slot each (and for models saved before format version 7).
        /// </summary>
        public InputEncoding? InputEncoding => _network.InputEncoding;

        /// <summary>The width of the feature column the model scores: <c>LayerSizes[0]</c>, or the encoding's input width.</summary>
        public int FeatureCount => _network.InputSize;

        /// <summary>
        /// The class names (the label key's values, in key order) of the multiclass data the trainer fitted this model on,
        /// so that a warm start on a label map that orders them otherwise is refused; held in memory only (the model format
        /// does not store them), so null for a loaded model, for the other tasks and for keys without values.
        /// </summary>
        internal IReadOnlyList<string>? ClassNames { get; init; }

        /// <summary>The training history, one entry per completed epoch in order (an epoch a stop interrupted is not among them; see <see cref="Outcome"/>).</summary>
        public IReadOnlyList<EpochSummary> History { get; }

        /// <summary>
        /// How training ended (all epochs, early stopping, or the options' <c>StopToken</c>, with the epoch and step) and which
        /// epoch's parameters the model holds. Null for models saved before format version 4, and for the constant model a
        /// binary trainer returns for a training set of one class (no training runs).
        /// </summary>
        public TrainingOutcome? Outcome { get; }

        /// <summary>
        /// The weight matrix W of dense layer <paramref name="layer"/>, row-major <c>[out, in]</c> with
        /// <c>out = LayerSizes[layer + 1]</c> and <c>in = LayerSizes[layer]</c>: row <c>o</c> holds the weights into output <c>o</c>.
        /// </summary>
        /// <param name="layer">0 ≤ layer &lt; <c>LayerSizes.Count − 1</c>.</param>
        public ReadOnlySpan<float> GetWeights(int layer) => _network.Weights(CheckLayer(layer));

        /// <summary>The bias b of dense layer <paramref name="layer"/>, <c>LayerSizes[layer + 1]</c> values.</summary>
        /// <param name="layer">0 ≤ layer &lt; <c>LayerSizes.Count − 1</c>.</param>
        public ReadOnlySpan<float> GetBias(int layer) => _network.Bias(CheckLayer(layer));

        internal ManagedMlp Network => _network;

        private int CheckLayer(int layer) =>
            (uint)layer < (uint)_network.LayerCount ? layer
            : throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The network has {_network.LayerCount} dense layers (0 to {_network.LayerCount - 1}).");

        private static void CheckShapes(PredictionTask task, int[] sizes, float[][] weights, float[][] biases)
        {
            if (sizes is null) throw new ArgumentNullException("layerSizes");
            if (sizes.Length < 2) throw new ArgumentException($"Need at least an input and an output width, got {sizes.Length} layer sizes.", "layerSizes");
            for (int i = 0; i < sizes.Length; i++)
                if (sizes[i] <= 0) throw new ArgumentException($"Layer size {i} is {sizes[i]}; widths must be positive.", "layerSizes");
            int outputs = sizes[^1];
            if (task == PredictionTask.MulticlassClassification ? outputs < 2 : outputs != 1)
                throw new ArgumentException($"A {task} network needs {(task == PredictionTask.MulticlassClassification ? "at least 2 outputs" : "1 output")}, got {outputs}.", "layerSizes");
            if (weights is null) throw new ArgumentNullException(nameof(weights));
            if (biases is null) throw new ArgumentNullException(nameof(biases));
            int layers = sizes.Length - 1;
            if (weights.Length != layers) throw new ArgumentException($"{layers} layers need {layers} weight matrices, got {weights.Length}.", nameof(weights));
            if (biases.Length != layers) throw new ArgumentException($"{layers} layers need {layers} bias vectors, got {biases.Length}.", nameof(biases));
            for (int l = 0; l < layers; l++)
            {
                long expected = (long)sizes[l + 1] * sizes[l];
                if (weights[l] is null || weights[l].Length != expected)
                    throw new ArgumentException($"Layer {l} is {sizes[l + 1]} x {sizes[l]}: its weights need {expected} values, got {weights[l]?.Length.ToString() ?? "null"}.", nameof(weights));
                if (biases[l] is null || biases[l].Length != sizes[l + 1])
                    throw new ArgumentException($"Layer {l} has {sizes[l + 1]} outputs: its bias needs {sizes[l + 1]} values, got {biases[l]?.Length.ToString() ?? "null"}.", nameof(biases));
            }
        }

        // ---- Scoring through ML.NET (IValueMapper, IValueMapperDist, ISchemaBindableMapper) ----

        PredictionKind IPredictor.PredictionKind => Task switch
        {
            PredictionTask.MulticlassClassification => PredictionKind.MulticlassClassification,
            PredictionTask.BinaryClassification => PredictionKind.BinaryClassification,
            _ => PredictionKind.Regression,
        };

        DataViewType IValueMapper.InputType => _inputType;

        DataViewType IValueMapper.OutputType => _outputType;

        // Only binary models have a distribution (the probability); ML.NET asks for it only when the bindable mapper is
        // the binary one, which Bind chooses for binary models alone.
        DataViewType IValueMapperDist.DistType => Task == PredictionTask.BinaryClassification
            ? NumberDataViewType.Single
            : throw new InvalidOperationException($"A {Task} model has no probability column.");

        ValueMapper<TSrc, TDst> IValueMapper.GetMapper<TSrc, TDst>()
        {
            if (typeof(TSrc) != typeof(VBuffer<float>) || typeof(TDst) != _outputType.RawType)
                throw new InvalidOperationException($"A {Task} model maps VBuffer<Single> to {_outputType.RawType.Name}, not {typeof(TSrc).Name} to {typeof(TDst).Name}.");
            var scorer = new RowScorer(this);
            Delegate mapper = Task == PredictionTask.MulticlassClassification
                ? (ValueMapper<VBuffer<float>, VBuffer<float>>)scorer.Probabilities
                : (ValueMapper<VBuffer<float>, float>)scorer.Score;
            return (ValueMapper<TSrc, TDst>)mapper;
        }

        ValueMapper<TSrc, TDst, TDist> IValueMapperDist.GetMapper<TSrc, TDst, TDist>()
        {
            if (Task != PredictionTask.BinaryClassification)
                throw new InvalidOperationException($"A {Task} model has no probability column.");
            if (typeof(TSrc) != typeof(VBuffer<float>) || typeof(TDst) != typeof(float) || typeof(TDist) != typeof(float))
                throw new InvalidOperationException($"A binary model maps VBuffer<Single> to Single and Single, not {typeof(TSrc).Name} to {typeof(TDst).Name} and {typeof(TDist).Name}.");
            Delegate mapper = (ValueMapper<VBuffer<float>, float, float>)new RowScorer(this).ScoreAndProbability;
            return (ValueMapper<TSrc, TDst, TDist>)mapper;
        }

        // The model binds itself (ML.NET prefers a model's own ISchemaBindableMapper) for two reasons: ML.NET's standard
        // wrapper rejects a wrong feature size without naming the column, and it would pick the binary (probability)
        // wrapper for every task because this one class implements IValueMapperDist.
        ISchemaBoundMapper ISchemaBindableMapper.Bind(IHostEnvironment env, RoleMappedSchema schema)
        {
            if (schema?.Feature is DataViewSchema.Column feature) CheckFeatureColumn(feature.Name, feature.Type);
            ISchemaBindableMapper standard = Task == PredictionTask.BinaryClassification
                ? new SchemaBindableBinaryPredictorWrapper(this)
                : new SchemaBindablePredictorWrapper(this);
            return new FeatureCheckingBoundMapper((ISchemaBoundRowMapper)standard.Bind(env, schema), this);
        }

        /// <summary>
        /// Throws, naming the column and both sizes, unless <paramref name="type"/> is the float vector of the
        /// training width.
        /// </summary>
        internal void CheckFeatureColumn(string name, DataViewType type)
        {
            if (type is VectorDataViewType vector && vector.ItemType == NumberDataViewType.Single && vector.Size == _network.InputSize)
                return;
            string problem = type switch
            {
                VectorDataViewType v when v.ItemType != NumberDataViewType.Single => $"has type {type}",
                VectorDataViewType { Size: 0 } => "has a variable number of slots",
                VectorDataViewType v => $"has {v.Size} slots",
                _ => $"has type {type}, not a vector,",
            };
            string hint = type is VectorDataViewType { Size: 0 } ? $"; give it a known size (e.g. [VectorType({_network.InputSize})] on the input class)" : "";
            throw new ArgumentOutOfRangeException("inputSchema",
                $"Feature column '{name}' {problem} but the model was trained on {_network.InputSize} slots of type Single{hint}.");
        }

        // ---- ONNX: mlContext.Model.ConvertToOnnx of a whole pipeline (Onnx/RiemannianMlpOnnxNodes.cs) ----

        // The scorer asks the model (the bindable its bound mapper names) whether and how it writes itself; every network
        // this class can hold has an ONNX form.
        bool ICanSaveOnnx.CanSaveOnnx(OnnxContext ctx) => true;

        bool IBindableCanSaveOnnx.SaveAsOnnx(OnnxContext ctx, RoleMappedSchema schema, string[] outputNames)
        {
            if (ctx is null) throw new ArgumentNullException(nameof(ctx));
            if (schema?.Feature is not DataViewSchema.Column feature)
                throw new InvalidOperationException("The RiemannianMlp scorer's schema has no feature column to write the ONNX graph from.");
            CheckFeatureColumn(feature.Name, feature.Type);
            // As ML.NET's own models: false when an earlier step of the pipeline could not be written, so the converter
            // reports the pipeline as not convertible.
            if (!ctx.ContainsColumn(feature.Name)) return false;
            RiemannianMlpOnnxNodes.Write(ctx, this, ctx.GetVariableName(feature.Name), outputNames);
            return true;
        }

        // OneVersusAll's exporter asks each binary model for this form (OneVersusAllModelParameters' SaveAsOnnxPreProcess): the
        // feature column's ONNX variable and three outputs [PredictedLabel, Score, Probability], of which it reads Score
        // (raw) or Probability (UseProbabilities, the default), as the binary scorer's outputs.
        bool ISingleCanSaveOnnx.SaveAsOnnx(OnnxContext ctx, string[] outputNames, string featureColumn)
        {
            if (ctx is null) throw new ArgumentNullException(nameof(ctx));
            if (featureColumn is null) throw new ArgumentNullException(nameof(featureColumn));
            RiemannianMlpOnnxNodes.Write(ctx, this, featureColumn, outputNames);
            return true;
        }

        // ---- Save and load ----

        // ML.NET's header check: a reader refuses a model whose verReadable exceeds its own verWrittenCur, or whose
        // verWritten is below its verWeCanReadBack. verReadableCur stays at the first version so that an older package
        // gets past ML.NET's generic "model is too new" and reaches RiemannianMlpFormat's own version check, which says
        // which format the stream holds and to update the package.
        private static VersionInfo GetVersionInfo() => new VersionInfo(
            modelSignature: "RIEMNMLP",
            //verWrittenCur: 0x00010001, // Initial: RiemannianMlpFormat versions 1 to 3 (the header was not raised for 2 and 3).
            //verWrittenCur: 0x00010004, // RiemannianMlpFormat version 4: label standardization, zero-weight batch counts, training outcome.
            //verWrittenCur: 0x00010005, // RiemannianMlpFormat version 5: the input scaling.
            //verWrittenCur: 0x00010006, // RiemannianMlpFormat version 6: the learned input scale.
            verWrittenCur: 0x00010007, // RiemannianMlpFormat version 7: the piecewise linear input encoding.
            verReadableCur: 0x00010001,
            verWeCanReadBack: 0x00010001,
            loaderSignature: LoaderSignature,
            // This assembly, so that an app referencing only MLNetRiemannian.Scoring loads the model.
            loaderAssemblyName: typeof(RiemannianMlpModelParameters).Assembly.FullName);

        void ICanSaveModel.Save(ModelSaveContext ctx)
        {
            if (ctx is null) throw new ArgumentNullException(nameof(ctx));
            ctx.CheckAtModel();
            ctx.SetVersionInfo(GetVersionInfo());
            // Everything lives in the binary stream; the model's own stream holds only ML.NET's version header.
            ctx.SaveBinaryStream(StreamName, writer => RiemannianMlpFormat.Write(writer, this));
        }

        /// <summary>
        /// ML.NET's loader entry point, registered by <c>[assembly: LoadableClass]</c> under <see cref="LoaderSignature"/>
        /// here and under <see cref="PreSplitLoaderSignature"/> in the trainer assembly; the stream is the same for both.
        /// </summary>
        internal static RiemannianMlpModelParameters Create(IHostEnvironment env, ModelLoadContext ctx)
        {
            if (env is null) throw new ArgumentNullException(nameof(env));
            if (ctx is null) throw new ArgumentNullException(nameof(ctx));
            Interop.MLNetVersionGuard.EnsureSupported(); // a scoring app may load a model without ever touching the catalog
            ctx.CheckAtModel(GetVersionInfo());
            RiemannianMlpModelParameters? model = null;
            if (!ctx.TryLoadBinaryStream(StreamName, reader => model = RiemannianMlpFormat.Read(env, reader.BaseStream)))
                throw new InvalidDataException($"The RiemannianMlp model in '{ctx.Directory}' has no '{StreamName}' stream: the model file is incomplete.");
            return model!;
        }
    }
}
