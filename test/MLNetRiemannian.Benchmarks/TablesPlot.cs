using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ScottPlot;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// vs-lightgbm.png of <c>tables</c> and <c>tables-report</c>: per table (each set's tables together, in the run's
    /// order), RiemannianMlp's median minus LightGbm's in points on the judged metric as a bar, with the SDCA trainer's and
    /// the baseline's RiemannianMlp as markers, and lines at 0 and −3 points (issue 18's "at or above" and "within 3").
    /// Differences beyond ±<see cref="Range"/> points are drawn at the edge, their value in the table's label.
    /// </summary>
    internal static class TablesPlot
    {
        public const string FileName = "vs-lightgbm.png";

        /// <summary>The plotted range of points either side of LightGbm.</summary>
        private const double Range = 20;

        /// <summary>Writes the plot into <paramref name="directory"/> when some table has RiemannianMlp and LightGbm medians; returns whether it did.</summary>
        public static bool Save(TablesResults results, string directory)
        {
            var tables = results.Summary?.Tables.Where(t => t.PointsVsLightGbm is not null).ToList() ?? new List<TableMedians>();
            if (tables.Count == 0) return false;
            var plot = new Plot();
            var sets = tables.Select(t => t.Set).Distinct().ToList();
            var scores = results.Summary!.Sets.Where(s => sets.Contains(s.Set) && s.MeanPointsVsLightGbm is not null)
                .Select(s => $"{s.Set}: mean {s.MeanPointsVsLightGbm:+0.00;−0.00}, {s.AtOrAboveLightGbm} of {s.Scored} at or above");
            plot.Title($"RiemannianMlp − LightGbm per table ({string.Join("; ", scores)})", 14);
            plot.XLabel($"points against LightGbm on the judged metric (100 × the difference of the medians over {results.Settings.Seeds} seed{(results.Settings.Seeds == 1 ? "" : "s")}; beyond ±{Range:F0} at the edge)", 13);
            // The first table on top.
            double[] positions = tables.Select((_, i) => (double)(tables.Count - 1 - i)).ToArray();
            var ours = tables.Select(t => t.PointsVsLightGbm!.Value).ToArray();
            var bars = plot.Add.Bars(positions, ours.Select(Clip).ToArray());
            bars.Horizontal = true;
            bars.LegendText = "RiemannianMlp";
            for (int i = 0; i < bars.Bars.Count; i++) bars.Bars[i].FillColor = ours[i] >= 0 ? Colors.SteelBlue : Colors.IndianRed;

            var sdca = tables.Select((t, i) => (t.PointsVsSdca, Position: positions[i], Ours: ours[i])).Where(p => p.PointsVsSdca is not null).ToList();
            if (sdca.Count > 0)
            {
                // SDCA − LightGbm = (RiemannianMlp − LightGbm) − (RiemannianMlp − SDCA).
                var markers = plot.Add.Markers(sdca.Select(p => Clip(p.Ours - p.PointsVsSdca!.Value)).ToArray(), sdca.Select(p => p.Position).ToArray(), MarkerShape.OpenCircle, 9, Colors.DarkOrange);
                markers.LegendText = "SDCA";
            }
            var baseline = tables.Select((t, i) => (t.PointsVsBaseline, Position: positions[i], Ours: ours[i])).Where(p => p.PointsVsBaseline is not null).ToList();
            if (baseline.Count > 0)
            {
                var markers = plot.Add.Markers(baseline.Select(p => Clip(p.Ours - p.PointsVsBaseline!.Value)).ToArray(), baseline.Select(p => p.Position).ToArray(), MarkerShape.FilledDiamond, 8, Colors.Gray);
                markers.LegendText = "RiemannianMlp in the baseline";
            }
            plot.Add.VerticalLine(0, 1.5f, Colors.Black);
            var three = plot.Add.VerticalLine(-3, 1, Colors.Gray, LinePattern.Dashed);
            three.LegendText = "3 points below LightGbm";

            string Label(TableMedians t, double points) =>
                $"{t.Table} ({(sets.Count > 1 ? $"{t.Set}, " : "")}{t.Metric}){(Math.Abs(points) > Range ? $" {points:+0.0;−0.0}" : "")}";
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, tables.Select((t, i) => Label(t, ours[i])).ToArray());
            plot.Axes.SetLimits(-Range - 1, Range + 1, -1, tables.Count);
            plot.ShowLegend(Alignment.LowerRight);
            plot.SavePng(Path.Combine(directory, FileName), 1100, 160 + 26 * tables.Count);
            return true;
        }

        private static double Clip(double points) => Math.Clamp(points, -Range, Range);
    }
}
