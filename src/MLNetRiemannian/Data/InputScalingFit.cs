using System;
using System.Runtime.InteropServices;
using MLNetRiemannian.Model;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Data
{
    /// <summary>
    /// Learns the robust input scaling (<see cref="InputScaling"/>) from the training rows. Dense features: per slot the
    /// median as center and <c>1.349 / IQR</c> as scale (a normal column gets unit spread), over at most
    /// <see cref="SampleValues"/> values drawn as whole rows; a slot whose quartiles coincide (mostly one value, e.g. a
    /// rare indicator) falls back to its standard deviation, and a constant slot to 1. Sparse features: no center, and
    /// <c>1 / max |x|</c> over the stored values, so one-hot and count columns keep their zeros and land in [−1, 1].
    /// </summary>
    internal static class InputScalingFit
    {
        /// <summary>The smooth clip's bound (RealMLP's 3: values a few spreads out are bent, not cut).</summary>
        public const float ClipBound = 3;

        /// <summary>Values of the dense sample the quantiles are taken over (rows × slots), about 64 MB of Float32.</summary>
        public const long SampleValues = 1L << 24;

        /// <summary>The IQR of the standard normal distribution, 2·Φ⁻¹(¾).</summary>
        private const double NormalInterquartileRange = 1.3489795003921634;

        /// <summary>
        /// The scaling for <paramref name="features"/>, from the rows whose example weight is positive (every row without
        /// <paramref name="weights"/>): a row that does not train does not shape the scaling either. Rows are sampled with
        /// a generator of its own drawn from <paramref name="seed"/>.
        /// </summary>
        /// <param name="features">The training rows.</param>
        /// <param name="weights">Example weights <c>[N]</c>, or null.</param>
        /// <param name="seed">The fit's seed.</param>
        public static InputScaling Fit(FeatureMatrix features, Tensor? weights, int seed)
        {
            using var scope = NewDisposeScope();
            FeatureMatrix? weighted = null;
            if (weights is not null && weights.le(0).any().item<bool>())
            {
                var index = weights.gt(0).nonzero().squeeze(1);
                if (index.shape[0] > 0) weighted = features.Select(index);
            }
            try
            {
                var rows = weighted ?? features;
                var (center, scale) = rows.Compressed is { } stored ? MaxAbs(stored.Columns, stored.Values, rows.Width) : Robust(rows.ToDense(), seed);
                return new InputScaling(center, scale, ClipBound);
            }
            finally
            {
                weighted?.Dispose();
            }
        }

        private static (float[] Center, float[] Scale) Robust(Tensor values, int seed)
        {
            long rows = values.shape[0], width = values.shape[1];
            long take = Math.Min(rows, Math.Max(1024, SampleValues / Math.Max(1, width)));
            var sample = take == rows ? values
                : values.index_select(0, randperm(rows, generator: new Generator(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + 1))).narrow(0, 0, take));
            var sorted = sample.to_type(ScalarType.Float64).sort(0).Values;
            Tensor Quantile(double p) => sorted[(long)Math.Round(p * (take - 1))];
            var median = Quantile(0.5);
            var spread = (Quantile(0.75) - Quantile(0.25)) / NormalInterquartileRange;
            var deviation = sample.to_type(ScalarType.Float64).std(0, unbiased: false);
            // Quartiles that coincide: the standard deviation; a constant slot: 1.
            var fallback = where(deviation.gt(0), deviation, ones_like(deviation));
            var scale = where(spread.gt(0), spread, fallback).reciprocal();
            return (median.to_type(ScalarType.Float32).data<float>().ToArray(), scale.to_type(ScalarType.Float32).data<float>().ToArray());
        }

        private static (float[] Center, float[] Scale) MaxAbs(Tensor columns, Tensor values, long width)
        {
            var largest = new float[width];
            var slots = MemoryMarshal.Cast<byte, int>(columns.contiguous().bytes);
            var stored = MemoryMarshal.Cast<byte, float>(values.contiguous().bytes);
            for (int e = 0; e < slots.Length; e++) largest[slots[e]] = Math.Max(largest[slots[e]], Math.Abs(stored[e]));
            return (new float[width], Array.ConvertAll(largest, m => m > 0 ? 1 / m : 1f));
        }
    }
}
