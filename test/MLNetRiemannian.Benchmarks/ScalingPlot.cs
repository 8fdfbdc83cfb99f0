using System;
using System.Collections.Generic;
using System.Linq;
using ScottPlot;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// woodbury-vs-dense.png: time per solve against n, log-log, one panel per d; colour is B, solid circles the
    /// Woodbury direction, dashed squares the dense solve.
    /// </summary>
    internal static class ScalingPlot
    {
        public static void Save(IReadOnlyList<ScalingRow> rows, string path)
        {
            var ds = rows.Select(r => r.D).Distinct().OrderBy(d => d).ToArray();
            var batches = rows.Select(r => r.Batch).Distinct().OrderBy(b => b).ToArray();
            var palette = new ScottPlot.Palettes.Category10();
            var multiplot = new Multiplot();
            multiplot.AddPlots(ds.Length);
            multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
            // ScottPlot 5 has no log axis: the data are plotted as log10 values under decade tick labels, on shared limits.
            var time = rows.SelectMany(r => r.DenseMs is { } dense ? new[] { r.WoodburyMs, dense } : new[] { r.WoodburyMs }).ToArray();
            var (nLow, nHigh) = Decades(rows.Select(r => (double)r.N));
            var (timeLow, timeHigh) = Decades(time);
            long denseLargest = rows.Where(r => r.DenseMs is not null).Max(r => r.N);
            for (int panel = 0; panel < ds.Length; panel++)
            {
                var plot = multiplot.GetPlot(panel);
                for (int i = 0; i < batches.Length; i++)
                {
                    var curve = rows.Where(r => r.D == ds[panel] && r.Batch == batches[i]).OrderBy(r => r.N).ToList();
                    var color = palette.GetColor(i);
                    var woodbury = plot.Add.Scatter(curve.Select(r => Math.Log10(r.N)).ToArray(), curve.Select(r => Math.Log10(r.WoodburyMs)).ToArray(), color);
                    woodbury.LegendText = $"Woodbury, B = {batches[i]}";
                    woodbury.LineWidth = 2;
                    woodbury.MarkerSize = 6;
                    var withDense = curve.Where(r => r.DenseMs is not null).ToList();
                    var dense = plot.Add.Scatter(withDense.Select(r => Math.Log10(r.N)).ToArray(), withDense.Select(r => Math.Log10(r.DenseMs!.Value)).ToArray(), color);
                    dense.LegendText = $"dense, B = {batches[i]}";
                    dense.LineWidth = 2;
                    dense.LinePattern = LinePattern.Dashed;
                    dense.MarkerShape = MarkerShape.FilledSquare;
                    dense.MarkerSize = 7;
                }
                plot.Title($"one dense layer (out = {rows[0].Outputs}), d = {ds[panel]} row{(ds[panel] == 1 ? "" : "s")} of the factor per sample");
                plot.XLabel($"n = out·(in + 1) parameters (dense solve: n ≤ {denseLargest:N0})");
                plot.YLabel("ms per solve (median)");
                plot.Axes.Bottom.TickGenerator = LogTicks(nLow, nHigh);
                plot.Axes.Left.TickGenerator = LogTicks(timeLow, timeHigh);
                plot.Axes.SetLimits(nLow - 0.1, nHigh + 0.1, timeLow, timeHigh);
                plot.ShowLegend(Alignment.UpperRight);
            }
            multiplot.SavePng(path, 700 * ds.Length, 600);
        }

        // The whole decades around the values, as exponents.
        private static (int Low, int High) Decades(IEnumerable<double> values)
        {
            var exponents = values.Select(Math.Log10).ToArray();
            return ((int)Math.Floor(exponents.Min()), (int)Math.Ceiling(exponents.Max()));
        }

        // Major ticks at the decades, labelled with the value; minor ticks at 2..9 times each decade.
        private static ScottPlot.TickGenerators.NumericManual LogTicks(int low, int high)
        {
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            for (int exponent = low; exponent <= high; exponent++)
            {
                double value = Math.Pow(10, exponent);
                ticks.AddMajor(exponent, value >= 1 ? value.ToString("N0") : value.ToString("0.###"));
                if (exponent < high)
                    for (int k = 2; k < 10; k++) ticks.AddMinor(exponent + Math.Log10(k));
            }
            return ticks;
        }
    }
}
