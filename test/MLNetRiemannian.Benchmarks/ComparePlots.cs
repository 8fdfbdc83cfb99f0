using System.IO;
using System.Linq;
using ScottPlot;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// The two PNG plots of <c>compare</c>: test accuracy against cumulative training seconds, and against epochs, one
    /// line per network trainer (medians over seeds, as results.md) and one marker or level per ML.NET trainer.
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
            string seeds = s.Seeds.Count == 1 ? "seed 1" : $"median of {s.Seeds.Count} seeds";
            var palette = new ScottPlot.Palettes.Category10();
            var time = Plot($"{s.Dataset}: test accuracy against training time ({seeds})", "cumulative training seconds (test evaluation excluded)", s.TargetAccuracy);
            var epoch = Plot($"{s.Dataset}: test accuracy per epoch ({seeds}; RiemannianMlp batch {s.BatchSize}, Adam and SGD {BaselineOptimizer.BatchSize})", "epoch", s.TargetAccuracy);
            for (int i = 0; i < s.Trainers.Count; i++)
            {
                string trainer = s.Trainers[i];
                var curve = CompareSummary.MedianCurve(trainer, results.Runs);
                var color = palette.GetColor(i);
                var timeLine = time.Add.Scatter(curve.Select(p => p.Seconds).ToArray(), curve.Select(p => p.Accuracy).ToArray(), color);
                timeLine.LegendText = trainer;
                timeLine.MarkerSize = 7;
                if (curve[0].Epoch == 0)
                {
                    timeLine.MarkerShape = MarkerShape.FilledDiamond;
                    timeLine.MarkerSize = 12;
                }
                if (curve[0].Epoch > 0)
                {
                    var epochLine = epoch.Add.Scatter(curve.Select(p => (double)p.Epoch).ToArray(), curve.Select(p => p.Accuracy).ToArray(), color);
                    epochLine.LegendText = trainer;
                    epochLine.MarkerSize = 7;
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
            epoch.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
            // Time from zero, so that the gaps between trainers read as ratios.
            time.Axes.AutoScale();
            time.Axes.SetLimitsX(0, time.Axes.GetLimits().Right);
            time.SavePng(Path.Combine(directory, AccuracyVsTime), Width, Height);
            epoch.SavePng(Path.Combine(directory, AccuracyVsEpoch), Width, Height);
        }

        private static Plot Plot(string title, string xLabel, double targetAccuracy)
        {
            var plot = new Plot();
            plot.Title(title);
            plot.XLabel(xLabel);
            plot.YLabel("test accuracy");
            var target = plot.Add.HorizontalLine(targetAccuracy, 1, Colors.Gray, LinePattern.Dotted);
            target.LegendText = $"target {targetAccuracy:P1}";
            plot.ShowLegend(Edge.Right);
            return plot;
        }
    }
}
