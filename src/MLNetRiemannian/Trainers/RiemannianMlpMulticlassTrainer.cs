using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNetRiemannian.Model;

namespace MLNetRiemannian.Trainers
{
    /// <summary>
    /// Multiclass classification with a multilayer perceptron trained by layerwise Riemannian gradient descent.
    /// Create it with <c>mlContext.MulticlassClassification.Trainers.RiemannianMlp(...)</c>.
    /// </summary>
    /// <remarks>
    /// <format type="text/markdown"><![CDATA[
    /// ### Trainer Characteristics
    /// |  |  |
    /// | -- | -- |
    /// | Machine learning task | Multiclass classification |
    /// | Is normalization required? | Yes (e.g. NormalizeMinMax) |
    /// | Is caching required? | No (the trainer caches the data in native tensors) |
    /// | Required NuGet in addition to Microsoft.ML | MLNetRiemannian and a libtorch 2.10.0 package (libtorch-cpu-linux-x64 or another platform's, libtorch-cpu, or a CUDA build) |
    /// | Exportable to ONNX | Yes: the whole pipeline, with `mlContext.Model.ConvertToOnnx` (Microsoft.ML.OnnxConverter) |
    ///
    /// ### Scoring function
    /// `Score = softmax(W_L σ(… σ(W_1 x + b_1) …) + b_L)`, the class probabilities; PredictedLabel is the argmax.
    ///
    /// ### Training
    /// Each step moves every layer a by `Δw_a = −η·G_a⁻¹ g_a` with `G_a = mean_b J_{a,b}ᵀ M_b J_{a,b} + μ_a I`,
    /// inverted by the Woodbury identity (see the project's README and docs/method.md).
    /// ]]></format>
    /// </remarks>
    public sealed class RiemannianMlpMulticlassTrainer : RiemannianMlpTrainerBase<MulticlassPredictionTransformer<RiemannianMlpModelParameters>>
    {
        /// <summary>Options for <see cref="RiemannianMlpMulticlassTrainer"/>; see <see cref="RiemannianMlpTrainerOptions"/>.</summary>
        public sealed class Options : RiemannianMlpTrainerOptions { }

        internal RiemannianMlpMulticlassTrainer(IHostEnvironment env, Options options)
            : base(env, options, PredictionTask.MulticlassClassification, nameof(RiemannianMlpMulticlassTrainer)) { }

        private protected override IEnumerable<SchemaShape.Column> OutputColumns(SchemaShape.Column labelColumn)
        {
            var predictedAnnotations = new SchemaShape(labelColumn.Annotations.Where(a => a.Name == AnnotationUtils.Kinds.KeyValues)
                .Concat(AnnotationUtils.GetTrainerOutputAnnotation()));
            yield return new SchemaShape.Column(DefaultColumnNames.Score, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false,
                new SchemaShape(AnnotationUtils.AnnotationsForMulticlassScoreColumn(labelColumn)));
            yield return new SchemaShape.Column(DefaultColumnNames.PredictedLabel, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true, predictedAnnotations);
        }

        private protected override MulticlassPredictionTransformer<RiemannianMlpModelParameters> MakeTransformer(RiemannianMlpModelParameters model, DataViewSchema trainSchema) =>
            PredictionTransformerFactory.Multiclass(Host, model, trainSchema, FeatureColumnName, LabelColumnName);
    }
}
