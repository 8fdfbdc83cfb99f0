using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace MLNetRiemannian.Numerics
{
    /// <summary>
    /// The softmax cross-entropy's values and gradient in the logits in one managed pass over the output
    /// (<c>l = logsumexp(ŷ) − (1 − α) ŷ_y − α mean(ŷ)</c>, <c>∂l/∂ŷ = softmax(ŷ) − (1 − α) e_y − α/K</c>): each row's
    /// log-sum-exp once, in Float64, where the torch operations take about a dozen calls and two softmaxes for a few
    /// thousand numbers.
    /// </summary>
    internal static class SoftmaxCrossEntropyPass
    {
        /// <summary>Whether <see cref="Run"/> applies: a contiguous CPU output <c>[B, K]</c> of Float32 or Float64 and contiguous Int64 targets <c>[B]</c>.</summary>
        public static bool Applies(Tensor output, Tensor target) =>
            output.dim() == 2 && FusedPasses.Applies(output) && target.dtype == ScalarType.Int64 && target.device_type == TorchSharp.DeviceType.CPU
            && target.is_contiguous() && target.dim() == 1 && target.shape[0] == output.shape[0];

        /// <summary>
        /// Writes each row's loss into <paramref name="values"/> <c>[B]</c> and its gradient into <paramref name="gradient"/>
        /// <c>[B, K]</c> (both contiguous, of the output's type), with label smoothing <paramref name="smoothing"/> α.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">A target is not a class index in [0, K).</exception>
        public static void Run(Tensor output, Tensor target, double smoothing, Tensor values, Tensor gradient)
        {
            if (output.dtype == ScalarType.Float32) Run<float>(output, target, smoothing, values, gradient);
            else Run<double>(output, target, smoothing, values, gradient);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Run<T>(Tensor output, Tensor target, double smoothing, Tensor values, Tensor gradient) where T : unmanaged, IFloatingPointIeee754<T>
        {
            int rows = (int)output.shape[0], classes = (int)output.shape[1];
            ReadOnlySpan<T> y = FusedPasses.Elements<T>(output);
            ReadOnlySpan<long> labels = FusedPasses.Elements<long>(target);
            Span<T> l = FusedPasses.Elements<T>(values), g = FusedPasses.Elements<T>(gradient);
            double spread = smoothing / classes, picked = 1 - smoothing;
            for (int b = 0; b < rows; b++)
            {
                long label = labels[b];
                if ((ulong)label >= (ulong)classes)
                    throw new ArgumentOutOfRangeException(nameof(target), label, $"Row {b} of the batch has class index {label}; it must be in [0, {classes}).");
                var row = y.Slice(b * classes, classes);
                var rowGradient = g.Slice(b * classes, classes);
                double max = double.NegativeInfinity, sum = 0, total = 0;
                for (int k = 0; k < classes; k++) max = Math.Max(max, double.CreateTruncating(row[k]));
                for (int k = 0; k < classes; k++)
                {
                    double v = double.CreateTruncating(row[k]);
                    total += v;
                    sum += Math.Exp(v - max);
                }
                double logSumExp = max + Math.Log(sum);
                double value = logSumExp - picked * double.CreateTruncating(row[(int)label]);
                if (smoothing > 0) value -= smoothing * total / classes;
                l[b] = T.CreateTruncating(value);
                for (int k = 0; k < classes; k++)
                    rowGradient[k] = T.CreateTruncating(Math.Exp(double.CreateTruncating(row[k]) - logSumExp) - spread - (k == label ? picked : 0));
            }
        }
    }
}
