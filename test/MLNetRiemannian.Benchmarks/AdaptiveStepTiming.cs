using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using MLNetRiemannian.Trainers;
using static TorchSharp.torch;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// <c>step --mass adaptive [--layers 784,256,10] [--batch 128] [--curvature 32] [--refresh 8] [--steps 80]</c>: the
    /// default optimizer's step (adaptive Kronecker mass, curvature kept for <c>--refresh</c> steps) against a TorchSharp
    /// Adam step (autograd forward and backward, then <c>optimizer.step()</c>) on the same network and batch, split into
    /// the steps that draw curvature rows and the steps between; then where a step between refreshes spends its time
    /// (forward and gradient pullback, each layer's mass and Woodbury solve, the update) with the tensors each part
    /// creates (a count of tensor operations). Random data: timing does not depend on the values. Medians.
    /// </summary>
    internal static class AdaptiveStepTiming
    {
        private const int Batches = 32;

        public static int Run(string[] args)
        {
            int[] layers = StepTiming.Option(args, "--layers", "784,256,10").Split(',').Select(int.Parse).ToArray();
            int batch = int.Parse(StepTiming.Option(args, "--batch", "128"));
            int curvature = int.Parse(StepTiming.Option(args, "--curvature", $"{Defaults.AdaptiveCurvatureRows}"));
            int refresh = int.Parse(StepTiming.Option(args, "--refresh", $"{Defaults.CurvatureRefreshSteps}"));
            int steps = int.Parse(StepTiming.Option(args, "--steps", "80"));
            if (StepTiming.Option(args, "--threads", "") is { Length: > 0 } threads) set_num_threads(int.Parse(threads));
            Console.WriteLine($"# adaptive step timing: MLP {string.Join("-", layers)}, Float32, identity metric, batch {batch}, curvature rows {curvature}, " +
                              $"refreshed every {refresh} steps, {get_num_threads()} threads; medians of {steps} steps after warm-up");

            var generator = new Generator(1);
            using var network = StepTiming.Network(layers, generator);
            // Distinct batches in turn, as training sees them (one batch repeated is fitted until its gradients vanish).
            // Both steps' times swing between runs on a shared 2-core machine (Adam's from 1.6 to 10 ms): compare ratios
            // within one run, and run it more than once.
            var xs = Enumerable.Range(0, Batches).Select(_ => rand(new long[] { batch, layers[0] }, generator: generator).DetachFromDisposeScope()).ToArray();
            var ys = Enumerable.Range(0, Batches).Select(_ => randint(layers[^1], new long[] { batch }, generator: generator).DetachFromDisposeScope()).ToArray();
            var (x, y) = (xs[0], ys[0]);
            using var optimizer = new RiemannianSgd(network, new SoftmaxCrossEntropyLoss(), new IdentityMetric(), Defaults.AdaptiveMassLearningRate)
            {
                CurvatureBatchSize = curvature, CurvatureRefreshSteps = refresh,
                Rule = UpdateRule.Adaptive(Defaults.Momentum, Defaults.SecondMomentDecay),
            };

            // Every step timed; a step that draws curvature rows is the first of each period.
            int gc0 = GC.CollectionCount(0);
            var pause0 = GC.GetTotalPauseDuration();
            var refreshing = new List<double>();
            var between = new List<double>();
            for (int s = -2 * refresh; s < steps; s++)
            {
                bool draws = optimizer.Steps % refresh == 0;
                var clock = Stopwatch.StartNew();
                using (NewDisposeScope()) optimizer.Step(xs[(s + Batches) % Batches], ys[(s + Batches) % Batches]);
                if (s >= 0) (draws ? refreshing : between).Add(clock.Elapsed.TotalMilliseconds);
            }
            Console.WriteLine($"Garbage collections during the {steps + 2 * refresh} timed and warm-up steps: {GC.CollectionCount(0) - gc0}, pausing {(GC.GetTotalPauseDuration() - pause0).TotalMilliseconds:F1} ms in all.");
            double adam = AdamStep(layers, xs, ys, steps);
            double fwdBwd = StepTiming.Median(steps, () => StepTiming.ForwardBackward(network, x, y), out _, out _);
            double betweenMs = Median(between), refreshMs = Median(refreshing);
            double average = (refreshMs + (refresh - 1) * betweenMs) / refresh;
            Console.WriteLine("| step | ms | ÷ Adam step |");
            Console.WriteLine("|---|---|---|");
            Console.WriteLine($"| Adam (TorchSharp optim.Adam: autograd forward, backward, step) | {adam:F2} | 1.00 |");
            Console.WriteLine($"| autograd forward + backward alone | {fwdBwd:F2} | {fwdBwd / adam:F2} |");
            Console.WriteLine($"| RiemannianMlp, between curvature refreshes | {betweenMs:F2} | {betweenMs / adam:F2} |");
            Console.WriteLine($"| RiemannianMlp, drawing curvature rows | {refreshMs:F2} | {refreshMs / adam:F2} |");
            Console.WriteLine($"| RiemannianMlp, average over a period of {refresh} | {average:F2} | {average / adam:F2} |");
            Breakdown(network, optimizer, xs, ys, steps, adam);
            return 0;
        }

        /// <summary>A TorchSharp Adam step on a copy of the network's shape (PyTorch's defaults, η 1e-3).</summary>
        private static double AdamStep(int[] layers, Tensor[] xs, Tensor[] ys, int count)
        {
            using var network = StepTiming.Network(layers, new Generator(2));
            var parameters = network.Atoms.SelectMany(a => new[] { new TorchSharp.Modules.Parameter(a.Weight.detach()), new TorchSharp.Modules.Parameter(a.Bias.detach()) }).ToArray();
            using var adam = optim.Adam(parameters, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8);
            int step = 0;
            return StepTiming.Median(count, () =>
            {
                var (x, y) = (xs[step % Batches], ys[step++ % Batches]);
                adam.zero_grad();
                var z = x;
                for (int l = 0; l < network.Atoms.Count; l++)
                {
                    z = nn.functional.linear(z, parameters[2 * l], parameters[2 * l + 1]);
                    if (l + 1 < network.Atoms.Count) z = nn.functional.relu(z);
                }
                nn.functional.cross_entropy(z, y).backward();
                adam.step();
            }, out _, out _);
        }

        /// <summary>Where a step between refreshes spends its time: each part alone, on the step's own tensors, with the tensors it creates.</summary>
        private static void Breakdown(Sequential network, RiemannianSgd optimizer, Tensor[] xs, Tensor[] ys, int count, double adam)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var (x, y) = (xs[0], ys[0]);
            // Bring the optimizer to a step between refreshes.
            if (optimizer.CurvatureRefreshSteps > 1)
                while (optimizer.Steps % optimizer.CurvatureRefreshSteps == 0) optimizer.Step(x, y);
            var input = new DenseInput(x);
            var parts = new List<(string Name, double Milliseconds, long Tensors)>
            {
                Part("forward, loss and gradient pullback", count, () =>
                {
                    var trace = new ForwardTrace();
                    var output = network.Forward(input, trace);
                    var loss = new SoftmaxCrossEntropyLoss();
                    var g = loss.Gradient(output, y) / y.shape[0];
                    loss.Value(output, y).mean().isfinite().item<bool>();
                    network.Pullback(g.unsqueeze(1), trace, toInput: false);
                    foreach (var (_, xa, rows) in trace.Atoms)
                    {
                        var delta = rows.select(1, 0);
                        xa.TransposedTimes(delta);
                        delta.sum(dim: 0);
                    }
                }),
                Part("whole direction (Directions: all of the above and below but the update)", count, () => optimizer.Directions(input, y, null)),
            };
            var (_, _, steps) = optimizer.Directions(input, y, null);
            foreach (var l in steps)
            {
                string name = $"{l.Atom.InputSize}→{l.Atom.OutputSize}";
                parts.Add(Part($"{name}: adaptive mass (moments, D⁻¹)", count,
                    () => optimizer.Rule.Mass(l.Atom, l.GradientWeight, l.GradientBias, optimizer.Steps + 1, optimizer.LearningRate)));
                bool output = l.Atom == network.Atoms[^1];
                var root = full(l.Input.Rows, 1 / Math.Sqrt(l.Input.Rows));
                parts.Add(Part($"{name}: Woodbury solve{(output ? " (block solve)" : "")}", count, output
                    ? () => WoodburyStep.DirectionForIdentityFactor(l.Atom, l.Mass, l.Input, root, l.GradientWeight, l.GradientBias, SolvePrecision.Single, optimizer.Events)
                    : () => WoodburyStep.Direction(l.Atom, l.Mass, l.Input, l.Factor, l.GradientWeight, l.GradientBias, SolvePrecision.Single, optimizer.Events)));
            }
            parts.Add(Part("update: every layer's average and parameters (rule.Apply)", count, () =>
            {
                foreach (var l in steps) optimizer.Rule.Mass(l.Atom, l.GradientWeight, l.GradientBias, optimizer.Steps + 1, optimizer.LearningRate);
                foreach (var l in steps) optimizer.Rule.Apply(l.Atom, l.DirectionWeight, l.DirectionBias, optimizer.Steps + 1, optimizer.LearningRate, 0);
            }));
            parts.Add(Part("finite check of the directions", count, () =>
            {
                var checks = steps.SelectMany(l => new[] { l.DirectionWeight.isfinite().all(), l.DirectionBias.isfinite().all() }).ToArray();
                stack(checks).all().item<bool>();
            }));
            int next = 0;
            parts.Add(Part("whole step (optimizer.Step)", count, () => optimizer.Step(xs[next % Batches], ys[next++ % Batches])));
            Console.WriteLine();
            Console.WriteLine("Where a step between refreshes goes (each part timed alone; tensors = handles the part creates, about one per tensor operation):");
            Console.WriteLine("| part | ms | ÷ Adam step | tensors |");
            Console.WriteLine("|---|---|---|---|");
            foreach (var (name, ms, tensors) in parts)
                Console.WriteLine($"| {name} | {ms:F2} | {ms / adam:F2} | {tensors} |");
        }

        private static (string, double, long) Part(string name, int count, Action action)
        {
            long tensors;
            using (var probe = NewDisposeScope())
            {
                action();
                tensors = probe.DisposablesCount;
            }
            return (name, StepTiming.Median(count, action, out _, out _), tensors);
        }

        private static double Median(List<double> values)
        {
            var sorted = values.OrderBy(v => v).ToList();
            return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
        }
    }
}
