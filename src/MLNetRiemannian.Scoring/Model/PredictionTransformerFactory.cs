using System;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MLNetRiemannian.Model
{
    /// <summary>
    /// Wraps a trained model in ML.NET's standard prediction transformer for its task, through their internal
    /// constructors (Microsoft.ML 5.0.1), so the output columns and annotations are exactly the built-in trainers':
    /// multiclass gives Score (class probabilities, slot names = the label's key values) and a key-typed
    /// PredictedLabel carrying the label's key values; binary gives Score (the logit), Probability and a Boolean
    /// PredictedLabel; regression gives Score.
    /// </summary>
    internal static class PredictionTransformerFactory
    {
        /// <summary>The transformer for <paramref name="model"/>'s task, as the common interface.</summary>
        /// <param name="env">The ML.NET environment.</param>
        /// <param name="model">The trained model.</param>
        /// <param name="trainSchema">The schema of the training data; the transformer keeps it.</param>
        /// <param name="featureColumn">The feature column: a float vector of the model's input width.</param>
        /// <param name="labelColumn">The label column (used by multiclass for its key values; ignored otherwise).</param>
        public static ISingleFeaturePredictionTransformer<RiemannianMlpModelParameters> Create(IHostEnvironment env,
            RiemannianMlpModelParameters model, DataViewSchema trainSchema, string featureColumn, string labelColumn) => model?.Task switch
        {
            PredictionTask.MulticlassClassification => Multiclass(env, model, trainSchema, featureColumn, labelColumn),
            PredictionTask.BinaryClassification => Binary(env, model, trainSchema, featureColumn),
            PredictionTask.Regression => Regression(env, model, trainSchema, featureColumn),
            _ => throw new ArgumentNullException(nameof(model)),
        };

        /// <summary>The multiclass transformer; the label column must be a key type with one value per model output.</summary>
        /// <inheritdoc cref="Create" path="/param"/>
        public static MulticlassPredictionTransformer<RiemannianMlpModelParameters> Multiclass(IHostEnvironment env,
            RiemannianMlpModelParameters model, DataViewSchema trainSchema, string featureColumn, string labelColumn)
        {
            Check(env, model, trainSchema, featureColumn, PredictionTask.MulticlassClassification);
            var label = trainSchema.GetColumnOrNull(labelColumn ?? throw new ArgumentNullException(nameof(labelColumn)))
                ?? throw new ArgumentOutOfRangeException(nameof(labelColumn), $"Label column '{labelColumn}' is not in the training schema.");
            // ML.NET attaches the class names only when the key count equals the Score width; fail loudly instead of
            // silently producing a Score column without slot names.
            ulong classes = label.Type.GetKeyCount();
            int outputs = model.LayerSizes[^1];
            if (classes != (ulong)outputs)
                throw new ArgumentOutOfRangeException(nameof(labelColumn),
                    $"Label column '{labelColumn}' has type {label.Type} ({classes} classes) but the model has {outputs} outputs.");
            return new MulticlassPredictionTransformer<RiemannianMlpModelParameters>(env, model, trainSchema, featureColumn, labelColumn,
                AnnotationUtils.Const.ScoreValueKind.Score, DefaultColumnNames.PredictedLabel);
        }

        /// <summary>The binary transformer: PredictedLabel is <c>Score &gt; 0</c>, i.e. Probability &gt; 0.5.</summary>
        /// <inheritdoc cref="Create" path="/param"/>
        public static BinaryPredictionTransformer<RiemannianMlpModelParameters> Binary(IHostEnvironment env,
            RiemannianMlpModelParameters model, DataViewSchema trainSchema, string featureColumn)
        {
            Check(env, model, trainSchema, featureColumn, PredictionTask.BinaryClassification);
            return new BinaryPredictionTransformer<RiemannianMlpModelParameters>(env, model, trainSchema, featureColumn);
        }

        /// <summary>The regression transformer.</summary>
        /// <inheritdoc cref="Create" path="/param"/>
        public static RegressionPredictionTransformer<RiemannianMlpModelParameters> Regression(IHostEnvironment env,
            RiemannianMlpModelParameters model, DataViewSchema trainSchema, string featureColumn)
        {
            Check(env, model, trainSchema, featureColumn, PredictionTask.Regression);
            return new RegressionPredictionTransformer<RiemannianMlpModelParameters>(env, model, trainSchema, featureColumn);
        }

        private static void Check(IHostEnvironment env, RiemannianMlpModelParameters model, DataViewSchema trainSchema, string featureColumn, PredictionTask task)
        {
            if (env is null) throw new ArgumentNullException(nameof(env));
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (trainSchema is null) throw new ArgumentNullException(nameof(trainSchema));
            if (featureColumn is null) throw new ArgumentNullException(nameof(featureColumn));
            if (model.Task != task)
                throw new ArgumentException($"The model was trained for {model.Task}, not {task}.", nameof(model));
            var feature = trainSchema.GetColumnOrNull(featureColumn)
                ?? throw new ArgumentOutOfRangeException(nameof(featureColumn), $"Feature column '{featureColumn}' is not in the training schema.");
            model.CheckFeatureColumn(featureColumn, feature.Type);
        }
    }
}
