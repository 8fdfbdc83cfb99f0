using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace MLNetRiemannian.Samples.Stability
{
    /// <summary>
    /// Tests the stability bound of docs/method.md section 7 (Theorem 3) on real data: for several n and masses μ, with the
    /// Riemannian optimizer, SGD and Adam, trains on S and on S′ (S with one sample replaced), measures
    /// <c>sup_i |y_i − y′_i|</c> on a probe set, estimates the bound of each model trained on S, fits the exponents in n
    /// and μ, and writes results.json and two plots (docs/stability/README.md discusses them).
    /// </summary>
    /// <remarks>
    /// Usage: <c>dotnet run -c Release --project samples/StabilityExperiment [-- --quick] [--out DIR] [--data DIR] [--steps T]</c>.
    /// The full run writes to docs/stability; <c>--quick</c> is a smoke test of a few seconds that writes to a temporary folder.
    /// </remarks>
    internal static class Program
    {
        private const int PoolSeed = 2026, Replacements = 3;

        private static int Main(string[] args)
        {
            bool quick = args.Contains("--quick");
            string dataDirectory = Option(args, "--data") ?? "/usr/share/datasets/fashion-mnist";
            string output = Option(args, "--out") ?? (quick ? Path.Combine(Path.GetTempPath(), "stability-quick") : DocsFolder());
            int[] sizes = quick ? new[] { 250, 500 } : new[] { 250, 500, 1000, 2000, 4000 };
            double[] masses = quick ? new[] { 0.1, 1.0 } : new[] { 0.03, 0.3, 3.0 };
            int steps = int.TryParse(Option(args, "--steps"), out int t) ? t : quick ? 40 : 500;
            int probeSize = quick ? 200 : 1000, xiSamples = quick ? 250 : 1000;
            int replacements = int.TryParse(Option(args, "--replacements"), out int count) ? count : quick ? 1 : Replacements;
            int[] checkpoints = { steps / 8, steps / 4, steps / 2, steps };
            var settings = masses.Select(mu => new TrainerSetting(TrainerKind.Riemannian, 0.5, mu))
                .Append(new TrainerSetting(TrainerKind.Sgd, 0.2))
                .Append(new TrainerSetting(TrainerKind.Adam, 0.003))
                .ToList();

            Directory.CreateDirectory(output);
            var data = ShirtRegression.Load(dataDirectory, sizes.Max() + 1000, probeSize, PoolSeed);
            // Rows 0, 1, … of S are replaced, one at a time, each by the next pool row outside every S of the other class.
            double[] classes;
            using (NewDisposeScope()) classes = data.PoolTargets.flatten().data<double>().ToArray();
            var spare = Enumerable.Range(sizes.Max(), 1000).ToList();
            var pairs = Enumerable.Range(0, replacements).Select(row =>
            {
                long replacement = spare.First(j => classes[j] != classes[row]);
                spare.Remove((int)replacement);
                return ((long)row, replacement);
            }).ToArray();
            Console.WriteLine($"T-shirt/top vs Shirt, {ShirtRegression.FeatureCount} features, n ∈ {{{string.Join(", ", sizes)}}}, {steps} full-batch steps, " +
                              $"{probeSize} probe images; S′ replaces row{(replacements > 1 ? "s" : "")} {string.Join(", ", pairs.Select(p => $"{p.Item1} by pool row {p.Item2}"))}.");

            var measurement = new Measurement(data, pairs, steps, checkpoints, xiSamples);
            var measured = new List<PairResult>();
            var clock = Stopwatch.StartNew();
            foreach (var setting in settings)
            foreach (int n in sizes)
            {
                var r = measurement.Run(setting, n);
                measured.Add(r);
                var e = r.Estimate;
                Console.WriteLine($"{setting.Name,-18} n={n,5}: divergence {r.Divergence:E2} (at steps {string.Join("/", r.CheckpointSteps.Skip(1))}: " +
                                  $"{string.Join(" ", r.DivergenceAtCheckpoints.Skip(1).Select(v => v.ToString("E1")))}), loss {r.TrainingLoss:F4}, " +
                                  $"κ={e.Kappa:F2} L={e.LossLipschitz:F2} ξ={e.Xi:E2} bound {e.Bound:E2} (along training {r.TrajectoryBound:E2}), {r.Seconds:F1} s");
            }

            var fits = ExperimentResults.Fit(measured);
            var results = new ExperimentResults(new Dictionary<string, object>
            {
                ["task"] = "Fashion-MNIST T-shirt/top (−1) vs Shirt (+1), 4×4-averaged to 49 standardized features, squared error ½(ŷ − y)²",
                ["network"] = $"49 → {Training.HiddenWidth} tanh → 1, Float64, initialization seed {Measurement.Seed}",
                ["sizes"] = sizes, ["steps"] = steps, ["checkpoints"] = checkpoints, ["probeSize"] = probeSize, ["poolSeed"] = PoolSeed,
                ["replacements"] = pairs.Select(p => new[] { p.Item1, p.Item2 }).ToArray(),
                ["riemannian"] = $"RiemannianSgd, identity output metric, η = 0.5, no momentum, full batch, metric from the first {Training.CurvatureSamples} samples",
                ["sgd"] = "torch.optim.SGD, lr 0.2, full batch", ["adam"] = "torch.optim.Adam, lr 0.003, full batch",
                ["boundMassForSgdAndAdam"] = 1.0, ["xiSampleCount"] = xiSamples,
                ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1), ["threads"] = get_num_threads(),
            }, measured, fits);
            results.Save(Path.Combine(output, "results.json"));
            results.SaveTables(Path.Combine(output, "tables.md"));
            Plots.Save(measured, output);

            Console.WriteLine();
            foreach (var fit in fits) Console.WriteLine($"slope in {fit.Variable} of {fit.Series}: {fit.Slope:F3} ({fit.Points} points)");
            Console.WriteLine($"Wrote {output}/results.json, tables.md and the plots in {clock.Elapsed.TotalSeconds:F0} s.");
            return 0;
        }

        private static string? Option(string[] args, string name)
        {
            int i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }

        /// <summary>docs/stability of the repository this runs in (found from the working directory upward).</summary>
        private static string DocsFolder()
        {
            for (var folder = new DirectoryInfo(Environment.CurrentDirectory); folder is not null; folder = folder.Parent)
                if (File.Exists(Path.Combine(folder.FullName, "MLNetRiemannian.sln"))) return Path.Combine(folder.FullName, "docs", "stability");
            throw new DirectoryNotFoundException("Run from inside the repository, or pass --out DIR.");
        }
    }
}
