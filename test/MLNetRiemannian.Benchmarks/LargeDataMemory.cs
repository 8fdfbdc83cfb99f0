using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// <c>large-data</c>: trains the binary RiemannianMlp on a file-backed data view of N rows × F features (default
    /// 1,000,000 × 100, written once to an ML.NET binary file) and reports the process's peak resident memory
    /// against the trainer's stated bound for the cached features, 4·N·(F + 2) bytes.
    /// </summary>
    internal static class LargeDataMemory
    {
        private sealed class Row
        {
            public float[] Features = Array.Empty<float>();
            public bool Label;
        }

        public static int Run(string[] args)
        {
            int rows = int.Parse(StepTiming.Option(args, "--rows", "1000000"));
            int features = int.Parse(StepTiming.Option(args, "--features", "100"));
            string file = StepTiming.Option(args, "--file", Path.Combine(Path.GetTempPath(), $"mlnetriemannian-{rows}x{features}.idv"));
            var ml = new MLContext(1);
            if (!File.Exists(file)) Write(ml, file, rows, features);

            var data = ml.Data.LoadFromBinary(file); // file-backed: rows are read from disk as the cursor moves
            long before = PeakResidentBytes();
            // What the file-backed loader itself costs: one full pass reading every feature vector.
            using (var cursor = data.GetRowCursor(data.Schema))
            {
                var get = cursor.GetGetter<VBuffer<float>>(data.Schema["Features"]);
                VBuffer<float> row = default;
                while (cursor.MoveNext()) get(ref row);
            }
            long afterPass = PeakResidentBytes();
            var clock = Stopwatch.StartNew();
            var model = ml.BinaryClassification.Trainers.RiemannianMlp(hiddenLayerSizes: new[] { 64 }, numberOfEpochs: 1).Fit(data);
            double seconds = clock.Elapsed.TotalSeconds;
            long peak = PeakResidentBytes();
            var accuracy = ml.BinaryClassification.Evaluate(model.Transform(ml.Data.TakeRows(data, 20_000))).Accuracy;
            long bound = 4L * rows * (features + 2);
            Console.WriteLine($"# large-data: {rows:N0} rows × {features} features from {file} ({new FileInfo(file).Length >> 20} MB on disk)");
            Console.WriteLine($"| peak RSS at start MB | after one reading pass of the loader MB | after Fit MB | cached-data bound 4·N·(F+2) MB | Fit seconds | accuracy (first 20k rows) |");
            Console.WriteLine($"|---|---|---|---|---|---|");
            Console.WriteLine($"| {before >> 20} | {afterPass >> 20} | {peak >> 20} | {bound >> 20} | {seconds:F1} | {accuracy:F4} |");
            return 0;
        }

        private static void Write(MLContext ml, string file, int rows, int features)
        {
            var random = new Random(7);
            var direction = Enumerable.Range(0, features).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            IEnumerable<Row> Generate()
            {
                for (int i = 0; i < rows; i++)
                {
                    var x = new float[features];
                    float dot = 0;
                    for (int j = 0; j < features; j++) { x[j] = (float)random.NextDouble(); dot += x[j] * direction[j]; }
                    yield return new Row { Features = x, Label = dot + 0.05 * (random.NextDouble() - 0.5) > 0 };
                }
            }
            var schema = SchemaDefinition.Create(typeof(Row));
            schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
            using var stream = File.Create(file);
            ml.Data.SaveAsBinary(ml.Data.LoadFromEnumerable(Generate(), schema), stream); // streams: no row list in memory
        }

        internal static long PeakResidentBytes()
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:")) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) << 10;
            return 0;
        }
    }
}
