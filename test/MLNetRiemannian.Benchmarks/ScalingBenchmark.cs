using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;
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
            var started = DateTime.UtcNow;
            string loadAtStart = ScoringReport.LoadAverage();
            Console.WriteLine($"# scaling: {(plan.Quick ? "quick" : "full")} sweep, Float32, {threads} threads, load average {loadAtStart}");

            var agreement = new[] { ScalarType.Float32, ScalarType.Float64 }.Select(Agreement).ToList();
            foreach (var a in agreement) Console.WriteLine($"agreement at n = {a.N}, B = {a.Batch}, d = {a.D}, {a.Precision}: relative difference {a.RelativeDifference:E2}");

            double gemmBefore = ScalingClock.GemmGflops(plan.GemmSize, ScalarType.Float32, 5);
            int innerSize = plan.Batches.Max() * plan.Ds.Max(), denseSize = (int)plan.InputSizes.Select(i => N(plan, i)).Where(n => n <= plan.DenseLimit).Max();
            double innerCholesky = ScalingClock.CholeskyGflops(innerSize, ScalarType.Float32, 5);
            double denseCholesky = ScalingClock.CholeskyGflops(denseSize, ScalarType.Float32, plan.DenseRepetitions);
            Console.WriteLine($"GEMM {plan.GemmSize}³: {gemmBefore:F1} GFLOP/s; Cholesky {innerSize}: {innerCholesky:F1} GFLOP/s, {denseSize}: {denseCholesky:F1} GFLOP/s");

            var measured = new List<(int Inputs, int Batch, int D, double[] Woodbury, double[]? Dense)>();
            int retries = 0, fallbacks = 0;
            Console.WriteLine("| n | B | d | Woodbury ms | dense ms |");
            foreach (int d in plan.Ds)
                foreach (int batch in plan.Batches)
                    foreach (int inputs in plan.InputSizes)
                    {
                        using var problem = new ScalingProblem(inputs, plan.Outputs, batch, d, ScalarType.Float32, seed: inputs + batch + d);
                        var woodbury = ScalingClock.Milliseconds(() => problem.Woodbury(), 2, plan.WoodburyRepetitions);
                        var dense = problem.N <= plan.DenseLimit ? ScalingClock.Milliseconds(() => problem.Dense(), 0, plan.DenseRepetitions) : null;
                        retries += problem.Events.JitterRetries;
                        fallbacks += problem.Events.DoublePrecisionFallbacks;
                        measured.Add((inputs, batch, d, woodbury, dense));
                        Console.WriteLine($"| {problem.N} | {batch} | {d} | {ScoringTimers.Median(woodbury):F3} | {(dense is null ? "—" : ScoringTimers.Median(dense).ToString("F1"))} |");
                    }

            double gemmAfter = ScalingClock.GemmGflops(plan.GemmSize, ScalarType.Float32, 5);
            var rates = new ScalingRates(plan.GemmSize, gemmBefore, gemmAfter, innerSize, innerCholesky, denseSize, denseCholesky);
            var rows = measured.Select(m => Row(plan, m.Inputs, m.Batch, m.D, m.Woodbury, m.Dense, rates.GemmGflops)).ToList();
            var slopes = ScalingReport.Slopes(rows);
            string torchSharp = typeof(TorchSharp.torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";
            var results = new ScalingResults(ScoringReport.Machine(started, loadAtStart), plan, threads, torchSharp, rates, agreement, rows, slopes,
                retries, fallbacks, ScalingReport.Targets(plan, rows, slopes, rates));

            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "scaling.json"), JsonSerializer.Serialize(results, ScoringReport.Json));
            string markdown = ScalingReport.Markdown(results);
            File.WriteAllText(Path.Combine(directory, "scaling.md"), markdown);
            ScalingPlot.Save(rows, Path.Combine(directory, "woodbury-vs-dense.png"));
            Console.WriteLine();
            Console.WriteLine(markdown);
            return 0;
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
