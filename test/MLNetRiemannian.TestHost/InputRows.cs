using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetRiemannian.TestHost
{
    /// <summary>
    /// The application's own input classes, declared here rather than shared with the tests, as a consuming app would
    /// declare them: column names and types are what the saved pipeline's first transforms expect.
    /// </summary>
    internal static class InputRows
    {
        /// <summary>A row of samples/data/digits.csv: 64 pixel counts then the digit, read as a string label.</summary>
        public sealed class Digit
        {
            [LoadColumn(0, 63), VectorType(64)] public float[] Pixels = Array.Empty<float>();
            [LoadColumn(64)] public string Label = "";
        }

        /// <summary>A row of samples/data/breast_cancer.csv: 30 measurements, Label true for benign (target 1).</summary>
        public sealed class Tumor
        {
            [VectorType(30)] public float[] Measurements = Array.Empty<float>();
            public bool Label;
        }

        /// <summary>A row of samples/data/boston_house_prices.csv without column B (index 11): 12 attributes, Label = MEDV.</summary>
        public sealed class House
        {
            [VectorType(12)] public float[] Attributes = Array.Empty<float>();
            public float Label;
        }

        /// <summary>Digits through ML.NET's text loader, as Model Builder's generated code reads a CSV.</summary>
        public static IDataView Digits(MLContext mlContext, string path) =>
            mlContext.Data.LoadFromTextFile<Digit>(path, separatorChar: ',');

        /// <summary>Breast cancer, skipping its one header line ("569,30,malignant,benign").</summary>
        public static IDataView Tumors(MLContext mlContext, string path) =>
            mlContext.Data.LoadFromEnumerable(Values(path, headerLines: 1)
                .Select(v => new Tumor { Measurements = v[..30], Label = v[30] == 1 }).ToList());

        /// <summary>Boston house prices, skipping its two header lines and dropping column B.</summary>
        public static IDataView Houses(MLContext mlContext, string path) =>
            mlContext.Data.LoadFromEnumerable(Values(path, headerLines: 2)
                .Select(v => new House { Attributes = v[..11].Append(v[12]).ToArray(), Label = v[13] }).ToList());

        private static float[][] Values(string path, int headerLines) =>
            File.ReadLines(path).Skip(headerLines).Where(line => line.Length > 0)
                .Select(line => line.Split(',').Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray())
                .ToArray();
    }
}
