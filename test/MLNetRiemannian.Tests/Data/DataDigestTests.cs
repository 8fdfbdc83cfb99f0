using System;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Data;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Data
{
    /// <summary>The checkpoint's digest of cached rows, against SHA-256 computed here over the same layout in one piece.</summary>
    [TestClass]
    public sealed class DataDigestTests
    {
        [TestMethod]
        public void ATensorLongerThanOneChunkDigestsAsItsWholeBytes()
        {
            using var scope = NewDisposeScope();
            // 5,000,000 Float32 values: more than one 4,194,304-element chunk, so the second chunk starts at an offset.
            long n = 5_000_000;
            var values = arange(n, dtype: ScalarType.Float32).mul_(0.37f).sin_();
            var matrix = values.reshape(1000, 5000);
            Assert.AreEqual(Reference(matrix), DataDigest.Of(matrix));

            var changed = matrix.clone();
            changed[999, 4999] = changed[999, 4999] + 1;
            Assert.AreNotEqual(DataDigest.Of(matrix), DataDigest.Of(changed), "a change in the last chunk");
            // The same values in another shape are other data.
            Assert.AreNotEqual(DataDigest.Of(matrix), DataDigest.Of(values.reshape(5000, 1000)));
        }

        [TestMethod]
        public void CompressedRowsDigestTheirOffsetsColumnsAndValues()
        {
            using var scope = NewDisposeScope();
            var offsets = tensor(new long[] { 0, 2, 3 });
            var columns = tensor(new[] { 0, 4, 2 });
            var values = tensor(new[] { 1f, 2f, 3f });
            var labels = tensor(new long[] { 1, 0 });
            using var csr = new CsrFeatureMatrix(offsets.clone(), columns.clone(), values.clone(), 5);
            Assert.AreEqual(Reference(offsets, columns, values, labels), DataDigest.Of(csr, labels));
            using var moved = new CsrFeatureMatrix(offsets.clone(), tensor(new[] { 0, 3, 2 }), values.clone(), 5);
            Assert.AreNotEqual(DataDigest.Of(csr), DataDigest.Of(moved), "a value moved to another column");
        }

        // SHA-256 over each tensor's dtype (int32), shape (int64 each) and values' bytes, little-endian; its first 16 hex digits.
        private static string Reference(params Tensor[] tensors)
        {
            var bytes = tensors.SelectMany(t => BitConverter.GetBytes((int)t.dtype)
                .Concat(t.shape.SelectMany(BitConverter.GetBytes))
                .Concat(t.dtype switch
                {
                    ScalarType.Float32 => MemoryMarshal.AsBytes(t.data<float>().ToArray().AsSpan()).ToArray(),
                    ScalarType.Int32 => MemoryMarshal.AsBytes(t.data<int>().ToArray().AsSpan()).ToArray(),
                    ScalarType.Int64 => MemoryMarshal.AsBytes(t.data<long>().ToArray().AsSpan()).ToArray(),
                    _ => throw new ArgumentException($"No reference for {t.dtype}."),
                })).ToArray();
            return Convert.ToHexString(SHA256.HashData(bytes))[..16];
        }
    }
}
