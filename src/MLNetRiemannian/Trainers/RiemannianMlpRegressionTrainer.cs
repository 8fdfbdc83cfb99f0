using System.Collections.Generic;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNetRiemannian.Model;

namespace MLNetRiemannian.Trainers
{
    /// <summary>
    /// Regression with a multilayer perceptron trained by layerwise Riemannian gradient descent on the squared error.
    /// Create it with <c>mlContext.Regression.Trainers.RiemannianMlp(...)</c>.
    /// </summary>
    /// <remarks>
    /// <format type="text/markdown"><![CDATA[
    /// ### Trainer Characteristics
    /// |  |  |
    /// | -- | -- |
    /// | Machine learning task | Regression |
    /// | Is normalization required? | Yes for the features (e.g. NormalizeMinMax); the label is standardized inside the trainer, any units |
    /// | Is caching required? | No (the trainer caches the data in native tensors) |
    /// | Required NuGet in addition to Microsoft.ML | MLNetRiemannian and a libtorch 2.10.0 package (libtorch-cpu-linux-x64 or another platform's, libtorch-cpu, or a CUDA build) |
    /// | Exportable to ONNX | Yes: the whole pipeline, with `mlContext.Model.ConvertToOnnx` (Microsoft.ML.OnnxConverter) |
    ///
    /// ### Scoring function
    /// `Score = W_L σ(… σ(W_1 x + b_1) …) + b_L`, in the label's units: the trainer learns `(label − m) / s`, with m and s
    /// the weighted mean and standard deviation of the training labels (s = 1 for a constant label), and folds them into
    /// the last layer (`W_L ← s·W_L`, `b_L ← s·b_L + m`); `RiemannianMlpModelParameters.LabelStandardization` records them.
    /// ]]></format>
    /// </remarks>
    public sealed class RiemannianMlpRegressionTrainer : RiemannianMlpTrainerBase<RegressionPredictionTransformer<RiemannianMlpModelParameters>>
    {
        /// <summary>Options for <see cref="RiemannianMlpRegressionTrainer"/>; see <see cref="RiemannianMlpTrainerOptions"/>.</summary>
        public sealed class Options : RiemannianMlpTrainerOptions { }

        internal RiemannianMlpRegressionTrainer(IHostEnvironment env, Options options)
            : base(env, options, PredictionTask.Regression, nameof(RiemannianMlpRegressionTrainer)) { }

        private protected override IEnumerable<SchemaShape.Column> OutputColumns(SchemaShape.Column labelColumn)
        {
            yield return new SchemaShape.Column(DefaultColumnNames.Score, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single, false,
                new SchemaShape(AnnotationUtils.GetTrainerOutputAnnotation()));
        }

        private protected override RegressionPredictionTransformer<RiemannianMlpModelParameters> MakeTransformer(RiemannianMlpModelParameters model, DataViewSchema trainSchema) =>
            PredictionTransformerFactory.Regression(Host, model, trainSchema, FeatureColumnName);
    }
}
