using System;
using System.Buffers.Binary;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace MLNetRiemannian.Onnx
{
    /// <summary>
    /// The few protocol-buffer encodings an ONNX file needs (varint and length-delimited fields, a 32-bit float), written by
    /// hand from the wire-format specification (protobuf.dev/programming-guides/encoding).
    /// </summary>
    /// <remarks>
    /// Why not Google.Protobuf: its <c>CodedOutputStream</c> would replace only the ~40 lines below (a nested message's
    /// length must be known before its bytes either way, so it is built in its own buffer), and classes generated from
    /// onnx.proto would add thousands of lines of code for the eight messages the exporter writes. Writing the wire
    /// format here keeps the scoring package's only dependency Microsoft.ML. The tests read the files back with
    /// Google.Protobuf and load them in ONNX Runtime, so the encoding is checked by code we did not write.
    /// </remarks>
    internal sealed class ProtobufWriter
    {
        // Wire types (the low three bits of a field's key).
        private const int Varint = 0;
        private const int LengthDelimited = 2;
        private const int Fixed32 = 5;

        private readonly MemoryStream _buffer = new();

        /// <summary>An <c>int32</c>, <c>int64</c> or enum field: negative values take ten bytes, as protobuf requires.</summary>
        public void WriteInt64(int field, long value)
        {
            WriteKey(field, Varint);
            WriteVarint((ulong)value);
        }

        /// <summary>A <c>float</c> field, little-endian.</summary>
        public void WriteFloat(int field, float value)
        {
            WriteKey(field, Fixed32);
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
            _buffer.Write(bytes);
        }

        /// <summary>A <c>string</c> field, UTF-8.</summary>
        public void WriteString(int field, string value) => WriteBytes(field, Encoding.UTF8.GetBytes(value));

        /// <summary>A <c>bytes</c> field.</summary>
        public void WriteBytes(int field, ReadOnlySpan<byte> value)
        {
            WriteKey(field, LengthDelimited);
            WriteVarint((ulong)value.Length);
            _buffer.Write(value);
        }

        /// <summary>A <c>bytes</c> field holding <paramref name="values"/> as consecutive little-endian floats.</summary>
        public void WriteFloatsAsBytes(int field, ReadOnlySpan<float> values)
        {
            if (BitConverter.IsLittleEndian)
            {
                WriteBytes(field, MemoryMarshal.AsBytes(values));
                return;
            }
            var bytes = new byte[checked(4 * values.Length)];
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
            WriteBytes(field, bytes);
        }

        /// <summary>A message field whose contents <paramref name="write"/> writes.</summary>
        public void WriteMessage(int field, Action<ProtobufWriter> write)
        {
            var inner = new ProtobufWriter();
            write(inner);
            WriteBytes(field, inner.Written);
        }

        /// <summary>Copies everything written so far to <paramref name="stream"/>.</summary>
        public void CopyTo(Stream stream) => stream.Write(Written);

        private ReadOnlySpan<byte> Written => new(_buffer.GetBuffer(), 0, (int)_buffer.Length);

        private void WriteKey(int field, int wireType) => WriteVarint((ulong)((uint)field << 3 | (uint)wireType));

        private void WriteVarint(ulong value)
        {
            // Seven bits per byte, least significant first; the high bit says another byte follows.
            while (value >= 0x80)
            {
                _buffer.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            _buffer.WriteByte((byte)value);
        }
    }
}
