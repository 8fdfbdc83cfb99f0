using System;
using System.IO;
using System.Security.Cryptography;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Training;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Training
{
    /// <summary>
    /// src/MLNetRiemannian/Training/CheckpointStreams.cs: tensors streamed in chunks write the bytes the checkpoint layout
    /// always had (checked against a plain element-by-element writer), read back exactly, and writing needs no copy of the
    /// tensor; the hashing stream's SHA-256 is that of the bytes that passed.
    /// </summary>
    [TestClass]
    public sealed class CheckpointStreamsTests
    {
        [TestMethod]
        [DataRow(ScalarType.Float32)]
        [DataRow(ScalarType.Float64)]
        [DataRow(ScalarType.Int64)]
        public void AStreamedTensorHasTheLayoutsBytesAndReadsBackExactly(ScalarType dtype)
        {
            using var scope = NewDisposeScope();
            // 3 × 66,667 = 200,001 values: three chunks and a partial one.
            var t = (randn(3, 66_667, dtype: ScalarType.Float64, generator: new Generator(7)) * 1000).to_type(dtype);

            var streamed = new MemoryStream();
            using (var w = new BinaryWriter(streamed, System.Text.Encoding.UTF8, leaveOpen: true)) CheckpointStreams.WriteTensor(w, t);

            var plain = new MemoryStream();
            using (var w = new BinaryWriter(plain, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                w.Write((int)dtype); w.Write(2); w.Write(3L); w.Write(66_667L);
                // Float32 values as they are; every other dtype widened to Float64.
                if (dtype == ScalarType.Float32) foreach (float x in t.data<float>()) w.Write(x);
                else foreach (double x in t.to_type(ScalarType.Float64).data<double>()) w.Write(x);
            }
            CollectionAssert.AreEqual(plain.ToArray(), streamed.ToArray());

            streamed.Position = 0;
            using var r = new BinaryReader(streamed);
            using var back = CheckpointStreams.ReadTensor(r);
            Assert.AreEqual(dtype, back.dtype);
            CollectionAssert.AreEqual(t.shape, back.shape);
            Assert.IsTrue(back.eq(t).all().item<bool>(), "read back exactly");
            Assert.AreEqual(streamed.Length, streamed.Position, "nothing left over");
        }

        [TestMethod]
        public void WritingALargeTensorAllocatesLittleBesideIt()
        {
            using var scope = NewDisposeScope();
            var t = randn(4_000_000, generator: new Generator(1)); // 16 MB of Float32
            using var sink = new BinaryWriter(Stream.Null);
            CheckpointStreams.WriteTensor(sink, t); // warm the buffer pool
            long before = GC.GetAllocatedBytesForCurrentThread();
            CheckpointStreams.WriteTensor(sink, t);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.IsTrue(allocated < 0.01 * 16_000_000, $"{allocated} managed bytes allocated writing 16 MB");
        }

        [TestMethod]
        public void AnImpossibleShapeIsRefusedBeforeAllocating()
        {
            var bytes = new MemoryStream();
            using (var w = new BinaryWriter(bytes, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                w.Write((int)ScalarType.Float32); w.Write(2); w.Write(1L << 40); w.Write(1L << 40); w.Write(1.0);
            }
            bytes.Position = 0;
            using var r = new BinaryReader(bytes);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => CheckpointStreams.ReadTensor(r));
            StringAssert.Contains(e.Message, "impossible shape");
        }

        [TestMethod]
        public void TheHashingStreamHashesWhatPassesBothWays()
        {
            var data = new byte[300_001];
            new Random(3).NextBytes(data);
            var target = new MemoryStream();
            using (var hashing = new HashingStream(target))
            {
                hashing.Write(data, 0, 100_000);
                hashing.Write(data.AsSpan(100_000));
                CollectionAssert.AreEqual(SHA256.HashData(data), hashing.Hash());
                Assert.AreEqual(data.Length, hashing.Count);
            }
            CollectionAssert.AreEqual(data, target.ToArray());

            using var reading = new HashingStream(new MemoryStream(data));
            reading.CopyTo(Stream.Null, 4096);
            CollectionAssert.AreEqual(SHA256.HashData(data), reading.Hash());
        }
    }
}
