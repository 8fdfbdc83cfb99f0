using System;
using System.Linq;
using MLNetRiemannian.Model;

namespace MLNetRiemannian.Trainers
{
    /// <summary>
    /// Refuses, before any data is read, a network whose saved model would not fit the model format
    /// (<see cref="RiemannianMlpFormat.MaximumPayloadBytes"/>): training it would end in an exception when saving.
    /// </summary>
    internal static class ModelSizeCheck
    {
        /// <summary>Bytes of one parameter in the format (a Float32 bit pattern).</summary>
        private const long BytesPerParameter = sizeof(float);

        /// <summary>Generous bound on the rest of the payload: task, sizes, metric description, option text.</summary>
        private const long FixedOverheadBytes = 1L << 20;

        /// <summary>Generous bound on one epoch's history record, plus per layer its diagnostics.</summary>
        private const long EpochBytes = 128, LayerEpochBytes = 64;

        /// <summary>Weights and biases of a network of <paramref name="sizes"/> (widths, input first).</summary>
        public static long Parameters(int[] sizes)
        {
            long parameters = 0;
            for (int l = 0; l + 1 < sizes.Length; l++)
                parameters = checked(parameters + (long)sizes[l + 1] * (sizes[l] + 1L));
            return parameters;
        }

        /// <summary>The payload bytes a network of <paramref name="sizes"/> trained for <paramref name="epochs"/> epochs needs, at most.</summary>
        public static long PayloadBytes(int[] sizes, long epochs)
        {
            long parameters = Parameters(sizes);
            long layers = sizes.Length - 1;
            return checked(parameters * BytesPerParameter + FixedOverheadBytes + epochs * (EpochBytes + layers * LayerEpochBytes));
        }

        /// <exception cref="ArgumentOutOfRangeException">The model would exceed the format's limit; the message names the layer sizes and the bytes.</exception>
        public static void Check(int[] sizes, long epochs)
        {
            long bytes = PayloadBytes(sizes, epochs);
            if (bytes <= RiemannianMlpFormat.MaximumPayloadBytes) return;
            var layers = string.Join(", ", Enumerable.Range(0, sizes.Length - 1).Select(l => $"{sizes[l]}→{sizes[l + 1]}"));
            throw new ArgumentOutOfRangeException("HiddenLayerSizes",
                $"A {string.Join("-", sizes)} network (layers {layers}) would save as about {bytes:N0} bytes, more than the model format's " +
                $"{RiemannianMlpFormat.MaximumPayloadBytes:N0}. Use narrower hidden layers or fewer feature slots (e.g. fewer hashing bits).");
        }
    }
}
