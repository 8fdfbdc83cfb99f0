using System;
using System.Buffers;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetRiemannian.Training
{
    /// <summary>
    /// A checkpoint streamed to and from its file: no buffer of the whole payload, so any model that trains can be
    /// checkpointed with memory of one chunk beside it (a 75 M-weight model's payload, 3–4 Float64 copies of the weights,
    /// once overflowed a MemoryStream; since version 4 Float32 tensors are stored as Float32, half the bytes). The bytes are those of the layout <see cref="Checkpoint"/> documents.
    /// </summary>
    internal static class CheckpointStreams
    {
        /// <summary>Values per chunk: 64 Ki (256 or 512 KiB).</summary>
        private const int ChunkValues = 1 << 16;

        /// <summary>
        /// Writes a tensor as the layout has it — dtype (int32), rank (int32), shape (int64 each), then its values: Float32
        /// ones as they are (4 bytes each), every other dtype widened to Float64 — a chunk at a time from the tensor's own
        /// memory (no copy of the tensor).
        /// </summary>
        public static void WriteTensor(BinaryWriter w, Tensor t)
        {
            w.Write((int)t.dtype);
            w.Write(t.shape.Length);
            foreach (long s in t.shape) w.Write(s);
            w.Flush();
            using var scope = NewDisposeScope();
            var source = t.detach();
            if (source.device_type != DeviceType.CPU) source = source.cpu();
            if (!source.is_contiguous()) source = source.contiguous();
            if (source.dtype is not (ScalarType.Float32 or ScalarType.Float64)) source = source.to_type(ScalarType.Float64);
            int size = source.dtype == ScalarType.Float32 ? sizeof(float) : sizeof(double);
            var stream = w.BaseStream;
            long count = source.numel();
            for (long start = 0; start < count; start += ChunkValues)
            {
                int n = (int)Math.Min(ChunkValues, count - start);
                stream.Write(Slice(source, start, n, size));
            }
        }

        /// <summary>
        /// Reads a tensor written by <see cref="WriteTensor"/> (or, with <paramref name="wide"/>, by versions before 4,
        /// which widened every value to Float64), a chunk at a time into a tensor of its dtype; refuses a shape the rest of
        /// the stream cannot hold before allocating. The tensor is detached from any dispose scope.
        /// </summary>
        public static Tensor ReadTensor(BinaryReader r, bool wide = false)
        {
            var dtype = (ScalarType)r.ReadInt32();
            var shape = Enumerable.Range(0, r.ReadInt32()).Select(_ => r.ReadInt64()).ToArray();
            int size = dtype == ScalarType.Float32 && !wide ? sizeof(float) : sizeof(double);
            // A payload that passes the checksum can still be hand-made: refuse sizes it cannot hold before allocating.
            long available = (r.BaseStream.Length - r.BaseStream.Position) / size;
            long count = 1;
            foreach (long s in shape)
                if (s < 0 || (s > 0 && count > available / s)) throw new InvalidDataException($"A tensor in the checkpoint has an impossible shape [{string.Join(", ", shape)}].");
                else count *= s;
            if (count > available) throw new InvalidDataException($"A tensor in the checkpoint has an impossible shape [{string.Join(", ", shape)}].");
            var target = dtype == ScalarType.Float32 ? ScalarType.Float32 : ScalarType.Float64;
            var result = empty(shape, target).DetachFromDisposeScope();
            if (dtype == ScalarType.Float32 && wide)
            {
                // Versions before 4: Float32 values stored widened, narrowed a chunk at a time.
                byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkValues * sizeof(double));
                try
                {
                    for (long start = 0; start < count; start += ChunkValues)
                    {
                        int n = (int)Math.Min(ChunkValues, count - start);
                        r.BaseStream.ReadExactly(buffer, 0, n * sizeof(double));
                        var values = MemoryMarshal.Cast<byte, double>(buffer.AsSpan(0, n * sizeof(double)));
                        var narrow = Floats(result, start, n);
                        for (int i = 0; i < n; i++) narrow[i] = (float)values[i];
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
                return result;
            }
            for (long start = 0; start < count; start += ChunkValues)
            {
                int n = (int)Math.Min(ChunkValues, count - start);
                r.BaseStream.ReadExactly(Slice(result, start, n, size));
            }
            if (target == dtype) return result;
            using (result) return result.to_type(dtype).DetachFromDisposeScope();
        }

        /// <summary>Elements [start, start + n) of a contiguous CPU Float32 tensor, as a span over its memory.</summary>
        private static Span<float> Floats(Tensor t, long start, int n) => MemoryMarshal.Cast<byte, float>(Slice(t, start, n, sizeof(float)));

        /// <summary>Elements [start, start + n) of a contiguous CPU Float64 tensor, as a span over its memory.</summary>
        private static Span<double> Doubles(Tensor t, long start, int n) => MemoryMarshal.Cast<byte, double>(Slice(t, start, n, sizeof(double)));

        private static Span<byte> Slice(Tensor t, long start, int n, int size)
        {
            // Tensor.bytes spans the whole tensor, which a Span<byte> cannot exceed 2 GiB of: take a flat view of the chunk.
            using var view = t.view(-1).narrow(0, start, n);
            return view.bytes;
        }
    }

    /// <summary>
    /// A stream that passes bytes through to another and hashes them (SHA-256) on the way, written or read; the
    /// checkpoint's checksum without holding its payload.
    /// </summary>
    internal sealed class HashingStream : Stream
    {
        private readonly Stream _inner;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public HashingStream(Stream inner) => _inner = inner;

        /// <summary>Bytes that passed.</summary>
        public long Count { get; private set; }

        /// <summary>The SHA-256 of the bytes that passed so far.</summary>
        public byte[] Hash() => _hash.GetCurrentHash();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            _inner.Write(buffer);
            Count += buffer.Length;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = _inner.Read(buffer);
            _hash.AppendData(buffer[..n]);
            Count += n;
            return n;
        }

        public override void Flush() => _inner.Flush();
        public override bool CanRead => _inner.CanRead;
        public override bool CanWrite => _inner.CanWrite;
        public override bool CanSeek => false;
        public override long Length => _inner.Length;
        public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _hash.Dispose();
            base.Dispose(disposing);
        }
    }
}
