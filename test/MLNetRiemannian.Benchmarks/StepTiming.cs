using System;
using System.Diagnostics;
using System.Linq;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Optimization;
using static TorchSharp.torch;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// <c>step</c>: wall-clock time of one Riemannian step (forward, pullback, Woodbury solve, update) for an MLP,
    /// per batch size, on random data (timing does not depend on the values). Prints the median over the timed steps.
    /// </summary>
    internal static class StepTiming
    {
        public static int Run(string[] args)
        {
            int[] layers = Option(args, "--layers", "784,256,10").Split(',').Select(int.Parse).ToArray();
            int[] batches = Option(args, "--batch", "32,64,128").Split(',').Select(int.Parse).ToArray();
            int steps = int.Parse(Option(args, "--steps", "40"));
            if (Option(args, "--threads", "") is { Length: > 0 } threads) set_num_threads(int.Parse(threads));
            Console.WriteLine($"# step timing: MLP {string.Join("-", layers)}, Float32, identity metric, {get_num_threads()} threads, GOMP_SPINCOUNT {Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") ?? "1000 (library default)"}, " +
                              $"malloc tuning {(Environment.GetEnvironmentVariable("MLNETRIEMANNIAN_MALLOPT") == "1" ? "on" : "off")}");
            Console.WriteLine("| batch | median ms/step | min | max | resident MB after |");
            Console.WriteLine("|---|---|---|---|---|");
            foreach (int batch in batches)
            {
                var generator = new Generator(1);
                var modules = new System.Collections.Generic.List<RiemannianModule>();
                for (int i = 0; i + 1 < layers.Length; i++)
                {
                    modules.Add(new Dense(layers[i], layers[i + 1], generator: generator));
                    if (i + 2 < layers.Length) modules.Add(new ReLU(layers[i + 1]));
                }
                using var network = new Sequential(modules.ToArray());
                using var optimizer = new RiemannianSgd(network, new SoftmaxCrossEntropyLoss(), new IdentityMetric(), 0.1, momentum: 0.9);
                using var x = rand(new long[] { batch, layers[0] }, generator: generator);
                using var y = randint(layers[^1], new long[] { batch }, generator: generator);
                var times = new double[steps];
                for (int s = -5; s < steps; s++)
                {
                    var clock = Stopwatch.StartNew();
                    using (NewDisposeScope()) optimizer.Step(x, y);
                    if (s >= 0) times[s] = clock.Elapsed.TotalMilliseconds;
                }
                Array.Sort(times);
                Console.WriteLine($"| {batch} | {times[steps / 2]:F2} | {times[0]:F2} | {times[^1]:F2} | {Process.GetCurrentProcess().WorkingSet64 >> 20} |");
            }
            return 0;
        }

        internal static string Option(string[] args, string name, string fallback)
        {
            int i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
    }
}
