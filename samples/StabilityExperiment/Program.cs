using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Theory;
using static TorchSharp.torch;

namespace MLNetRiemannian.Samples.Stability
{
    /// <summary>
    /// Tests the stability bound of paper.md section 5 (Theorem 3) on real data: trains on S and on S′ (S with its first
    /// sample replaced), same initialization, same full-batch steps, for several n and masses μ, with the Riemannian
    /// optimizer, SGD and Adam; measures <c>sup_i |y_i − y′_i|</c> on a probe set; estimates the bound of each model
    /// trained on S; fits the exponents in n and μ; writes results.json, two plots and prints a summary.
    /// </summary>
    /// <remarks>
    /// Usage: <c>dotnet run -c Release --project samples/StabilityExperiment [-- --quick] [--out DIR] [--data DIR]</c>.
    /// The full run writes to docs/stability (about 6 minutes on 2 cores); <c>--quick</c> is a one-minute smoke test
    /// that writes to a temporary folder.
    /// </remarks>
    internal static class Program
    {
        private const int Seed = 1, PoolSeed = 2026;

        private static int Main(string[] args)
        {
            bool quick = args.Contains("--quick");
            string dataDirectory = Option(args, "--data") ?? "/usr/share/datasets/fashion-mnist";
            string output = Option(args, "--out") ?? (quick ? Path.Combine(Path.GetTempPath(), "stability-quick") : DocsFolder());
            int[] sizes = quick ? new[] { 250, 500 } : new[] { 250, 500, 1000, 2000, 4000 };
            double[] masses = quick ? new[] { 0.1, 1.0 } : new[] { 0.03, 0.3, 3.0 };
            int steps = int.TryParse(Option(args, "--steps"), out int s) ? s : quick ? 40 : 1000, probeSize = quick ? 200 : 1000, xiSamples = quick ? 250 : 1000;
            int[] checkpoints = new[] { steps / 8, steps / 4, steps / 2, steps };
            var settings = masses.Select(mu => new TrainerSetting(TrainerKind.Riemannian, 0.5, mu))
                .Append(new TrainerSetting(TrainerKind.Sgd, 0.2))
                .Append(new TrainerSetting(TrainerKind.Adam, 0.003))
                .ToList();

            Directory.CreateDirectory(output);
            var data = ShirtRegression.Load(dataDirectory, sizes.Max() + 1000, probeSize, PoolSeed);
            // The replacement: the first pool row outside every S whose class differs from the replaced row's.
            long replacement = Enumerable.Range(sizes.Max(), 1000).First(j => data.PoolTargets[j, 0].item<double>() != data.PoolTargets[0, 0].item<double>());
            Console.WriteLine($"T-shirt/top vs Shirt, {ShirtRegression.FeatureCount} features, n ∈ {{{string.Join(", ", sizes)}}}, {steps} full-batch steps, " +
                              $"{probeSize} probe images; S′ replaces pool row 0 by pool row {replacement}.");

            var pairs = new List<PairResult>();
            var clock = Stopwatch.StartNew();
            foreach (var setting in settings)
            foreach (int n in sizes)
            {
                using var scope = NewDisposeScope();
                var started = clock.Elapsed;
                var inputs = data.PoolInputs.narrow(0, 0, n);
                var targets = data.PoolTargets.narrow(0, 0, n);
                var replacedInputs = inputs.clone();
                var replacedTargets = targets.clone();
                replacedInputs[0] = data.PoolInputs[replacement];
                replacedTargets[0] = data.PoolTargets[replacement];

                using var network = Training.Network(Seed, setting.Mass);
                using var replacedNetwork = Training.Network(Seed, setting.Mass);
                var probe = new List<Tensor>();
                var replacedProbe = new List<Tensor>();
                var estimates = new List<StabilityBoundEstimate>();
                var estimating = new Stopwatch();
                double loss = Training.Train(network, setting, inputs, targets, steps, checkpoints, _ =>
                {
                    probe.Add(Probe(network, data.ProbeInputs));
                    estimating.Start();
                    estimates.Add(StabilityBound.Estimate(network, new SquaredErrorLoss(), inputs, targets, xiSamples));
                    estimating.Stop();
                });
                Training.Train(replacedNetwork, setting, replacedInputs, replacedTargets, steps, checkpoints, _ => replacedProbe.Add(Probe(replacedNetwork, data.ProbeInputs)));
                var divergence = probe.Zip(replacedProbe, (a, b) => (a - b).abs().max().item<double>()).ToArray();
                var estimate = estimates[^1];

                var pair = new PairResult(setting.Name, setting.Kind, setting.Mass, n, divergence[^1], checkpoints.Prepend(0).ToArray(), divergence, loss,
                    (clock.Elapsed - started).TotalSeconds, estimate, estimates.ToArray(), TrajectoryBound(estimates));
                pairs.Add(pair);
                Console.WriteLine($"{setting.Name,-18} n={n,5}: divergence {pair.Divergence:E2} (at steps {string.Join("/", pair.CheckpointSteps.Skip(1))}: " +
                                  $"{string.Join(" ", divergence.Skip(1).Select(v => v.ToString("E1")))}), loss {loss:F4}, κ={estimate.Kappa:F2} L={estimate.LossLipschitz:F2} " +
                                  $"ξ={estimate.Xi:E2} bound {estimate.Bound:E2} (along training {pair.TrajectoryBound:E2}), {pair.Seconds:F1} s ({estimating.Elapsed.TotalSeconds:F1} s estimating)");
                foreach (var t in probe.Concat(replacedProbe)) t.Dispose();
            }

            var fits = ExperimentResults.Fit(pairs);
            var results = new ExperimentResults(new Dictionary<string, object>
            {
                ["task"] = "Fashion-MNIST T-shirt/top (−1) vs Shirt (+1), 4×4-averaged to 49 standardized features, squared error",
                ["network"] = $"49 → {Training.HiddenWidth} tanh → 1, Float64, seed {Seed}",
                ["sizes"] = sizes, ["steps"] = steps, ["probeSize"] = probeSize, ["poolSeed"] = PoolSeed,
                ["replacedRow"] = 0, ["replacementPoolRow"] = replacement,
                ["riemannian"] = $"RiemannianSgd, identity output metric, η = 0.5, no momentum, full batch, metric from the first {Training.CurvatureSamples} samples",
                ["sgd"] = "torch.optim.SGD, lr 0.2, full batch", ["adam"] = "torch.optim.Adam, lr 0.003, full batch",
                ["xiSampleCount"] = xiSamples, ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
            }, pairs, fits);
            results.Save(Path.Combine(output, "results.json"));
            Plots.Save(pairs, output);
            Console.WriteLine();
            foreach (var fit in fits) Console.WriteLine($"slope in {fit.Variable} of {fit.Series}: {fit.Slope:F3} ({fit.Points} points)");
            Console.WriteLine($"Wrote {output}/results.json and the plots in {clock.Elapsed.TotalSeconds:F0} s.");
            return 0;
        }

        /// <summary>The network's outputs on the probe set, owned by the caller (the trainers call back inside their own dispose scopes).</summary>
        private static Tensor Probe(Sequential network, Tensor probe)
        {
            using var noGrad = no_grad();
            return network.Forward(probe).DetachFromDisposeScope();
        }

        /// <summary>
        /// The bound with the worst constants met along training, as the theorem's argument needs them on the whole path:
        /// the largest κ and L and the smallest ξ over the checkpoints (initialization included).
        /// </summary>
        private static double TrajectoryBound(IReadOnlyList<StabilityBoundEstimate> path)
        {
            double kappa = path.Max(e => e.Kappa), lipschitz = path.Max(e => e.LossLipschitz), xi = path.Min(e => e.Xi);
            var last = path[^1];
            return xi > 0 ? 2 * kappa * kappa * lipschitz / (xi * last.SmallestMass * Math.Sqrt(last.SampleCount)) : double.PositiveInfinity;
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
