using System;
using System.Linq;
using Microsoft.ML.Data;
using MLNetRiemannian.Data;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;
using MLNetRiemannian.Theory;
using MLNetRiemannian.Trainers;
using static TorchSharp.torch;

namespace Microsoft.ML
{
    /// <summary>
    /// The stability bound of a trained RiemannianMlp (docs/method.md section 7, Theorem 3) on ML.NET's catalogs, beside
    /// <c>Evaluate</c> and <c>PermutationFeatureImportance</c>: pass the prediction transformer the trainer returned and
    /// the training data as the trainer saw it (after the pipeline's transforms, e.g. <c>model.Transform(data)</c>).
    /// </summary>
    /// <remarks>
    /// The model does not record the masses it was trained with, so pass the trainer's <c>Mass</c> (and
    /// <c>LayerMasses</c> if set): ξ and μ depend on them. The bound describes full-batch gradient flow; a model
    /// trained in mini-batches used the metric averaged over each batch instead, so read the number as what the
    /// theorem says of the trained network, not as a guarantee about the mini-batch run. See
    /// <see cref="StabilityBound"/> for what each part is and how it is computed.
    /// </remarks>
    public static class RiemannianMlpStabilityCatalog
    {
        /// <summary>
        /// Estimates <c>2κ²L / (ξ·μ·√n)</c> for a RiemannianMlp regression model (squared error <c>½(ŷ − y)²</c>, so L is
        /// the largest absolute residual on <paramref name="data"/>). For a model with a
        /// <see cref="RiemannianMlpModelParameters.LabelStandardization"/> the bound is that of the standardized problem
        /// the trainer solved (label <c>(y − Mean) / Scale</c>, residuals in those units).
        /// </summary>
        /// <param name="catalog">The catalog of the model's task (<c>mlContext.Regression</c>, <c>mlContext.MulticlassClassification</c> or <c>mlContext.BinaryClassification</c>).</param>
        /// <param name="predictionTransformer">The trained model, as the trainer's <c>Fit</c> returned it; its feature column is read.</param>
        /// <param name="data">The n training rows; κ and L are maxima over all of them.</param>
        /// <param name="mass">μ of every layer, the trainer's <c>Mass</c> option (positive).</param>
        /// <param name="labelColumnName">The label column, of the type the trainer took.</param>
        /// <param name="layerMasses">The trainer's <c>LayerMasses</c>, one per dense layer, if it was set; overrides <paramref name="mass"/>.</param>
        /// <param name="xiSampleCount">How many rows ξ is computed from; default <see cref="StabilityBound.DefaultXiSampleCount"/> (exact when at least n).</param>
        /// <exception cref="ArgumentException">The model was trained for another task than the catalog's.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type or size, a value is not finite, or a mass is not positive.</exception>
        public static StabilityBoundEstimate EstimateStabilityBound(this RegressionCatalog catalog,
            ISingleFeaturePredictionTransformer<RiemannianMlpModelParameters> predictionTransformer, IDataView data, double mass,
            string labelColumnName = DefaultColumnNames.Label, double[]? layerMasses = null, int xiSampleCount = StabilityBound.DefaultXiSampleCount) =>
            Estimate(catalog, PredictionTask.Regression, predictionTransformer, data, mass, labelColumnName, layerMasses, xiSampleCount);

        /// <summary>
        /// Estimates <c>2κ²L / (ξ·μ·√n)</c> for a RiemannianMlp multiclass model (softmax cross-entropy on the logits, so
        /// L is the largest <c>‖softmax(ŷ) − onehot(y)‖₂</c> on <paramref name="data"/>; the theorem itself is stated for
        /// the squared error).
        /// </summary>
        /// <inheritdoc cref="EstimateStabilityBound(RegressionCatalog, ISingleFeaturePredictionTransformer{RiemannianMlpModelParameters}, IDataView, double, string, double[], int)"/>
        public static StabilityBoundEstimate EstimateStabilityBound(this MulticlassClassificationCatalog catalog,
            ISingleFeaturePredictionTransformer<RiemannianMlpModelParameters> predictionTransformer, IDataView data, double mass,
            string labelColumnName = DefaultColumnNames.Label, double[]? layerMasses = null, int xiSampleCount = StabilityBound.DefaultXiSampleCount) =>
            Estimate(catalog, PredictionTask.MulticlassClassification, predictionTransformer, data, mass, labelColumnName, layerMasses, xiSampleCount);

