using System.Collections.Generic;
using System.IO;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetRiemannian.Samples
{
    /// <summary>One Fashion-MNIST image: 28x28 grey levels (0..255), row by row, and its class name.</summary>
    public sealed class FashionMnistImage
    {
        /// <summary>The 784 grey levels.</summary>
        [VectorType(FashionMnist.PixelCount), ColumnName("Pixels")]
        public float[] Pixels { get; set; } = new float[FashionMnist.PixelCount];

        /// <summary>The class name, one of <see cref="FashionMnist.ClassNames"/>.</summary>
        [ColumnName("Label")]
        public string Label { get; set; } = "";
    }

    /// <summary>
    /// Zalando's Fashion-MNIST (60,000 training and 10,000 test images) from the IDX files of Debian's package
    /// dataset-fashion-mnist.
    /// </summary>
    internal static class FashionMnist
    {
        public const int PixelCount = 28 * 28;

        /// <summary>Where dataset-fashion-mnist installs its files (<c>dpkg -L dataset-fashion-mnist</c>).</summary>
        public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

        /// <summary>The class names in the order of the label bytes 0..9 (the data set's README).</summary>
        public static readonly string[] ClassNames =
            { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };

        /// <summary>The training and test sets as data views with columns Pixels (784 floats) and Label (text).</summary>
        public static (IDataView Train, IDataView Test) Load(MLContext mlContext, string directory) =>
            (mlContext.Data.LoadFromEnumerable(Read(directory, "train")), mlContext.Data.LoadFromEnumerable(Read(directory, "t10k")));

        // The bytes are read once; the rows are made afresh on every pass, so only the 55 MB of bytes stay in memory.
        private static IEnumerable<FashionMnistImage> Read(string directory, string prefix)
        {
            string imagesPath = Find(directory, $"{prefix}-images-idx3-ubyte"), labelsPath = Find(directory, $"{prefix}-labels-idx1-ubyte");
            var (count, rows, columns, pixels) = IdxFile.ReadImages(imagesPath);
            var labels = IdxFile.ReadLabels(labelsPath);
            if (rows * columns != PixelCount)
                throw new InvalidDataException($"'{imagesPath}' holds {rows}x{columns} images; Fashion-MNIST's are 28x28.");
            if (labels.Length != count)
                throw new InvalidDataException($"'{imagesPath}' holds {count} images but '{labelsPath}' holds {labels.Length} labels.");
            for (int i = 0; i < count; i++)
                if (labels[i] >= ClassNames.Length)
                    throw new InvalidDataException($"'{labelsPath}' has label {labels[i]} at row {i}; Fashion-MNIST's labels are 0..9.");
            return Rows(pixels, labels);
        }

        private static IEnumerable<FashionMnistImage> Rows(byte[] pixels, byte[] labels)
        {
            for (int i = 0; i < labels.Length; i++)
            {
                var image = new FashionMnistImage { Label = ClassNames[labels[i]] };
                for (int j = 0; j < PixelCount; j++)
                    image.Pixels[j] = pixels[i * PixelCount + j];
                yield return image;
            }
        }

        private static string Find(string directory, string name)
        {
            foreach (var candidate in new[] { Path.Combine(directory, name), Path.Combine(directory, name + ".gz") })
                if (File.Exists(candidate)) return candidate;
            throw new FileNotFoundException(
                $"Fashion-MNIST: neither '{name}' nor '{name}.gz' is in '{directory}'. Install Debian's package with\n" +
                "    bash build/setup.sh --fashion-mnist\n" +
                "(it runs: apt-get update && apt-get install -y dataset-fashion-mnist, which puts the files in " + DefaultDirectory + "),\n" +
                "or pass --data-dir DIR for a folder holding the four IDX files (train-/t10k-images-idx3-ubyte, train-/t10k-labels-idx1-ubyte, gzipped or not).",
                Path.Combine(directory, name));
        }
    }
}
