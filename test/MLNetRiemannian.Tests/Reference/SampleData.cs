using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetRiemannian.Tests.Reference
{
    /// <summary>The committed real data sets (samples/data, provenance in its README), as ML.NET data views.</summary>
    internal static class SampleData
    {
        public static string DataPath(string file) => Path.Combine(AppContext.BaseDirectory, "data", file);

        public sealed class DigitRow
        {
            [LoadColumn(0, 63), VectorType(64)] public float[] Pixels = Array.Empty<float>();
            [LoadColumn(64)] public string Label = "";
        }

        public sealed class TumorRow
        {
            [VectorType(30)] public float[] Measurements = Array.Empty<float>();
            public bool Label; // true = benign
        }

        public sealed class HouseRow
        {
            [VectorType(12)] public float[] Attributes = Array.Empty<float>();
            public float Label; // MEDV, $1000s
        }

        /// <summary>UCI optical digits with string labels "0".."9".</summary>
        public static IDataView Digits(MLContext ml) =>
            ml.Data.LoadFromTextFile<DigitRow>(DataPath("digits.csv"), separatorChar: ',');

        /// <summary>Wisconsin breast cancer: 30 measurements, Label = benign.</summary>
        public static IDataView BreastCancer(MLContext ml) =>
            ml.Data.LoadFromEnumerable(File.ReadLines(DataPath("breast_cancer.csv")).Skip(1).Select(line =>
            {
                var v = line.Split(',').Select(float.Parse).ToArray();
                return new TumorRow { Measurements = v[..30], Label = v[30] == 1 };
            }).ToList());

        /// <summary>Boston house prices without column B (see samples/data/README.md): 12 attributes, Label = MEDV.</summary>
        public static IDataView BostonHousing(MLContext ml) =>
            ml.Data.LoadFromEnumerable(File.ReadLines(DataPath("boston_house_prices.csv")).Skip(2).Select(line =>
            {
                var v = line.Split(',').Select(float.Parse).ToArray();
                return new HouseRow { Attributes = v[..11].Append(v[12]).ToArray(), Label = v[13] };
            }).ToList());
    }
}
