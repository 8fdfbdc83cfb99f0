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
    /// <c>step --mass adaptive [--layers 784,256,10] [--batch 128,256] [--curvature 16] [--refresh 8] [--steps 80]
    /// [--rounds 5] [--rank 0] [--metric GaussNewton|Identity]</c>: the default optimizer's step (with the default output
    /// metric, <see cref="Defaults.OutputMetric"/>, unless <c>--metric</c>) (adaptive Kronecker mass, curvature kept for <c>--refresh</c> steps;
    /// <c>--rank k</c> samples the output factor with k rows per curvature row instead of the exact one)
    /// against a TorchSharp Adam step (autograd forward and backward, then <c>optimizer.step()</c>, timed as at 1651d69)
    /// on the same network shape and batches. Per batch size: <c>--rounds</c> rounds, each timing <c>--steps</c> of ours
    /// and then as many of Adam's (interleaved, so a change of load hits both), the steps between refreshes and the
    /// refresh steps apart; then the cost model of a step between refreshes and of a refresh step, part by part inside the
    /// real step (<see cref="RiemannianSgd.Probe"/>), beside Adam's step: time, tensors created, new parameter-sized
    /// buffers, native and managed bytes allocated, minor page faults, GEMM FLOPs. Random data: timing does not depend
    /// on the values.
    /// </summary>
    internal static class AdaptiveStepTiming
    {
        private const int Batches = 32;

        public static int Run(string[] args)
        {
            int[] layers = StepTiming.Option(args, "--layers", "784,256,10").Split(',').Select(int.Parse).ToArray();
            int[] batches = StepTiming.Option(args, "--batch", "128,256").Split(',').Select(int.Parse).ToArray();
            int curvature = int.Parse(StepTiming.Option(args, "--curvature", $"{Defaults.AdaptiveCurvatureRows}"));
            int refresh = int.Parse(StepTiming.Option(args, "--refresh", $"{Defaults.CurvatureRefreshSteps}"));
            int steps = int.Parse(StepTiming.Option(args, "--steps", "80"));
            int rounds = int.Parse(StepTiming.Option(args, "--rounds", "5"));
            int rank = int.Parse(StepTiming.Option(args, "--rank", "0"));
            var metric = Enum.Parse<OutputMetricKind>(StepTiming.Option(args, "--metric", Defaults.OutputMetric.ToString()), ignoreCase: true);
            if (metric is not (OutputMetricKind.Identity or OutputMetricKind.GaussNewton))
                throw new ArgumentException($"--metric {metric}: the step benchmark times Identity or GaussNewton.");
            if (StepTiming.Option(args, "--threads", "") is { Length: > 0 } threads) set_num_threads(int.Parse(threads));
            Console.WriteLine($"# adaptive step timing: MLP {string.Join("-", layers)}, Float32, {metric} output metric, curvature rows {curvature}, " +
                              $"refreshed every {refresh} steps, output factor {(rank == 0 ? "exact" : $"sampled, rank {rank}")}, {get_num_threads()} threads; {rounds} rounds of {steps} steps each, ours then Adam's");
            Console.WriteLine($"# load average at start: {LoadAverage()}");
            foreach (int batch in batches) RunBatch(layers, batch, curvature, refresh, steps, rounds, rank, metric);
            Console.WriteLine($"Peak resident memory of the process: {StepCost.Usage().PeakResidentBytes >> 20} MB; load average at end: {LoadAverage()}");
            return 0;
        }

        private static void RunBatch(int[] layers, int batch, int curvature, int refresh, int steps, int rounds, int rank, OutputMetricKind metricKind)
        {
            var generator = new Generator(1);
            using var network = StepTiming.Network(layers, generator);
            // Distinct batches in turn, as training sees them (one batch repeated is fitted until its gradients vanish).
            var xs = Enumerable.Range(0, Batches).Select(_ => rand(new long[] { batch, layers[0] }, generator: generator).DetachFromDisposeScope()).ToArray();
            var ys = Enumerable.Range(0, Batches).Select(_ => randint(layers[^1], new long[] { batch }, generator: generator).DetachFromDisposeScope()).ToArray();
            var loss = new SoftmaxCrossEntropyLoss();
            OutputMetric metric = metricKind == OutputMetricKind.GaussNewton ? new GaussNewtonMetric(loss, Defaults.GaussNewtonEpsilon) : new IdentityMetric();
            using var optimizer = new RiemannianSgd(network, loss, metric, new OptimizerPlan
            {
                LearningRate = Defaults.AdaptiveMassLearningRate, CurvatureRows = curvature, CurvatureRefreshSteps = refresh, OutputRank = rank,
                Rule = UpdateRulePlan.AdaptiveMass(Defaults.Momentum, Defaults.SecondMomentDecay),
            }, new Generator(2));
            Console.WriteLine($"# inner systems: {optimizer.DescribeInnerSystems(Math.Min(curvature, batch), layers[^1])}");
            using var adam = new AdamStep(layers);
            int next = 0, nextAdam = 0;
            void Ours() { using (NewDisposeScope()) optimizer.Step(xs[next % Batches], ys[next++ % Batches]); }
            void Adam() { using (NewDisposeScope()) adam.Step(xs[nextAdam % Batches], ys[nextAdam++ % Batches]); }
            for (int s = 0; s < 2 * refresh; s++) { Ours(); Adam(); }

            Console.WriteLine();
            Console.WriteLine($"## batch {batch}: time (load average before: {LoadAverage()})");
            Console.WriteLine("| round | between refreshes ms | refresh step ms | Adam step ms | between ÷ Adam | refresh ÷ Adam | GC collections |");
            Console.WriteLine("|---|---|---|---|---|---|---|");
            var ratios = new List<(double Between, double Refresh, double B, double R, double A)>();
            for (int round = 1; round <= rounds; round++)
            {
                int gc = GC.CollectionCount(0);
                var (between, refreshing) = (new List<double>(), new List<double>());
                for (int s = 0; s < steps; s++)
                {
                    bool draws = optimizer.Steps % refresh == 0;
                    long start = Stopwatch.GetTimestamp();
                    Ours();
                    (draws ? refreshing : between).Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                var adams = new List<double>();
                for (int s = 0; s < steps; s++)
                {
                    long start = Stopwatch.GetTimestamp();
                    Adam();
                    adams.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                double b = Median(between), r = Median(refreshing), a = Median(adams);
                ratios.Add((b / a, r / a, b, r, a));
                Console.WriteLine($"| {round} | {b:F2} | {r:F2} | {a:F2} | {b / a:F2} | {r / a:F2} | {GC.CollectionCount(0) - gc} |");
            }
            Console.WriteLine($"| median | {Median(ratios.Select(x => x.B))} | {Median(ratios.Select(x => x.R))} | {Median(ratios.Select(x => x.A))} | " +
                              $"**{Median(ratios.Select(x => x.Between)):F2}** | **{Median(ratios.Select(x => x.Refresh)):F2}** | |");

            CostModel(network, optimizer, adam, xs, ys, batch, curvature, refresh, steps, layers);
        }

        /// <summary>Each part of a step between refreshes and of a refresh step, measured inside the real steps, averaged; Adam's step beside.</summary>
        private static void CostModel(Sequential network, RiemannianSgd optimizer, AdamStep adam, Tensor[] xs, Tensor[] ys, int batch, int curvature, int refresh,
            int steps, int[] layers)
        {
            long parameterSized = network.Atoms.Max(a => a.Weight.numel()) / 2;
            var known = network.Atoms.SelectMany(a => new[] { a.Weight, a.Bias })
                .Concat(network.Atoms.SelectMany(a => optimizer.StateOf(a).Parts.Select(p => p.Value).OfType<Tensor>()))
                .Concat(xs).Concat(ys);
            var cost = new StepCost(parameterSized, known);
            int baseline = cost.KnownCount;
            var between = new Dictionary<string, StepCost.Delta>();
            var refreshing = new Dictionary<string, StepCost.Delta>();
            int betweenSteps = 0, refreshSteps = 0;
            Dictionary<string, StepCost.Delta> current = between;
            TorchSharp.DisposeScope? scope = null;
            // The benchmark's own loop between steps is not a part of the step: its time is skipped.
            optimizer.Probe = part =>
            {
                if (part == RiemannianSgd.BetweenSteps) cost.Skip();
                else Add(current, part, cost.Mark(scope));
            };
            for (int s = 0; s < steps; s++)
            {
                bool draws = optimizer.Steps % refresh == 0;
                current = draws ? refreshing : between;
                if (draws) refreshSteps++; else betweenSteps++;
                cost.Skip();
                // StepCore (what Step and the fit loop call) in this scope, so the counter sees the step's tensors.
                using (scope = NewDisposeScope()) optimizer.StepCore(new DenseInput(xs[s % Batches]), ys[s % Batches], null);
                Add(current, "releasing the step's tensors (end of its dispose scope)", cost.Mark(null));
                scope = null;
                cost.ForgetAfter(baseline);
            }
            optimizer.Probe = null;

            var adamCost = new Dictionary<string, StepCost.Delta>();
            var adamKnown = new StepCost(parameterSized, adam.Buffers.Concat(xs).Concat(ys));
            int adamBaseline = adamKnown.KnownCount;
            for (int s = 0; s < steps; s++)
            {
                adamKnown.Skip();
                using (scope = NewDisposeScope()) adam.Step(xs[s % Batches], ys[s % Batches], part => Add(adamCost, part, adamKnown.Mark(scope)));
                Add(adamCost, "releasing the step's tensors (end of its dispose scope)", adamKnown.Mark(null));
                adamKnown.ForgetAfter(adamBaseline);
            }

            var flops = new GemmFlops(layers, batch, curvature, layers[^1], GemmRate(batch, layers));
            Print($"## batch {batch}: cost model of a step between refreshes (mean over {betweenSteps} steps, each part measured inside the step)", between, betweenSteps, flops);
            Print($"## batch {batch}: cost model of a refresh step (mean over {refreshSteps} steps)", refreshing, refreshSteps, flops);
            Print($"## batch {batch}: cost model of TorchSharp's Adam step (mean over {steps} steps)", adamCost, steps, flops);
        }

        /// <summary>
        /// GFLOP/s of the forward pass's first product, <c>[B, in] · [in, out]</c>, on this process's threads: the median of
        /// 50 timed products after 5 untimed ones. The rate the GEMM floor of a step is computed at.
        /// </summary>
        private static double GemmRate(int batch, int[] layers)
        {
            using var scope = NewDisposeScope();
            var (a, b) = (rand(batch, layers[0]), rand(layers[0], layers[1]));
            var times = new List<double>();
            for (int i = 0; i < 55; i++)
            {
                using var inner = NewDisposeScope();
                long start = Stopwatch.GetTimestamp();
                a.mm(b);
                if (i >= 5) times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
            times.Sort();
            return 2.0 * batch * layers[0] * layers[1] / times[times.Count / 2] / 1e9;
        }

        private static void Add(Dictionary<string, StepCost.Delta> parts, string part, StepCost.Delta delta) =>
            parts[part] = parts.TryGetValue(part, out var d) ? d + delta : delta;

        private static void Print(string title, Dictionary<string, StepCost.Delta> parts, int count, GemmFlops flops)
        {
            Console.WriteLine();
            Console.WriteLine(title);
            Console.WriteLine("| part | ms | tensors created | new parameter-sized buffers | native KB allocated | managed KB allocated | minor page faults | GEMM MFLOP |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|");
            var total = default(StepCost.Delta);
            double totalFlops = 0;
            foreach (var (name, d) in parts)
            {
                double f = flops.Of(name);
                totalFlops += f;
                total += d;
                Console.WriteLine(Row(name, d, count, f));
            }
            Console.WriteLine(Row("**whole step**", total, count, totalFlops));
            double floor = totalFlops / (flops.RateGflops * 1e9) * 1e3;
            Console.WriteLine($"GEMM floor: {totalFlops / 1e6:F1} MFLOP at {flops.RateGflops:F0} GFLOP/s (measured in this process on the forward's first product) = {floor:F3} ms; " +
                              $"the whole step is **{total.Milliseconds / count / floor:F2}×** its GEMM floor");
        }

        private static string Row(string name, StepCost.Delta d, int count, double flops) =>
            $"| {name} | {d.Milliseconds / count:F3} | {(double)d.Tensors / count:F1} | {(double)d.ParameterSizedBuffers / count:F2} | " +
            $"{d.NativeBytes / 1024.0 / count:F0} | {d.ManagedBytes / 1024.0 / count:F1} | {(double)d.MinorFaults / count:F0} | {flops / 1e6:F1} |";

        /// <summary>The GEMM floating-point operations of each part, from the layer sizes (2 per multiply-add).</summary>
        private sealed record GemmFlops(int[] Layers, long Batch, long Curvature, long Outputs, double RateGflops)
        {
            public double Of(string part)
            {
                double forward = 0, backward = 0;
                for (int l = 0; l + 1 < Layers.Length; l++)
                {
                    forward += 2.0 * Batch * Layers[l] * Layers[l + 1];
                    if (l > 0) backward += 2.0 * Batch * Layers[l] * Layers[l + 1];
                }
                if (part is "forward" or "Adam: forward") return forward;
                if (part is "gradient pullback") return backward;
                if (part is "curvature draw and pullback") return backward * (1 + (double)Curvature * Outputs / Batch);
                if (part is "Adam: backward") return backward + forward;
                var layer = Array.FindIndex(Enumerable.Range(0, Layers.Length - 1).ToArray(), l => part.StartsWith($"{Layers[l]}→{Layers[l + 1]}:", StringComparison.Ordinal));
                if (layer < 0) return 0;
                double inputs = Layers[layer], outputs = Layers[layer + 1];
                if (part.EndsWith("gradient", StringComparison.Ordinal)) return 2 * Batch * inputs * outputs;
                if (!part.EndsWith("Woodbury solve", StringComparison.Ordinal)) return 0;
                bool output = layer == Layers.Length - 2;
                double rows = output ? Curvature : Curvature * Outputs; // the output layer's block solve: b rows per block
                // X diag(γ) Xᵀ and R diag(ρ) Rᵀ (the inner system), K D⁻¹ g and Kᵀv (each a b × in × out product).
                return 2 * Curvature * Curvature * inputs + (output ? 0 : 2 * rows * rows * outputs) + 4 * Curvature * inputs * outputs;
            }
        }

        /// <summary>TorchSharp's Adam (PyTorch's defaults, η 1e-3) on a network of the same shape: autograd forward and backward, then its step, as at 1651d69.</summary>
        private sealed class AdamStep : IDisposable
        {
            private readonly Sequential _network;
            private readonly TorchSharp.Modules.Parameter[] _parameters;
            private readonly optim.Optimizer _adam;

            public AdamStep(int[] layers)
            {
                _network = StepTiming.Network(layers, new Generator(2));
                _parameters = _network.Atoms.SelectMany(a => new[] { new TorchSharp.Modules.Parameter(a.Weight.detach()), new TorchSharp.Modules.Parameter(a.Bias.detach()) }).ToArray();
                _adam = optim.Adam(_parameters, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8);
            }

            /// <summary>The parameters (Adam's moments are made at its first step and reused).</summary>
            public IEnumerable<Tensor> Buffers => _parameters;

            public void Step(Tensor x, Tensor y, Action<string>? probe = null)
            {
                _adam.zero_grad();
                var z = x;
                for (int l = 0; l < _network.Atoms.Count; l++)
                {
                    z = nn.functional.linear(z, _parameters[2 * l], _parameters[2 * l + 1]);
                    if (l + 1 < _network.Atoms.Count) z = nn.functional.relu(z);
                }
                var loss = nn.functional.cross_entropy(z, y);
                probe?.Invoke("Adam: forward");
                loss.backward();
                probe?.Invoke("Adam: backward");
                _adam.step();
                probe?.Invoke("Adam: optimizer step");
            }

            public void Dispose()
            {
                _adam.Dispose();
                _network.Dispose();
            }
        }

        internal static string LoadAverage() => System.IO.File.Exists("/proc/loadavg") ? string.Join(" ", System.IO.File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

        private static double Median(IEnumerable<double> values)
        {
            var sorted = values.OrderBy(v => v).ToList();
            return sorted.Count == 0 ? double.NaN : Math.Round(sorted[sorted.Count / 2], 2);
        }
    }
}
