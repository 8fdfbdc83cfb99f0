using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetRiemannian.Model;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// The managed forward pass's FLOP rate against a plain single-threaded matrix-vector product of the same sizes,
    /// both over the same featurized test rows, in alternating repetitions so that both see the same machine load.
    /// </summary>
    internal static class ForwardPassRate
    {
        /// <summary>
        /// Our model is timed as ML.NET runs it: the prediction transformer alone (Transform + a cursor reading Score)
        /// over the rows the pipeline's earlier transforms produce, held in memory. So its figure also carries ML.NET's
        /// per-row costs (cursor, copying the row into a VBuffer, softmax) that the bare product does not.
        /// </summary>
        /// <param name="mlContext">The context to build the in-memory view with.</param>
        /// <param name="dataset">The data set's name, for the record.</param>
        /// <param name="chain">A loaded model chain whose predictor is a RiemannianMlp model.</param>
        /// <param name="test">The raw test rows.</param>
        /// <param name="settings">Warm-up length, repetitions (medians are reported) and their length.</param>
        public static ForwardPassResult Measure(MLContext mlContext, string dataset, ITransformer chain, IDataView test, BenchmarkSettings settings)
        {
            var parts = ((IEnumerable<ITransformer>)chain).ToList();
            int at = parts.FindIndex(part => part is IPredictionTransformer<object> { Model: RiemannianMlpModelParameters });
            if (at < 0) throw new ArgumentException("The chain has no RiemannianMlp predictor.", nameof(chain));
            var predictor = parts[at];
            var model = (RiemannianMlpModelParameters)((IPredictionTransformer<object>)predictor).Model;
            int[] sizes = model.LayerSizes.ToArray();
            float[][] weights = Enumerable.Range(0, sizes.Length - 1).Select(l => model.GetWeights(l).ToArray()).ToArray();
            long flopPerRow = 0;
            for (int l = 0; l + 1 < sizes.Length; l++) flopPerRow += 2L * sizes[l] * sizes[l + 1];

            IDataView featurized = test;
            for (int i = 0; i < at; i++) featurized = parts[i].Transform(featurized);
            float[][] rows = DenseRows(featurized, sizes[0]);
            var definition = SchemaDefinition.Create(typeof(FeatureRow));
            definition[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, sizes[0]);
            var features = mlContext.Data.LoadFromEnumerable(rows.Select(row => new FeatureRow { Features = row }).ToArray(), definition);

            for (int pass = 0; pass < 2; pass++)
            {
                ScoringTimers.RowsPerSecond(predictor, features, settings.WarmUpSeconds);
                ScoringTimers.MatrixVectorRowsPerSecond(weights, sizes, rows, settings.WarmUpSeconds);
                ScoringTimers.AwaitOptimizedCode();
            }
            int repetitions = settings.ThroughputRepetitions;
            var modelRates = new double[repetitions];
            var productRates = new double[repetitions];
            for (int r = 0; r < repetitions; r++)
            {
                modelRates[r] = ScoringTimers.RowsPerSecond(predictor, features, settings.SecondsPerRepetition) * flopPerRow / 1e9;
                productRates[r] = ScoringTimers.MatrixVectorRowsPerSecond(weights, sizes, rows, settings.SecondsPerRepetition) * flopPerRow / 1e9;
            }
            double modelGflops = ScoringTimers.Median(modelRates), productGflops = ScoringTimers.Median(productRates);
            return new ForwardPassResult(dataset, string.Join("-", sizes), flopPerRow, rows.Length, modelGflops, productGflops,
                modelGflops / productGflops, modelRates, productRates);
        }

        private static float[][] DenseRows(IDataView featurized, int width)
        {
            var column = featurized.Schema["Features"];
            var rows = new List<float[]>();
            using var cursor = featurized.GetRowCursor(new[] { column });
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> row = default;
            while (cursor.MoveNext())
            {
                getter(ref row);
                var dense = new float[width];
                row.CopyTo(dense);
                rows.Add(dense);
            }
            return rows.ToArray();
        }
    }

    /// <summary>One featurized row (public: ML.NET builds its getters by reflection).</summary>
    public sealed class FeatureRow
    {
        /// <summary>The normalized features.</summary>
        public float[] Features { get; set; } = Array.Empty<float>();
    }
}
