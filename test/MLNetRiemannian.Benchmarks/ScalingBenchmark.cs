using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using static TorchSharp.torch;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// <c>scaling --out DIR [--quick] [--threads N]</c>: the Woodbury direction of one dense layer against the dense
    /// metric solve over n, B and d, with the GEMM and Cholesky FLOP rates measured in the same process. Writes
    /// scaling.json, scaling.md and woodbury-vs-dense.png to DIR.
    /// </summary>
    internal static class ScalingBenchmark
    {
        public static int Run(string[] args)
        {
            string directory = StepTiming.Option(args, "--out", "");
            if (directory.Length == 0)
            {
                Console.Error.WriteLine("scaling: --out DIR is required.");
                return 2;
            }
            var plan = args.Contains("--quick") ? ScalingPlan.QuickPlan : ScalingPlan.Full;
            int threads = int.Parse(StepTiming.Option(args, "--threads", Environment.ProcessorCount.ToString()));
            set_num_threads(threads);
            // As the optimizer does: MLNETRIEMANNIAN_MALLOPT=1 fixes glibc's malloc state (see scaling.md, Allocation).
            Interop.GlibcAllocator.Configure();
            bool mallocTuning = Environment.GetEnvironmentVariable("MLNETRIEMANNIAN_MALLOPT") == "1";
            var started = DateTime.UtcNow;
            string loadAtStart = ScoringReport.LoadAverage();
            Console.WriteLine($"# scaling: {(plan.Quick ? "quick" : "full")} sweep, Float32, {threads} threads, malloc tuning {(mallocTuning ? "on" : "off")}, load average {loadAtStart}");

            var agreement = new[] { ScalarType.Float32, ScalarType.Float64 }.Select(Agreement).ToList();
            foreach (var a in agreement) Console.WriteLine($"agreement at n = {a.N}, B = {a.Batch}, d = {a.D}, {a.Precision}: relative difference {a.RelativeDifference:E2}");

            var (rates, rows, events) = Measure(plan);
            var slopes = ScalingReport.Slopes(rows);
            string torchSharp = typeof(TorchSharp.torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";
            var results = new ScalingResults(ScoringReport.Machine(started, loadAtStart), plan, threads, mallocTuning, torchSharp, rates, agreement, rows, slopes,
                events.JitterRetries, events.DoublePrecisionFallbacks,
                ScalingReport.Targets(plan, rows, slopes, rates));

            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "scaling.json"), JsonSerializer.Serialize(results, ScoringReport.Json));
            string markdown = ScalingReport.Markdown(results);
            File.WriteAllText(Path.Combine(directory, "scaling.md"), markdown);
            ScalingPlot.Save(rows, Path.Combine(directory, "woodbury-vs-dense.png"));
            Console.WriteLine();
            Console.WriteLine(markdown);
            return 0;
        }

        // Registers the baselines and every (n, B, d) problem with one clock, runs it, and turns the times into rates and rows.
        private static (ScalingRates Rates, List<ScalingRow> Rows, NumericalEvents Events) Measure(ScalingPlan plan)
        {
            int innerSize = plan.Batches.Max() * plan.Ds.Max(), denseSize = (int)plan.InputSizes.Select(i => N(plan, i)).Where(n => n <= plan.DenseLimit).Max();
            var clock = new ScalingClock();
            using var baselines = new ScalingBaselines(plan.GemmSize, innerSize, denseSize);
            var gemm = clock.Add(baselines.Gemm, 2, plan.WoodburyRepetitions);
            var innerCholesky = clock.Add(baselines.InnerCholesky, 2, plan.WoodburyRepetitions);
            var denseCholesky = clock.Add(baselines.DenseCholesky, 0, plan.DenseRepetitions);
            var problems = new List<(ScalingProblem Problem, int Inputs, int Batch, int D, double[] Woodbury, double[]? Dense)>();
            try
            {
                foreach (int d in plan.Ds)
                    foreach (int batch in plan.Batches)
                        foreach (int inputs in plan.InputSizes)
                        {
                            var problem = new ScalingProblem(inputs, plan.Outputs, batch, d, ScalarType.Float32, seed: inputs + batch + d);
                            problems.Add((problem, inputs, batch, d, clock.Add(() => problem.Woodbury(), 2, plan.WoodburyRepetitions),
                                problem.N <= plan.DenseLimit ? clock.Add(() => problem.Dense(), 0, plan.DenseRepetitions) : null));
                        }
                Console.WriteLine($"timing {problems.Count} problems and the baselines in {plan.WoodburyRepetitions} rounds ...");
                clock.Run();
            }
            finally
            {
                foreach (var p in problems) p.Problem.Dispose();
            }
            var rates = new ScalingRates(plan.GemmSize, ScalingClock.Gflops(ScalingFlops.Gemm(plan.GemmSize, plan.GemmSize, plan.GemmSize), gemm),
                innerSize, ScalingClock.Gflops(ScalingFlops.Cholesky(innerSize), innerCholesky),
                denseSize, ScalingClock.Gflops(ScalingFlops.Cholesky(denseSize), denseCholesky), gemm);
            var rows = problems.Select(p => Row(plan, p.Inputs, p.Batch, p.D, p.Woodbury, p.Dense, rates.GemmGflops)).ToList();
            var events = new NumericalEvents
            {
                JitterRetries = problems.Sum(p => p.Problem.Events.JitterRetries),
                DoublePrecisionFallbacks = problems.Sum(p => p.Problem.Events.DoublePrecisionFallbacks),
            };
            return (rates, rows, events);
        }

        private static long N(ScalingPlan plan, int inputs) => (long)plan.Outputs * (inputs + 1);

        // Solves the check problem both ways in one precision.
        private static ScalingAgreement Agreement(ScalarType dtype)
        {
            using var scope = NewDisposeScope();
            using var problem = new ScalingProblem(ScalingPlan.CheckInputs, ScalingPlan.Full.Outputs, ScalingPlan.CheckBatch, ScalingPlan.CheckD, dtype, seed: 1);
            var (weight, bias) = problem.Woodbury();
            var dense = problem.Dense().to_type(ScalarType.Float64);
            var woodbury = cat(new[] { weight, bias.unsqueeze(1) }, 1).to_type(ScalarType.Float64);
            double difference = (woodbury - dense).norm().item<double>() / dense.norm().item<double>();
            return new ScalingAgreement(problem.N, ScalingPlan.CheckBatch, ScalingPlan.CheckD, dtype.ToString(), difference);
        }

        private static ScalingRow Row(ScalingPlan plan, int inputs, int batch, int d, double[] woodbury, double[]? dense, double gemmGflops)
        {
            long n = N(plan, inputs);
            double woodburyMs = ScoringTimers.Median(woodbury);
            double? denseMs = dense is null ? null : ScoringTimers.Median(dense);
            double flops = ScalingFlops.Woodbury(inputs, plan.Outputs, batch, d);
            double gflops = ScalingClock.Gflops(flops, woodbury);
            return new ScalingRow(inputs, plan.Outputs, n, batch, d, woodburyMs, denseMs, denseMs / woodburyMs, flops, gflops, gflops / gemmGflops,
                dense is null ? null : ScalingClock.Gflops(ScalingFlops.Dense(n, batch, d), dense), woodbury, dense);
        }
    }
}
