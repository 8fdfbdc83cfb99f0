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
        /// <exception cref="ArgumentException">The model's task, feature size, class count, class names (when the model was
        /// trained in this process and the label key has values), hidden widths, activation or number of layers differs from the trainer's; the message names the option or column and both values.</exception>
        public static int[] Sizes(RiemannianMlpModelParameters initial, RiemannianMlpTrainerOptions options, PredictionTask task, ColumnChecks columns)
        {
            var sizes = initial.LayerSizes.ToArray();
            Require(initial.Task == task, $"The initial model was trained for {initial.Task}, this trainer trains {task}.");
            Require(columns.FeatureCount == initial.FeatureCount,
                $"Feature column '{columns.FeatureColumn}' has {columns.FeatureCount} slots, the initial model takes {initial.FeatureCount}.");
            if (task == PredictionTask.MulticlassClassification)
                Require(columns.ClassCount == sizes[^1],
                    $"Label column '{columns.LabelColumn}' has {columns.ClassCount} classes, the initial model predicts {sizes[^1]}.");
            if (initial.ClassNames is { } trained && columns.ClassNames is { } now && !trained.SequenceEqual(now))
                throw new ArgumentException(
                    $"Label column '{columns.LabelColumn}' maps its key values to other classes than the initial model's: the model's output units are " +
                    $"[{Listed(trained)}] but the label's keys are now [{Listed(now)}] (a MapValueToKey refitted on other rows orders the classes as it meets them). " +
                    "Transform the new rows with the label map the initial model was trained with (the fitted MapValueToKey transformer), " +
                    "or give MapValueToKey the classes in a fixed order (keyData), or train a new model.", "initial");
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
        /// The input scaling training continues with: the initial model's, whatever the option says when it has one (its
        /// first layer acts on features scaled so); none when it has none and the option is left open (null) or None.
        /// </summary>
        /// <exception cref="ArgumentException">The option asks for a scaling the initial model was trained without.</exception>
        public static InputScaling? InputScaling(RiemannianMlpModelParameters initial, RiemannianMlpTrainerOptions options)
        {
            Require(initial.InputScaling is not null || options.InputScaling != InputScalingKind.Robust,
                $"Option InputScaling is {options.InputScaling}, but the initial model was trained on its features as given (no input scaling); " +
                "leave InputScaling unset (or None) to continue it, or train a new model.");
            return initial.InputScaling;
        }

        /// <summary>
        /// The input encoding training continues with: the initial model's, whatever the option says when it has one (its
        /// first layer acts on the encoded features); none when it has none and the option is left open (null) or None.
        /// </summary>
        /// <exception cref="ArgumentException">The option asks for an encoding the initial model was trained without, or the new
        /// rows are sparse and their encoding (dense) would pass <see cref="Defaults.MaximumEncodedValues"/> values.</exception>
        public static InputEncoding? InputEncoding(RiemannianMlpModelParameters initial, RiemannianMlpTrainerOptions options, Numerics.FeatureMatrix rows,
            long validationRows, ColumnChecks columns)
        {
            Require(initial.InputEncoding is not null || options.InputEncoding != InputEncodingKind.PiecewiseLinear,
                $"Option InputEncoding is {options.InputEncoding}, but the initial model was trained on one input per feature slot (no input encoding); " +
                "leave InputEncoding unset (or None) to continue it, or train a new model.");
            if (initial.InputEncoding is { } encoding && rows.Compressed is not null)
            {
                long values = encoding.Width * (rows.Rows + validationRows);
                Require(values <= Defaults.MaximumEncodedValues,
                    $"The initial model encodes the {columns.FeatureCount} slots of '{columns.FeatureColumn}' into {encoding.Width} inputs, and these rows are sparse: " +
                    $"encoding them would make {values:N0} dense values, beyond {Defaults.MaximumEncodedValues:N0}. Continue on fewer rows at a time, or train a new model.");
            }
            return initial.InputEncoding;
        }

        /// <summary>
        /// Whether training continues with a learned input scale: when the initial model has one, whatever the option says
        /// (its first layer acts on features scaled so, and training continues s from the model's values); none when it has
        /// none and the option is left open (null) or false.
        /// </summary>
        /// <exception cref="ArgumentException">The option asks for a scale the initial model was trained without.</exception>
        public static bool InputScale(RiemannianMlpModelParameters initial, RiemannianMlpTrainerOptions options)
        {
            Require(initial.InputScale is not null || options.LearnInputScale != true,
                "Option LearnInputScale is true, but the initial model was trained without a learned input scale; " +
                "leave LearnInputScale unset (or false) to continue it, or train a new model.");
            return initial.InputScale is not null;
        }

        /// <summary>
        /// Copies <paramref name="initial"/>'s weights and biases into <paramref name="network"/>'s dense layers (same sizes),
        /// and its learned input scale s into the network's <see cref="Diagonal"/> module when both have one, unfolding the label's map from the last layer (<c>W ← W/Scale</c>, <c>b ← (b − Mean)/Scale</c>, in Float64 then
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
            if (initial.InputScale is { } scale && network.Diagonals.Count > 0)
            {
                using var s = tensor(scale.Factors.ToArray());
                network.Diagonals[0].Scale.copy_(s);
            }
        }

        // The first classes, enough to see where two maps part.
        private static string Listed(System.Collections.Generic.IReadOnlyList<string> classes) =>
            string.Join(", ", classes.Take(10)) + (classes.Count > 10 ? $", … ({classes.Count} classes)" : "");

        private static void Require(bool condition, string message)
        {
            if (!condition) throw new ArgumentException(message, "initial");
        }
    }
}
