using System;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLNetRiemannian.Data;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;
using static TorchSharp.torch;

namespace MLNetRiemannian.Trainers
{
    /// <summary>
    /// A binary training set of one class (a cross-validation fold, or OneVersusAll for a class with no rows) gets what
    /// LbfgsLogisticRegression gives it: a constant model, with a Warning, instead of an error.
    /// </summary>
    internal static class OneClassModel
    {
        /// <summary>
        /// The one class of a binary training set that holds a single one (a cross-validation fold, or OneVersusAll for a class
        /// with no rows), or null when both are present. Multiclass training needs two classes present.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">A multiclass training set holds fewer than 2 classes.</exception>
        public static bool? OnlyBinaryClass(TrainingData data, ColumnChecks columns, PredictionTask task)
        {
            if (task == PredictionTask.Regression) return null;
            using var scope = NewDisposeScope();
            long present = task == PredictionTask.MulticlassClassification
                ? data.Labels.bincount(null, columns.ClassCount).gt(0).sum().item<long>()
                : data.Labels.unique().Item1.shape[0];
            if (present >= 2) return null;
            if (task == PredictionTask.BinaryClassification && present == 1) return data.Labels[0].item<float>() > 0.5f;
            throw new ArgumentOutOfRangeException(nameof(data),
                $"Label column '{columns.LabelColumn}' holds only {present} distinct class in the training rows; at least 2 are needed.");
        }

        /// <summary>
        /// The logit of a constant binary model: the maximum-likelihood constant of one-class rows is probability 1 (an
        /// infinite logit); LbfgsLogisticRegression stops at zero weights and a bias of about ±14 to ±15 on such rows, and
        /// 15 is about the largest logit whose probability Float32 still tells from 1 (1 − 3.1e-7).
        /// </summary>
        internal const float ConstantLogit = 15;

        /// <summary>
        /// What LbfgsLogisticRegression gives for a binary training set of one class, with a Warning: zero weights and a last
        /// bias of ±<see cref="ConstantLogit"/>, so every row gets that class with probability 1 − 3.1e-7; no training runs,
        /// so the model has no history and no outcome.
        /// </summary>
        public static RiemannianMlpModelParameters Create(IHostEnvironment env, ActivationKind activation, string outputMetric, int[] sizes, bool label, long rows,
            ColumnChecks columns, IChannel ch)
        {
            ch.Warning(MessageSensitivity.None,
                $"Label column '{columns.LabelColumn}' is {label} in all {rows} training rows: RiemannianMlp returns a constant model, without training, that " +
                $"predicts {label} for every row with probability {(label ? "1 − 3.1e-7" : "3.1e-7")} of true (Score {(label ? "" : "−")}{ConstantLogit}), as " +
                "LbfgsLogisticRegression does. A cross-validation fold or a OneVersusAll class with no rows gives this; train on rows of both classes for a model that tells them apart.");
            var weights = new float[sizes.Length - 1][];
            var biases = new float[sizes.Length - 1][];
            for (int l = 0; l < weights.Length; l++)
            {
                weights[l] = new float[checked(sizes[l + 1] * sizes[l])];
                biases[l] = new float[sizes[l + 1]];
            }
            biases[^1][0] = label ? ConstantLogit : -ConstantLogit;
            return new RiemannianMlpModelParameters(env, PredictionTask.BinaryClassification, activation, sizes, weights, biases, outputMetric, Array.Empty<EpochSummary>());
        }
    }
}
