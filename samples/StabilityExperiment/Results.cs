using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MLNetRiemannian.Theory;

namespace MLNetRiemannian.Samples.Stability
{
    /// <summary>The trainings on S and on each S′ with one trainer setting and one n (see <see cref="Measurement"/>).</summary>
    /// <param name="Trainer">The setting's name.</param>
    /// <param name="Kind">Riemannian, Sgd or Adam.</param>
    /// <param name="Mass">μ for the Riemannian trainer; the mass the bound was evaluated with for SGD and Adam.</param>
    /// <param name="N">The size of S.</param>
    /// <param name="Divergence"><c>max_i |f_S(x_i) − f_S′(x_i)|</c> over the probe set after the last step, the largest over the replacements.</param>
    /// <param name="DivergencePerReplacement">The same for each replacement.</param>
    /// <param name="CheckpointSteps">The steps after which the divergence and the bound's parts were also measured, 0 (the initialization) first.</param>
    /// <param name="DivergenceAtCheckpoints">The divergence (largest over the replacements) after each of those steps.</param>
    /// <param name="TrainingLoss">Mean <c>½(ŷ − y)²</c> on S after training.</param>
    /// <param name="Seconds">Wall time of all the trainings and estimates.</param>
    /// <param name="Estimate">The stability bound and its parts for the model trained on S (the library's answer for the trained model).</param>
    /// <param name="EstimatesAtCheckpoints">The same for S's network at each checkpoint.</param>
    /// <param name="TrajectoryBound">The bound from the largest κ and L and the smallest ξ over the checkpoints.</param>
    internal sealed record PairResult(string Trainer, TrainerKind Kind, double Mass, int N, double Divergence, double[] DivergencePerReplacement,
        int[] CheckpointSteps, double[] DivergenceAtCheckpoints, double TrainingLoss, double Seconds, StabilityBoundEstimate Estimate,
        StabilityBoundEstimate[] EstimatesAtCheckpoints, double TrajectoryBound);

    /// <summary>A least-squares line through <c>(log x, log y)</c>: the exponent of a power law.</summary>
    /// <param name="Series">What was fitted.</param>
    /// <param name="Variable">"n" or "μ".</param>
    /// <param name="Slope">The fitted exponent.</param>
    /// <param name="Points">How many points.</param>
    internal sealed record PowerLawFit(string Series, string Variable, double Slope, int Points)
    {
        public static PowerLawFit Of(string series, string variable, IReadOnlyList<(double X, double Y)> points)
        {
            var usable = points.Where(p => p.X > 0 && p.Y > 0 && double.IsFinite(p.Y)).Select(p => (X: Math.Log(p.X), Y: Math.Log(p.Y))).ToArray();
            if (usable.Length < 2) return new PowerLawFit(series, variable, double.NaN, usable.Length);
            double mx = usable.Average(p => p.X), my = usable.Average(p => p.Y);
            double slope = usable.Sum(p => (p.X - mx) * (p.Y - my)) / usable.Sum(p => (p.X - mx) * (p.X - mx));
            return new PowerLawFit(series, variable, slope, usable.Length);
        }
    }

    /// <summary>Everything the experiment measured, as written to results.json.</summary>
    internal sealed record ExperimentResults(IReadOnlyDictionary<string, object> Settings, IReadOnlyList<PairResult> Pairs, IReadOnlyList<PowerLawFit> Fits)
    {
        private static readonly JsonSerializerOptions Json = new()
        {
            WriteIndented = true,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, // an infinite bound stays "Infinity"
            Converters = { new JsonStringEnumConverter() },
        };

        public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

        /// <summary>The measurements and the fitted slopes as Markdown tables (docs/stability/README.md quotes them).</summary>
        public void SaveTables(string path)
        {
            var text = new StringBuilder();
            text.AppendLine("| trainer | n | measured divergence | bound at the trained model | ratio | bound along training | ratio | ξ (trained) | κ | L | training loss |");
            text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var p in Pairs)
            {
                var e = p.Estimate;
                text.AppendLine($"| {p.Trainer} | {p.N} | {p.Divergence:G3} | {e.Bound:E2} | {e.Bound / p.Divergence:E1} | {p.TrajectoryBound:E2} | {p.TrajectoryBound / p.Divergence:E1} | " +
                                $"{e.Xi:E2} | {e.Kappa:F1} | {e.LossLipschitz:F2} | {p.TrainingLoss:F4} |");
            }
            text.AppendLine();
            text.AppendLine("| fitted series | variable | slope | points |");
            text.AppendLine("| --- | --- | ---: | ---: |");
            foreach (var f in Fits) text.AppendLine($"| {f.Series} | {f.Variable} | {f.Slope:F2} | {f.Points} |");
            File.WriteAllText(path, text.ToString());
        }

        /// <summary>The slopes in n of the divergence, the bound and ξ for every trainer setting, and in μ of the divergence and both bounds at every n.</summary>
        public static List<PowerLawFit> Fit(IReadOnlyList<PairResult> pairs)
        {
            var fits = new List<PowerLawFit>();
            foreach (var series in pairs.GroupBy(p => p.Trainer))
            {
                fits.Add(PowerLawFit.Of($"{series.Key}: divergence", "n", series.Select(p => ((double)p.N, p.Divergence)).ToList()));
                fits.Add(PowerLawFit.Of($"{series.Key}: bound", "n", series.Select(p => ((double)p.N, p.Estimate.Bound)).ToList()));
                fits.Add(PowerLawFit.Of($"{series.Key}: bound along training", "n", series.Select(p => ((double)p.N, p.TrajectoryBound)).ToList()));
                fits.Add(PowerLawFit.Of($"{series.Key}: ξ", "n", series.Select(p => ((double)p.N, p.Estimate.Xi)).ToList()));
                fits.Add(PowerLawFit.Of($"{series.Key}: smallest ξ along training", "n", series.Select(p => ((double)p.N, p.EstimatesAtCheckpoints.Min(e => e.Xi))).ToList()));
            }
            var riemannian = pairs.Where(p => p.Kind == TrainerKind.Riemannian).ToList();
            foreach (var atN in riemannian.GroupBy(p => p.N))
            {
                fits.Add(PowerLawFit.Of($"Riemannian n={atN.Key}: divergence", "μ", atN.Select(p => (p.Mass, p.Divergence)).ToList()));
                fits.Add(PowerLawFit.Of($"Riemannian n={atN.Key}: bound", "μ", atN.Select(p => (p.Mass, p.Estimate.Bound)).ToList()));
                fits.Add(PowerLawFit.Of($"Riemannian n={atN.Key}: bound along training", "μ", atN.Select(p => (p.Mass, p.TrajectoryBound)).ToList()));
            }
            return fits;
        }
    }
}
