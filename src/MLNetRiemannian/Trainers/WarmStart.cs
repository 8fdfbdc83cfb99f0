using System;
using System.Linq;
using MLNetRiemannian.Data;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;
using static TorchSharp.torch;

namespace MLNetRiemannian.Trainers
{
    /// <summary>
    /// Continuing from a trained model: its layer sizes, activation and label standardization win over the options; options
    /// and data that contradict them are refused, naming both values.
    /// </summary>
    internal static class WarmStart
    {
        /// <summary>
        /// The layer sizes (input, hidden layers, outputs) of <paramref name="initial"/>, after checking that the trainer's
        /// task, the options and the training columns agree with it.
        /// </summary>
        /// <exception cref="ArgumentException">The model's task, feature size, class count, hidden widths, activation or
        /// number of layers differs from the trainer's; the message names the option or column and both values.</exception>
        public static int[] Sizes(RiemannianMlpModelParameters initial, RiemannianMlpTrainerOptions options, PredictionTask task, ColumnChecks columns)
        {
            var sizes = initial.LayerSizes.ToArray();
            Require(initial.Task == task, $"The initial model was trained for {initial.Task}, this trainer trains {task}.");
            Require(columns.FeatureCount == sizes[0],
                $"Feature column '{columns.FeatureColumn}' has {columns.FeatureCount} slots, the initial model takes {sizes[0]}.");
            if (task == PredictionTask.MulticlassClassification)
                Require(columns.ClassCount == sizes[^1],
                    $"Label column '{columns.LabelColumn}' has {columns.ClassCount} classes, the initial model predicts {sizes[^1]}.");
            var hidden = sizes[1..^1];
            if (options.HiddenLayerSizes is { } given)
                Require(given.SequenceEqual(hidden),
                    $"Option HiddenLayerSizes is [{string.Join(", ", given)}], the initial model's hidden layers are [{string.Join(", ", hidden)}]; " +
                    "leave it null to take the model's.");
            Require(options.Activation == initial.Activation,
                $"Option Activation is {options.Activation}, the initial model's activation is {initial.Activation}; set Activation = {initial.Activation}.");
            if (options.LayerMasses is { } masses)
                Require(masses.Length == sizes.Length - 1,
                    $"Option LayerMasses has {masses.Length} masses, the initial model has {sizes.Length - 1} layers.");
            return sizes;
        }

        /// <summary>
        /// Copies <paramref name="initial"/>'s weights and biases into <paramref name="network"/>'s dense layers (same sizes),
        /// unfolding the label's map from the last layer (<c>W ← W/Scale</c>, <c>b ← (b − Mean)/Scale</c>, in Float64 then
        /// rounded once) when the model records one, so training continues in the model's standardized units.
        /// </summary>
        public static void CopyWeights(Sequential network, RiemannianMlpModelParameters initial)
        {
            var atoms = network.Atoms;
            for (int l = 0; l < atoms.Count; l++)
            {
                var weight = initial.GetWeights(l).ToArray();
                var bias = initial.GetBias(l).ToArray();
                if (l == atoms.Count - 1 && initial.LabelStandardization is { } st)
                {
                    for (int i = 0; i < weight.Length; i++) weight[i] = (float)(weight[i] / st.Scale);
                    for (int i = 0; i < bias.Length; i++) bias[i] = (float)((bias[i] - st.Mean) / st.Scale);
                }
                using var w = tensor(weight, new long[] { atoms[l].OutputSize, atoms[l].InputSize });
                using var b = tensor(bias);
                atoms[l].Weight.copy_(w);
                atoms[l].Bias.copy_(b);
            }
        }

        private static void Require(bool condition, string message)
        {
            if (!condition) throw new ArgumentException(message, "initial");
        }
    }
}
