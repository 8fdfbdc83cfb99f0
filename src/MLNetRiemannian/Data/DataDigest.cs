using System;
using System.Linq;
using System.Security.Cryptography;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Data
{
    /// <summary>
    /// A short SHA-256 digest of cached training tensors (their dtype, shape and bytes, in order), so that a checkpoint can
    /// tell whether it was made on the same rows: one pass over the tensors in chunks of at most
    /// <see cref="ChunkElements"/> elements, with no copy of the whole data.
    /// </summary>
    internal static class DataDigest
    {
        /// <summary>Elements hashed per chunk (16 MB of Float32).</summary>
        private const long ChunkElements = 1 << 22;

        /// <summary>The first 16 hexadecimal digits (64 bits) of the SHA-256 of the tensors: plenty to tell data sets apart, short enough for a message.</summary>
        public const int Digits = 16;

        /// <summary>
        /// The digest of a feature cache in the form it is held (dense values, or the compressed rows' offsets, columns and
        /// values), followed by <paramref name="more"/> (labels of the same rows, say).
        /// </summary>
        public static string Of(FeatureMatrix features, params Tensor[] more)
        {
            var stored = features switch
            {
                DenseFeatureMatrix dense => new[] { dense.Values },
                CsrFeatureMatrix csr => new[] { csr.Offsets, csr.Columns, csr.Values },
                _ => throw new ArgumentException($"Unknown feature cache {features.GetType().Name}.", nameof(features)),
            };
            return Of(stored.Concat(more).ToArray());
        }

        /// <summary>The digest of <paramref name="tensors"/> together, in order.</summary>
        public static string Of(params Tensor[] tensors)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var t in tensors)
            {
                using var scope = NewDisposeScope();
                hash.AppendData(BitConverter.GetBytes((int)t.dtype));
                foreach (long size in t.shape) hash.AppendData(BitConverter.GetBytes(size));
                var flat = t.detach().cpu().contiguous().reshape(-1);
                for (long start = 0; start < flat.shape[0]; start += ChunkElements)
                    hash.AppendData(flat.narrow(0, start, Math.Min(ChunkElements, flat.shape[0] - start)).contiguous().bytes);
            }
            return Convert.ToHexString(hash.GetHashAndReset())[..Digits];
        }
    }
}
