using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace MLNetRiemannian.Samples
{
    /// <summary>
    /// Reads the IDX files of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian header, then
    /// unsigned bytes. Files ending in ".gz" are decompressed on the fly, as Debian ships them.
    /// </summary>
    internal static class IdxFile
    {
        /// <summary>Magic number of an image file: unsigned bytes, three dimensions [count, rows, columns].</summary>
        public const int ImagesMagic = 0x00000803;

        /// <summary>Magic number of a label file: unsigned bytes, one dimension [count].</summary>
        public const int LabelsMagic = 0x00000801;

        /// <summary>The images of <paramref name="path"/>, one row of <c>Rows * Columns</c> bytes per image.</summary>
        public static (int Count, int Rows, int Columns, byte[] Pixels) ReadImages(string path)
        {
            using var stream = Open(path);
            CheckMagic(path, ReadInt32(stream, path), ImagesMagic);
            int count = ReadInt32(stream, path), rows = ReadInt32(stream, path), columns = ReadInt32(stream, path);
            return (count, rows, columns, ReadBytes(stream, path, checked(count * rows * columns)));
        }

        /// <summary>The labels of <paramref name="path"/>, one byte each.</summary>
        public static byte[] ReadLabels(string path)
        {
            using var stream = Open(path);
            CheckMagic(path, ReadInt32(stream, path), LabelsMagic);
            return ReadBytes(stream, path, ReadInt32(stream, path));
        }

        private static Stream Open(string path)
        {
            Stream file = File.OpenRead(path);
            return path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        }

        private static void CheckMagic(string path, int magic, int expected)
        {
            if (magic != expected)
                throw new InvalidDataException($"'{path}' starts with magic number 0x{magic:X8}; an IDX {(expected == ImagesMagic ? "image" : "label")} file starts with 0x{expected:X8}.");
        }

        private static int ReadInt32(Stream stream, string path) => BinaryPrimitives.ReadInt32BigEndian(ReadBytes(stream, path, 4));

        private static byte[] ReadBytes(Stream stream, string path, int count)
        {
            var buffer = new byte[count];
            try
            {
                stream.ReadExactly(buffer);
            }
            catch (EndOfStreamException)
            {
                throw new InvalidDataException($"'{path}' ends early: its header promises more data than it holds.");
            }
            return buffer;
        }
    }
}
