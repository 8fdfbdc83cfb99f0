using System;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLNetRiemannian.Data;
using MLNetRiemannian.Model;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Trainers
{
    /// <summary>Whether a new model encodes its input, and the encoding: the trainer's choice, shared with the benchmarks' harness.</summary>
    internal static class InputEncodingChoice
    {
        /// <summary>
        /// A new model's input encoding of the (scaled) training rows <paramref name="x"/>, or null, and the log line that says
        /// which and why: none when the options ask for none; by default none when every slot has at most two values (nothing
        /// to cut), or when the encoded rows (dense, with the <paramref name="validationRows"/>) would pass
        /// <see cref="Defaults.MaximumEncodedInputs"/> inputs or <see cref="Defaults.MaximumEncodedValues"/> values; sparse
        /// features are made dense first, and are not encoded when even their dense rows would pass those bounds.
        /// </summary>
        /// <param name="options">The trainer's options.</param>
        /// <param name="x">The training rows, after the input scaling.</param>
        /// <param name="weights">Their example weights, or null.</param>
        /// <param name="validationRows">Held-out rows that will be encoded too.</param>
        /// <param name="seed">The fit's seed (the quantile sample's rows).</param>
        /// <param name="columns">The checked columns (the log's names).</param>
        /// <param name="ch">Where the line goes, or null.</param>
        /// <exception cref="ArgumentException">The options ask for the encoding of sparse features whose dense rows pass the bounds.</exception>
        public static InputEncoding? ForNewModel(RiemannianMlpTrainerOptions options, FeatureMatrix x, Tensor? weights, long validationRows, int seed, ColumnChecks columns, IChannel? ch)
        {
            if ((options.InputEncoding ?? Defaults.InputEncoding) == InputEncodingKind.None) return null;
            bool asked = options.InputEncoding is not null;
            string slots = $"{columns.FeatureCount} slots of '{columns.FeatureColumn}'";
            // Sparse rows are made dense to be encoded: by default only when the dense rows (at most the encoded ones) fit the
            // bounds, so a narrow table whose one-hot slots leave it under the sparse density is encoded, and text or hashed
            // features are not.
            long rows = x.Rows + validationRows;
            if (x.Compressed is not null && (x.Width > Defaults.MaximumEncodedInputs || x.Width * rows > Defaults.MaximumEncodedValues))
            {
                if (asked)
                    throw new ArgumentException(
                        $"Option InputEncoding is {options.InputEncoding}, but the {slots} are sparse and wide: encoding them would make {rows:N0} dense rows of at least {x.Width} inputs, " +
                        $"beyond {Defaults.MaximumEncodedInputs} inputs or {Defaults.MaximumEncodedValues:N0} values. Leave InputEncoding unset (such features are not encoded) or set it to None.", "options");
                ch?.Info(MessageSensitivity.None, $"Input encoding: none (the {slots} are sparse and too wide to make dense).");
                return null;
            }
            var encoding = InputEncodingFit.Fit(x, weights, options.PiecewiseLinearBins, seed);
            int cut = encoding.CutSlots;
            long values = encoding.Width * rows;
            if (!asked && cut == 0)
            {
                ch?.Info(MessageSensitivity.None, $"Input encoding: none (no slot of the {slots} has more than two values to cut into bins).");
                return null;
            }
            if (!asked && (encoding.Width > Defaults.MaximumEncodedInputs || values > Defaults.MaximumEncodedValues))
            {
                ch?.Info(MessageSensitivity.None,
                    $"Input encoding: none; cutting the {slots} into up to {options.PiecewiseLinearBins} bins would make {encoding.Width} inputs and {values:N0} cached values, " +
                    $"beyond the default's {Defaults.MaximumEncodedInputs} inputs and {Defaults.MaximumEncodedValues:N0} values (set InputEncoding = PiecewiseLinear to encode anyway).");
                return null;
            }
            ch?.Info(MessageSensitivity.None,
                $"Input encoding: piecewise linear; {cut} of the {slots} cut into 2 to {options.PiecewiseLinearBins} bins at quantiles of their training values, " +
                $"{encoding.Width} inputs to the first layer (kept in the model).");
            return encoding;
        }
    }
}
