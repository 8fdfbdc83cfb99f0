using System;
using System.Diagnostics;
using System.Linq;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using static TorchSharp.torch;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// <c>step</c>: wall-clock time of one Riemannian step (forward, pullback, Woodbury solve, update) for an MLP,
    /// per batch size, on random data (timing does not depend on the values), beside the autograd forward and backward
    /// pass a first-order optimizer pays and each layer's Woodbury solve alone. Prints medians over the timed steps.
    /// </summary>
    internal static class StepTiming
    {
        public static int Run(string[] args)
        {
            if (Option(args, "--mass", "fixed") == "adaptive") return AdaptiveStepTiming.Run(args);
            int[] layers = Option(args, "--layers", "784,256,10").Split(',').Select(int.Parse).ToArray();
            int[] batches = Option(args, "--batch", "32,64,128").Split(',').Select(int.Parse).ToArray();
            int curvature = int.Parse(Option(args, "--curvature", "0"));
            int steps = int.Parse(Option(args, "--steps", "40"));
            if (Option(args, "--threads", "") is { Length: > 0 } threads) set_num_threads(int.Parse(threads));
            Console.WriteLine($"# step timing: MLP {string.Join("-", layers)}, Float32, identity metric, curvature batch {(curvature > 0 ? curvature.ToString() : "whole batch")}, " +
                              $"{get_num_threads()} threads, GOMP_SPINCOUNT {Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") ?? "1000 (library default)"}, " +
                              $"malloc tuning {(Environment.GetEnvironmentVariable("MLNETRIEMANNIAN_MALLOPT") == "1" ? "on" : "off")}");
            Console.WriteLine("Medians. fwd+bwd: autograd forward and backward of the batch-mean cross-entropy (what a first-order optimizer pays per step); " +
                              "solve: the layer's Woodbury direction alone, on the step's own inputs and factor.");
            Console.WriteLine("| batch | ms/step | min | max | fwd+bwd ms | step ÷ fwd+bwd | per layer: solve ms (÷ fwd+bwd) | resident MB after |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|");
            foreach (int batch in batches)
            {
                var generator = new Generator(1);
                using var network = Network(layers, generator);
                using var optimizer = new RiemannianSgd(network, new SoftmaxCrossEntropyLoss(), new IdentityMetric(), 0.1, momentum: 0.9, curvatureBatchSize: curvature);
                using var x = rand(new long[] { batch, layers[0] }, generator: generator);
                using var y = randint(layers[^1], new long[] { batch }, generator: generator);
                double step = Median(steps, () => optimizer.Step(x, y), out double min, out double max);
                double firstOrder = Median(steps, () => ForwardBackward(network, x, y), out _, out _);
                var solves = LayerSolves(network, optimizer, x, y, steps);
                Console.WriteLine($"| {batch} | {step:F2} | {min:F2} | {max:F2} | {firstOrder:F2} | {step / firstOrder:F2} | " +
                                  string.Join(", ", solves.Select(l => $"{l.Name} {l.Milliseconds:F2} ({l.Milliseconds / firstOrder:F2})")) +
                                  $" | {Process.GetCurrentProcess().WorkingSet64 >> 20} |");
            }
            return 0;
        }

        /// <summary>Median milliseconds of <paramref name="action"/> over <paramref name="count"/> runs after 5 warm-up runs, each in a dispose scope.</summary>
        internal static double Median(int count, Action action, out double min, out double max)
        {
            var times = new double[count];
            for (int s = -5; s < count; s++)
            {
                var clock = Stopwatch.StartNew();
                using (NewDisposeScope()) action();
                if (s >= 0) times[s] = clock.Elapsed.TotalMilliseconds;
            }
            Array.Sort(times);
            (min, max) = (times[0], times[^1]);
            return times[count / 2];
        }

        internal static void ForwardBackward(Sequential network, Tensor x, Tensor y)
        {
            foreach (var atom in network.Atoms) { atom.Weight.requires_grad_(true); atom.Bias.requires_grad_(true); }
            try
            {
                nn.functional.cross_entropy(network.Forward(x), y).backward();
            }
            finally
            {
                foreach (var atom in network.Atoms)
                {
                    atom.Weight.grad?.Dispose();
                    atom.Weight.grad = null;
                    atom.Bias.grad?.Dispose();
                    atom.Bias.grad = null;
                    atom.Weight.requires_grad_(false);
                    atom.Bias.requires_grad_(false);
                }
            }
        }

        /// <summary>Each layer's Woodbury direction timed alone, on the inputs and factor one step hands it (the identity-factor block solve for the output layer).</summary>
        private static (string Name, double Milliseconds)[] LayerSolves(Sequential network, RiemannianSgd optimizer, Tensor x, Tensor y, int count)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var (_, _, layers) = optimizer.Directions(new DenseInput(x), y, null);
            var output = network.Atoms[^1];
            return layers.OrderBy(l => network.Atoms.ToList().IndexOf(l.Atom)).Select(l =>
            {
                var root = full(l.Input.Rows, 1 / Math.Sqrt(l.Input.Rows));
                Action solve = l.Atom == output
                    ? () => WoodburyStep.DirectionForIdentityFactor(l.Atom, l.Mass, l.Input, root, l.GradientWeight, l.GradientBias, SolvePrecision.Single)
                    : () => WoodburyStep.Direction(l.Atom, l.Mass, l.Input, l.Factor, l.GradientWeight, l.GradientBias, SolvePrecision.Single, optimizer.Events);
                return ($"{l.Atom.InputSize}→{l.Atom.OutputSize}", Median(count, solve, out _, out _));
            }).ToArray();
        }

        /// <summary>The MLP <c>layers[0] → … → layers[^1]</c>: dense layers with scalar mass 1, ReLU between them, initialized from <paramref name="generator"/>.</summary>
        internal static Sequential Network(int[] layers, Generator generator)
        {
            var modules = new System.Collections.Generic.List<RiemannianModule>();
            for (int i = 0; i + 1 < layers.Length; i++)
            {
                modules.Add(new Dense(layers[i], layers[i + 1], generator: generator));
                if (i + 2 < layers.Length) modules.Add(new ReLU(layers[i + 1]));
            }
            return new Sequential(modules.ToArray());
        }

        internal static string Option(string[] args, string name, string fallback)
        {
            int i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
    }
}
