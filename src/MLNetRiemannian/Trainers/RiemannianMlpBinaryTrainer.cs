using System.Collections.Generic;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNetRiemannian.Model;

namespace MLNetRiemannian.Trainers
{
    /// <summary>
    /// Binary classification with a multilayer perceptron trained by layerwise Riemannian gradient descent.
    /// Create it with <c>mlContext.BinaryClassification.Trainers.RiemannianMlp(...)</c>.
    /// </summary>
    /// <remarks>
    /// <format type="text/markdown"><![CDATA[
    /// ### Trainer Characteristics
    /// |  |  |
    /// | -- | -- |
    /// | Machine learning task | Binary classification |
    /// | Is normalization required? | Yes (e.g. NormalizeMinMax) |
    /// | Is caching required? | No (the trainer caches the data in native tensors) |
    /// | Required NuGet in addition to Microsoft.ML | MLNetRiemannian and a libtorch 2.10.0 package (libtorch-cpu-linux-x64 or another platform's, libtorch-cpu, or a CUDA build) |
    /// | Exportable to ONNX | Yes: the whole pipeline, with `mlContext.Model.ConvertToOnnx` (Microsoft.ML.OnnxConverter) |
    ///
    /// ### Scoring function
    /// `Score = W_L σ(… σ(W_1 x + b_1) …) + b_L` (the logit), `Probability = 1/(1 + e^{−Score})`, PredictedLabel = Score &gt; 0.
    /// The network is trained on the logistic loss, so the probability needs no separate calibration.
    /// ]]></format>
    /// </remarks>
    public sealed class RiemannianMlpBinaryTrainer : RiemannianMlpTrainerBase<BinaryPredictionTransformer<RiemannianMlpModelParameters>>
    {
        /// <summary>Options for <see cref="RiemannianMlpBinaryTrainer"/>; see <see cref="RiemannianMlpTrainerOptions"/>.</summary>
        public sealed class Options : RiemannianMlpTrainerOptions { }

        internal RiemannianMlpBinaryTrainer(IHostEnvironment env, Options options)
            : base(env, options, PredictionTask.BinaryClassification, nameof(RiemannianMlpBinaryTrainer)) { }

        private protected override IEnumerable<SchemaShape.Column> OutputColumns(SchemaShape.Column labelColumn)
        {
            yield return new SchemaShape.Column(DefaultColumnNames.Score, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single, false,
                new SchemaShape(AnnotationUtils.GetTrainerOutputAnnotation()));
            yield return new SchemaShape.Column(DefaultColumnNames.Probability, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single, false,
                new SchemaShape(AnnotationUtils.GetTrainerOutputAnnotation(true)));
            yield return new SchemaShape.Column(DefaultColumnNames.PredictedLabel, SchemaShape.Column.VectorKind.Scalar, BooleanDataViewType.Instance, false,
                new SchemaShape(AnnotationUtils.GetTrainerOutputAnnotation()));
        }

        private protected override BinaryPredictionTransformer<RiemannianMlpModelParameters> MakeTransformer(RiemannianMlpModelParameters model, DataViewSchema trainSchema) =>
            PredictionTransformerFactory.Binary(Host, model, trainSchema, FeatureColumnName);
    }
}
