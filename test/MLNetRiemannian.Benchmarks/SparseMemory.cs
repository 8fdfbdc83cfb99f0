using System;
using System.Diagnostics;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetRiemannian.Numerics;
using TorchSharp;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// <c>sparse-memory</c>: fit time, peak resident memory and the feature cache's bytes per non-zero on a wide sparse
    /// table, one trainer per process (run it once per trainer). Tables: <c>c21</c> (the field case: Region and Product
    /// hashed one-hot at 16 bits each, Amount min-max normalized, binary label Flagged) and <c>text</c> (a CSV with
    /// columns text,book: FeaturizeText of the text, multiclass over the book through MapValueToKey, 80/20 split).
    /// </summary>
    internal static class SparseMemory
    {
        /// <summary>
        /// <c>--table products</c>: the first layer's three products on one random sparse batch (B rows, W slots, z
        /// non-zeros per row, out outputs), through the compacted columns (<see cref="SparseInput"/>, what training uses)
        /// kept as entries (<see cref="SparseEntryInput"/>), as <see cref="SparseInput.FromEntries"/> chooses, and through
        /// TorchSharp's sparse COO tensor (<c>mm</c>; 0.107 has no CSR constructor), median of 20 runs each.
        /// </summary>
        private static int Products(string[] args)
        {
            long batch = long.Parse(StepTiming.Option(args, "--batch", "512"));
            long width = long.Parse(StepTiming.Option(args, "--width", "1048576"));
            long perRow = long.Parse(StepTiming.Option(args, "--nonzeros", "30"));
            long outputs = long.Parse(StepTiming.Option(args, "--outputs", "256"));
            using var scope = torch.NewDisposeScope();
            var generator = new torch.Generator(1);
            var rows = torch.arange(batch).repeat_interleave(perRow);
            var columns = torch.randint(width, new[] { batch * perRow }, generator: generator);
            var values = torch.randn(new[] { batch * perRow }, generator: generator);
            var weight = torch.randn(new[] { outputs, width }, generator: generator);
            var bias = torch.randn(new[] { outputs }, generator: generator);
            var delta = torch.randn(new[] { batch, outputs }, generator: generator);
            // Distinct (row, column) pairs, as a VBuffer's are: sort by key and drop repeats.
            var key = (rows * width + columns).unique().Item1;
            rows = key.div(width, rounding_mode: torch.RoundingMode.floor);
            columns = key.remainder(width);
            values = values.narrow(0, 0, key.shape[0]);

            double Ours(double minimumFill) => Median(() =>
            {
                using var s = torch.NewDisposeScope();
                var x = SparseInput.FromEntries(rows, columns, values, batch, width, minimumFill);
                x.Linear(weight, bias).sum().item<float>();
                x.TransposedTimes(delta).sum().item<float>();
                x.Gram(null).sum().item<float>();
            });
            double compact = Ours(0), entries = Ours(2), chosen = Ours(SparseInput.MinimumFill);
            double coo = Median(() =>
            {
                using var s = torch.NewDisposeScope();
                var x = torch.sparse_coo_tensor(torch.stack(new[] { rows, columns }), values, new[] { batch, width });
                x.mm(weight.t()).add_(bias).sum().item<float>();
                x.t().mm(delta).t().sum().item<float>();
                x.mm(x.t()).to_dense().add_(1).sum().item<float>();
            });
            Console.WriteLine($"| B {batch} | width {width} | {key.shape[0] / (double)batch:F1} non-zeros/row | out {outputs} | compacted columns {compact * 1e3:F1} ms | entries {entries * 1e3:F1} ms | as chosen {chosen * 1e3:F1} ms | COO mm {coo * 1e3:F1} ms |");
            return 0;
        }

        private static double Median(Action run)
        {
            run();
            var times = Enumerable.Range(0, 20).Select(_ => { var c = Stopwatch.StartNew(); run(); return c.Elapsed.TotalSeconds; }).OrderBy(t => t).ToArray();
            return times[times.Length / 2];
        }

        private sealed class Order
        {
            [LoadColumn(0)] public string Region = "";
            [LoadColumn(1)] public string Product = "";
            [LoadColumn(2)] public float Amount = float.NaN;
            [LoadColumn(3)] public bool Flagged = false;
        }

        private sealed class Line
        {
            [LoadColumn(0)] public string Text = "";
            [LoadColumn(1)] public string Book = "";
        }

        public static int Run(string[] args)
        {
            string table = StepTiming.Option(args, "--table", "c21");
            if (table == "products") return Products(args);
            string file = StepTiming.Option(args, "--data", "");
            string trainer = StepTiming.Option(args, "--trainer", "riemannian");
            string hidden = StepTiming.Option(args, "--hidden", "");
            SparseInput.BatchMinimumFill = double.Parse(StepTiming.Option(args, "--minimum-fill", SparseInput.MinimumFill.ToString("R")), System.Globalization.CultureInfo.InvariantCulture);
            var ml = new MLContext(1);
            ml.Log += (_, e) =>
            {
                if (e.Message.Contains("Features cached") || e.Message.StartsWith("RiemannianMlp:") || e.Message.StartsWith("Epoch 1/"))
                    Console.WriteLine($"  log: {e.Message}");
            };
            var hiddenSizes = hidden.Length == 0 ? null : hidden.Split(',').Select(int.Parse).ToArray();
            var clock = Stopwatch.StartNew();
            string quality;
            if (table == "c21")
            {
                var data = ml.Data.LoadFromTextFile<Order>(file, separatorChar: ',', hasHeader: true);
                var pipeline = ml.Transforms.Categorical.OneHotHashEncoding("Region")
                    .Append(ml.Transforms.Categorical.OneHotHashEncoding("Product"))
                    .Append(ml.Transforms.NormalizeMinMax("Amount"))
                    .Append(ml.Transforms.Concatenate("Features", "Region", "Product", "Amount"));
                ITransformer model = trainer == "sdca"
                    ? pipeline.Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression("Flagged")).Fit(data)
                    : pipeline.Append(ml.BinaryClassification.Trainers.RiemannianMlp(labelColumnName: "Flagged", hiddenLayerSizes: hiddenSizes)).Fit(data);
                quality = $"training accuracy {ml.BinaryClassification.EvaluateNonCalibrated(model.Transform(data), "Flagged").Accuracy:F4}";
            }
            else
            {
                var split = ml.Data.TrainTestSplit(ml.Data.LoadFromTextFile<Line>(file, separatorChar: ',', hasHeader: true, allowQuoting: true), 0.2, seed: 1);
                var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Book")
                    .Append(ml.Transforms.Text.FeaturizeText("Features", "Text"));
                ITransformer model = trainer == "sdca"
                    ? pipeline.Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy()).Fit(split.TrainSet)
                    : pipeline.Append(ml.MulticlassClassification.Trainers.RiemannianMlp(hiddenLayerSizes: hiddenSizes)).Fit(split.TrainSet);
                quality = $"hold-out accuracy {ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet)).MicroAccuracy:F4}";
            }
            double seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"| {table} | {trainer}{(hidden.Length > 0 ? $" (hidden {hidden})" : "")}, minimum fill {SparseInput.BatchMinimumFill:G3} | {seconds:F1} | {LargeDataMemory.PeakResidentBytes() >> 20} | {quality} |");
            Console.WriteLine($"(compressed rows take {CsrFeatureMatrix.BytesPerNonZero} bytes per non-zero plus 8 per row)");
            return 0;
        }
    }
}