        /// <summary>
        /// Estimates <c>2κ²L / (ξ·μ·√n)</c> for a RiemannianMlp binary model (sigmoid cross-entropy on the logit, so L is
        /// the largest <c>|σ(ŷ) − y|</c> on <paramref name="data"/>; the theorem itself is stated for the squared error).
        /// </summary>
        /// <inheritdoc cref="EstimateStabilityBound(RegressionCatalog, ISingleFeaturePredictionTransformer{RiemannianMlpModelParameters}, IDataView, double, string, double[], int)"/>
        public static StabilityBoundEstimate EstimateStabilityBound(this BinaryClassificationCatalog catalog,
            ISingleFeaturePredictionTransformer<RiemannianMlpModelParameters> predictionTransformer, IDataView data, double mass,
            string labelColumnName = DefaultColumnNames.Label, double[]? layerMasses = null, int xiSampleCount = StabilityBound.DefaultXiSampleCount) =>
            Estimate(catalog, PredictionTask.BinaryClassification, predictionTransformer, data, mass, labelColumnName, layerMasses, xiSampleCount);

        private static StabilityBoundEstimate Estimate(object catalog, PredictionTask task,
            ISingleFeaturePredictionTransformer<RiemannianMlpModelParameters> predictionTransformer, IDataView data, double mass,
            string labelColumnName, double[]? layerMasses, int xiSampleCount)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            ArgumentNullException.ThrowIfNull(predictionTransformer);
            ArgumentNullException.ThrowIfNull(data);
            ArgumentNullException.ThrowIfNull(labelColumnName);
            var model = predictionTransformer.Model;
            if (model.Task != task)
                throw new ArgumentException(
                    $"The model was trained for {model.Task}, not {task}; call EstimateStabilityBound on the catalog of its task.", nameof(predictionTransformer));
            var masses = Masses(mass, layerMasses, model.LayerSizes.Count - 1);
            if (xiSampleCount < 1)
                throw new ArgumentOutOfRangeException(nameof(xiSampleCount), xiSampleCount, $"Invalid ξ sample count: {xiSampleCount}. It must be at least 1.");

            string featureColumnName = predictionTransformer.FeatureColumnName;
            var columns = ColumnChecks.Check(data.Schema, featureColumnName, labelColumnName, null, task);
            if (columns.FeatureCount != model.FeatureCount)
                throw new ArgumentOutOfRangeException(nameof(data),
                    $"Feature column '{featureColumnName}' has {columns.FeatureCount} slots but the model was trained on {model.FeatureCount}.");
            if (task == PredictionTask.MulticlassClassification && columns.ClassCount != model.LayerSizes[^1])
                throw new ArgumentOutOfRangeException(nameof(data),
                    $"Label column '{labelColumnName}' has {columns.ClassCount} classes but the model has {model.LayerSizes[^1]} outputs.");

            using var scope = NewDisposeScope();
            using var training = TrainingData.Read(data, columns, task);
            using var network = Network(model, masses);
            // The bound is about the problem the trainer stepped on: with a standardized label, (y − m) / s and the last
            // layer before the map back was folded in.
            var targets = model.LabelStandardization is { } st ? (training.Labels.to_type(ScalarType.Float64) - st.Mean) / st.Scale : training.Labels;
            // The network's input: the features through the model's input scaling and encoding (a learned input scale is not
            // applied: Network rebuilds the dense layers only, as before the encoding).
            if (model.InputScaling is { } scaling) InputScalingFit.Apply(scaling, training.Features);
            using var encoded = model.InputEncoding is { } encoding ? InputEncodingFit.Apply(encoding, training.Features) : null;
            return StabilityBound.Estimate(network, RiemannianMlpNetwork.Loss(task), (encoded ?? training.Features).ToDense(), targets, xiSampleCount);
        }

        private static double[] Masses(double mass, double[]? layerMasses, int layers)
        {
            var masses = layerMasses ?? Enumerable.Repeat(mass, layers).ToArray();
            string name = layerMasses is null ? nameof(mass) : nameof(layerMasses);
            if (masses.Length != layers)
                throw new ArgumentOutOfRangeException(name, masses.Length, $"The model has {layers} dense layers; {name} has {masses.Length} entries.");
            foreach (double mu in masses)
            {
                if (!(mu > 0) || double.IsInfinity(mu))
                    throw new ArgumentOutOfRangeException(name, mu, $"Invalid mass μ: {mu}. It must be positive and finite, as the trainer's option was.");
            }
            return masses;
        }

        /// <summary>The model's network as Float64 modules with scalar masses (the trainer builds the same with Float32).</summary>
        private static Sequential Network(RiemannianMlpModelParameters model, double[] masses)
        {
            using var generator = new Generator(0); // the initialization is overwritten; this keeps torch's global generator untouched
            var network = RiemannianMlpNetwork.Create(model.LayerSizes, model.Activation, masses, generator, ScalarType.Float64);
            for (int l = 0; l < network.Atoms.Count; l++)
            {
                var dense = network.Atoms[l];
                dense.Weight.copy_(tensor(model.GetWeights(l).ToArray(), new long[] { dense.OutputSize, dense.InputSize }));
                dense.Bias.copy_(tensor(model.GetBias(l).ToArray()));
            }
            if (model.LabelStandardization is { } st)
            {
                var last = network.Atoms[^1];
                last.Weight.div_(st.Scale);
                last.Bias.sub_(st.Mean).div_(st.Scale);
            }
            return network;
        }
    }
}
