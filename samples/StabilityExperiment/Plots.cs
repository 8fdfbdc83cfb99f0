using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ScottPlot;

namespace MLNetRiemannian.Samples.Stability
{
    /// <summary>The two log-log figures: measured divergence against n for every trainer, and the bound against n beside it.</summary>
    internal static class Plots
    {
        public static void Save(IReadOnlyList<PairResult> pairs, string folder)
        {
            var series = pairs.GroupBy(p => p.Trainer).ToList();
            var palette = new ScottPlot.Palettes.Category10();

            int[] sizes = pairs.Select(p => p.N).Distinct().Order().ToArray();
            var divergence = LogLog(sizes, "Divergence after training on S and on S′ (one of n samples replaced)", "sup over probe |f_S − f_S′|");
            for (int i = 0; i < series.Count; i++)
                Line(divergence, series[i].Select(p => (p.N, p.Divergence)), palette.GetColor(i), series[i].Key, LinePattern.Solid);
            Reference(divergence, sizes, pairs.Where(p => p.Kind == TrainerKind.Riemannian).Max(p => p.Divergence));
            divergence.ShowLegend(Alignment.LowerLeft);
            divergence.SavePng(Path.Combine(folder, "divergence-vs-n.png"), 900, 600);

            var bound = LogLog(sizes, "Theorem 3's bound 2κ²L/(ξμ√n) against the measured divergence", "output difference");
            var riemannian = series.Where(s => s.First().Kind == TrainerKind.Riemannian).ToList();
            for (int i = 0; i < riemannian.Count; i++)
            {
                string mu = riemannian[i].Key.Replace("Riemannian ", "");
                Line(bound, riemannian[i].Select(p => (p.N, p.TrajectoryBound)), palette.GetColor(i), $"{mu}: bound along training (dotted)", LinePattern.Dotted);
                Line(bound, riemannian[i].Select(p => (p.N, p.Estimate.Bound)), palette.GetColor(i), $"{mu}: bound at the trained model (dashed)", LinePattern.Dashed);
                Line(bound, riemannian[i].Select(p => (p.N, p.Divergence)), palette.GetColor(i), $"{mu}: measured (solid)", LinePattern.Solid);
            }
            bound.ShowLegend(Edge.Right);
            bound.SavePng(Path.Combine(folder, "bound-vs-n.png"), 1200, 600);
        }

        /// <summary>A plot whose axes show log10 of the data with decade labels (ScottPlot has no native log axis).</summary>
        private static Plot LogLog(int[] sizes, string title, string yLabel)
        {
            var plot = new Plot();
            plot.Title(title);
            plot.XLabel("n (training samples)");
            plot.YLabel(yLabel);
            plot.Axes.Bottom.SetTicks(sizes.Select(n => Math.Log10(n)).ToArray(), sizes.Select(n => n.ToString()).ToArray());
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = v => $"1e{v:0}",
            };
            return plot;
        }

        private static void Line(Plot plot, IEnumerable<(int N, double Y)> points, Color color, string label, LinePattern pattern)
        {
            var finite = points.Where(p => p.Y > 0 && double.IsFinite(p.Y)).ToArray();
            if (finite.Length == 0) return;
            var scatter = plot.Add.Scatter(finite.Select(p => Math.Log10(p.N)).ToArray(), finite.Select(p => Math.Log10(p.Y)).ToArray(), color);
            scatter.LegendText = label;
            scatter.LinePattern = pattern;
            scatter.LineWidth = 2;
            scatter.MarkerSize = 7;
        }

        /// <summary>A grey line of slope −1/2 (the theorem's rate in n) starting at the top-left of the measured points.</summary>
        private static void Reference(Plot plot, int[] sizes, double start)
        {
            double[] x = { Math.Log10(sizes[0]), Math.Log10(sizes[^1]) };
            var line = plot.Add.Scatter(x, new[] { Math.Log10(start), Math.Log10(start) - 0.5 * (x[1] - x[0]) }, Colors.Gray);
            line.LegendText = "slope −1/2";
            line.LinePattern = LinePattern.Dotted;
            line.MarkerSize = 0;
        }
    }
}
