using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetRiemannian.Tests.Reference
{
    /// <summary>
    /// The c24 field case (data/field-cases/c24_orders.csv: F1–F6 float, Tier of 3 classes, 900 rows) as rows in memory,
    /// so a test can change one value, and the field case's featurization: MapValueToKey, Concatenate, a normalizer.
    /// </summary>
    internal static class Orders
    {
        public sealed class Row
        {
            [VectorType(6)] public float[] F = Array.Empty<float>();
            public string Tier = "";
            public float Weight = 1;
        }

        /// <summary>Every row of the file, in order.</summary>
        public static List<Row> Rows() =>
            File.ReadLines(SampleData.DataPath("field-cases/c24_orders.csv")).Skip(1).Select(line =>
            {
                var v = line.Split(',');
                return new Row { F = v[..6].Select(x => float.Parse(x, CultureInfo.InvariantCulture)).ToArray(), Tier = v[6] };
            }).ToList();

        /// <summary>
        /// "Label" (the Tier key, classes in order of appearance) and "Features" (F, normalized) of <paramref name="train"/>,
        /// and <paramref name="validation"/> through the same fitted map when given.
        /// </summary>
        public static (IDataView Train, IDataView? Validation) Featurize(MLContext ml, IEnumerable<Row> train, IEnumerable<Row>? validation = null, bool meanVariance = false)
        {
            var trainView = ml.Data.LoadFromEnumerable(train.ToList());
            var features = ml.Transforms.Conversion.MapValueToKey("Label", "Tier").Append(ml.Transforms.Concatenate("Features", "F"));
            var map = meanVariance ? features.Append(ml.Transforms.NormalizeMeanVariance("Features")).Fit(trainView)
                : features.Append(ml.Transforms.NormalizeMinMax("Features")).Fit(trainView);
            return (map.Transform(trainView), validation is null ? null : map.Transform(ml.Data.LoadFromEnumerable(validation.ToList())));
        }
    }
}
