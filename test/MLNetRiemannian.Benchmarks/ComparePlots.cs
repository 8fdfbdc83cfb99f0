using System.Collections.Generic;
using System.IO;
using System.Linq;
using ScottPlot;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// The two PNG plots of <c>compare</c>: accuracy against cumulative training seconds for every run (each trainer one
    /// color, each seed one line through its quarter-epoch measurements, ML.NET's trainers one marker per seed), and the
    /// network trainers' median accuracy against (fractional) epochs, with ML.NET's trainers as levels. Both mark the
    /// accuracy levels of the report.
    /// </summary>
    internal static class ComparePlots
    {
        public const string AccuracyVsTime = "accuracy-vs-time.png";
        public const string AccuracyVsEpoch = "accuracy-vs-epoch.png";
        private const int Width = 1000;
        private const int Height = 650;

        /// <summary>Writes both plots into <paramref name="directory"/>.</summary>
        public static void Save(CompareResults results, string directory)
        {
            var s = results.Settings;
            string rows = s.Evaluate == CompareData.EvaluateTest ? "test" : "validation";
            string seeds = s.Seeds.Count == 1 ? $"seed {s.Seeds[0]}" : $"seeds {string.Join(", ", s.Seeds)}";
            var palette = new ScottPlot.Palettes.Category10();
            var time = Plot($"{s.Dataset}: {rows} accuracy against training time, every run ({seeds})", $"cumulative training seconds ({rows} evaluation excluded)", rows, s.AccuracyLevels);
            var epoch = Plot($"{s.Dataset}: {rows} accuracy per epoch (median of {seeds}; RiemannianMlp batch {s.BatchSize}, Adam and SGD {BaselineOptimizer.BatchSize})",
                "epoch (measured every quarter)", rows, s.AccuracyLevels);
            var seedMarkers = new[] { MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledTriangleDown, MarkerShape.Cross };
            for (int i = 0; i < s.Trainers.Count; i++)
            {
                string trainer = s.Trainers[i];
                var color = palette.GetColor(i);
                var bySeed = results.Runs.Where(r => r.Trainer == trainer).GroupBy(r => r.Seed).OrderBy(g => g.Key).ToList();
                bool oneFit = bySeed.All(g => g.All(r => r.Epoch == 0));
                for (int k = 0; k < bySeed.Count; k++)
                {
                    var points = bySeed[k].OrderBy(r => r.Epoch).ToList();
                    var line = time.Add.Scatter(points.Select(p => p.Seconds).ToArray(), points.Select(p => p.TestAccuracy).ToArray(), color);
                    if (k == 0) line.LegendText = trainer;
                    line.MarkerShape = oneFit ? MarkerShape.FilledDiamond : seedMarkers[k % seedMarkers.Length];
                    line.MarkerSize = oneFit ? 12 : 5;
                    line.LineWidth = oneFit ? 0 : 1.5f;
                }
                var curve = CompareSummary.MedianCurve(trainer, results.Runs);
                if (!oneFit)
                {
                    var epochLine = epoch.Add.Scatter(curve.Select(p => p.Epoch).ToArray(), curve.Select(p => p.Accuracy).ToArray(), color);
                    epochLine.LegendText = trainer;
                    epochLine.MarkerSize = 5;
                }
                else
                {
                    // One fit, not epochs: its accuracy as a level across the plot.
                    var level = epoch.Add.HorizontalLine(curve[0].Accuracy, 2, color, LinePattern.Dashed);
                    level.LegendText = $"{trainer} (one fit)";
                }
            }
            if (results.Runs.Max(r => r.Seconds) > s.BudgetSeconds)
            {
                var budget = time.Add.VerticalLine(s.BudgetSeconds, 1, Colors.Gray, LinePattern.Dashed);
                budget.LegendText = $"budget {s.BudgetSeconds:F0} s";
            }
            // Time from zero, so that the gaps between trainers read as ratios.
            time.Axes.AutoScale();
            time.Axes.SetLimitsX(0, time.Axes.GetLimits().Right);
            time.SavePng(Path.Combine(directory, AccuracyVsTime), Width, Height);
            epoch.SavePng(Path.Combine(directory, AccuracyVsEpoch), Width, Height);
        }

        private static Plot Plot(string title, string xLabel, string rows, IReadOnlyList<double> levels)
        {
            var plot = new Plot();
            plot.Title(title);
            plot.XLabel(xLabel);
            plot.YLabel($"{rows} accuracy");
            for (int i = 0; i < levels.Count; i++)
            {
                var level = plot.Add.HorizontalLine(levels[i], 1, Colors.Gray, LinePattern.Dotted);
                if (i == 0) level.LegendText = $"levels {string.Join(", ", levels.Select(l => $"{l:P1}"))}";
            }
            plot.ShowLegend(Edge.Right);
            return plot;
        }
    }
}
