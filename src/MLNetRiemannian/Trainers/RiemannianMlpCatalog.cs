using System;
using Microsoft.ML.Data;
using MLNetRiemannian.Trainers;

namespace Microsoft.ML
{
    /// <summary>
    /// The RiemannianMlp trainers on ML.NET's catalogs: <c>using Microsoft.ML;</c> is all a caller needs.
    /// </summary>
    public static class RiemannianMlpCatalog
    {
        /// <summary>
        /// A multilayer perceptron for multiclass classification, trained by layerwise Riemannian gradient descent.
        /// </summary>
        /// <param name="catalog">The multiclass classification catalog's trainers.</param>
        /// <param name="labelColumnName">The label column, a key type (use MapValueToKey).</param>
        /// <param name="featureColumnName">The feature column, a known-size vector of Single.</param>
        /// <param name="exampleWeightColumnName">Optional Single column of non-negative example weights.</param>
        /// <param name="hiddenLayerSizes">Widths of the hidden layers; default one layer of 256, narrower for inputs over 16,383 slots (see <see cref="RiemannianMlpTrainerOptions.HiddenLayerSizes"/>).</param>
        /// <param name="numberOfEpochs">Passes over the data; default automatic (about 1,000 steps per 10 outputs, at least 1,000, or 500 on a table under 1,000 rows; 5 to 200 epochs).</param>
        /// <param name="learningRate">η; default null: 0.08 with the default adaptive mass (see <see cref="RiemannianMlpTrainerOptions.LearningRate"/>).</param>
        public static RiemannianMlpMulticlassTrainer RiemannianMlp(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
            string labelColumnName = DefaultColumnNames.Label, string featureColumnName = DefaultColumnNames.Features,
            string? exampleWeightColumnName = null, int[]? hiddenLayerSizes = null, int? numberOfEpochs = null, double? learningRate = null) =>
            catalog.RiemannianMlp(Simple(new RiemannianMlpMulticlassTrainer.Options(), labelColumnName, featureColumnName, exampleWeightColumnName, hiddenLayerSizes, numberOfEpochs, learningRate));

        /// <summary>A multiclass RiemannianMlp trainer with every option.</summary>
        public static RiemannianMlpMulticlassTrainer RiemannianMlp(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
            RiemannianMlpMulticlassTrainer.Options options) => new(Environment(catalog), options);

        /// <summary>
        /// A multilayer perceptron for binary classification (logistic loss; calibrated probabilities),
        /// trained by layerwise Riemannian gradient descent.
        /// </summary>
        /// <param name="catalog">The binary classification catalog's trainers.</param>
        /// <param name="labelColumnName">The label column, Boolean.</param>
        /// <param name="featureColumnName">The feature column, a known-size vector of Single.</param>
        /// <param name="exampleWeightColumnName">Optional Single column of non-negative example weights.</param>
        /// <param name="hiddenLayerSizes">Widths of the hidden layers; default one layer of 256, narrower for inputs over 16,383 slots (see <see cref="RiemannianMlpTrainerOptions.HiddenLayerSizes"/>).</param>
        /// <param name="numberOfEpochs">Passes over the data; default automatic (about 1,000 steps per 10 outputs, at least 1,000, or 500 on a table under 1,000 rows; 5 to 200 epochs).</param>
        /// <param name="learningRate">η; default null: 0.08 with the default adaptive mass (see <see cref="RiemannianMlpTrainerOptions.LearningRate"/>).</param>
        public static RiemannianMlpBinaryTrainer RiemannianMlp(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
            string labelColumnName = DefaultColumnNames.Label, string featureColumnName = DefaultColumnNames.Features,
            string? exampleWeightColumnName = null, int[]? hiddenLayerSizes = null, int? numberOfEpochs = null, double? learningRate = null) =>
            catalog.RiemannianMlp(Simple(new RiemannianMlpBinaryTrainer.Options(), labelColumnName, featureColumnName, exampleWeightColumnName, hiddenLayerSizes, numberOfEpochs, learningRate));

        /// <summary>A binary RiemannianMlp trainer with every option.</summary>
        public static RiemannianMlpBinaryTrainer RiemannianMlp(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
            RiemannianMlpBinaryTrainer.Options options) => new(Environment(catalog), options);

        /// <summary>A multilayer perceptron for regression (squared error), trained by layerwise Riemannian gradient descent.</summary>
        /// <param name="catalog">The regression catalog's trainers.</param>
        /// <param name="labelColumnName">The label column, Single.</param>
        /// <param name="featureColumnName">The feature column, a known-size vector of Single.</param>
        /// <param name="exampleWeightColumnName">Optional Single column of non-negative example weights.</param>
        /// <param name="hiddenLayerSizes">Widths of the hidden layers; default one layer of 256, narrower for inputs over 16,383 slots (see <see cref="RiemannianMlpTrainerOptions.HiddenLayerSizes"/>).</param>
        /// <param name="numberOfEpochs">Passes over the data; default automatic (about 1,000 steps per 10 outputs, at least 1,000, or 500 on a table under 1,000 rows; 5 to 200 epochs).</param>
        /// <param name="learningRate">η; default null: 0.08 with the default adaptive mass (see <see cref="RiemannianMlpTrainerOptions.LearningRate"/>).</param>
        public static RiemannianMlpRegressionTrainer RiemannianMlp(this RegressionCatalog.RegressionTrainers catalog,
            string labelColumnName = DefaultColumnNames.Label, string featureColumnName = DefaultColumnNames.Features,
            string? exampleWeightColumnName = null, int[]? hiddenLayerSizes = null, int? numberOfEpochs = null, double? learningRate = null) =>
            catalog.RiemannianMlp(Simple(new RiemannianMlpRegressionTrainer.Options(), labelColumnName, featureColumnName, exampleWeightColumnName, hiddenLayerSizes, numberOfEpochs, learningRate));

        /// <summary>A regression RiemannianMlp trainer with every option.</summary>
        public static RiemannianMlpRegressionTrainer RiemannianMlp(this RegressionCatalog.RegressionTrainers catalog,
            RiemannianMlpRegressionTrainer.Options options) => new(Environment(catalog), options);

        private static TOptions Simple<TOptions>(TOptions options, string label, string features, string? weights, int[]? hidden, int? epochs, double? learningRate)
            where TOptions : RiemannianMlpTrainerOptions
        {
            options.LabelColumnName = label;
            options.FeatureColumnName = features;
            options.ExampleWeightColumnName = weights;
            if (hidden is not null) options.HiddenLayerSizes = hidden;
            options.NumberOfEpochs = epochs;
            options.LearningRate = learningRate;
            return options;
        }

        private static Runtime.IHostEnvironment Environment(object catalog)
        {
            ArgumentNullException.ThrowIfNull(catalog);
            MLNetRiemannian.Interop.MLNetVersionGuard.EnsureSupported();
            return ((IInternalCatalog)catalog).Environment;
        }
    }
}
