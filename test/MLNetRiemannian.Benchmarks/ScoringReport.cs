using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.ML;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>scoring.json and scoring.md: the machine, the figures, their ratios to LightGbm, and issue 8's targets.</summary>
    internal static class ScoringReport
    {
        public const string Ours = "RiemannianMlp";
        public const string Reference = "LightGbm";

        /// <summary>The JSON form of every result, in files and between processes.</summary>
        public static readonly JsonSerializerOptions Json = new()
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            WriteIndented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };

        /// <summary>The machine as far as the figures depend on it; the load average shows what else was running.</summary>
        public static MachineInfo Machine(DateTime startedUtc, string loadAverageAtStart)
        {
            string cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
            string mlNet = typeof(MLContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";
            return new MachineInfo(cpu, Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
                mlNet, Vector512.IsHardwareAccelerated, Commit(), startedUtc.ToString("u", CultureInfo.InvariantCulture), loadAverageAtStart, LoadAverage());
        }

        /// <summary>The first three fields of /proc/loadavg.</summary>
        public static string LoadAverage() => string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

        /// <summary>Adds to every model its ratios to LightGbm's model on the same data set.</summary>
        public static List<ModelResult> WithRatios(IReadOnlyList<ModelResult> models) => models.Select(model =>
        {
            var reference = models.Single(m => m.Dataset == model.Dataset && m.Model == Reference);
            return model with
            {
                VsLightGbm = new RatiosToLightGbm(model.LatencyMedianMicroseconds / reference.LatencyMedianMicroseconds,
                    model.LatencyP99Microseconds / reference.LatencyP99Microseconds, model.ThroughputRowsPerSecond / reference.ThroughputRowsPerSecond,
                    model.ScoringProcess.PeakResidentMB / reference.ScoringProcess.PeakResidentMB),
            };
        }).ToList();

        /// <summary>Issue 8's targets, each per data set where it applies.</summary>
        public static List<TargetResult> Targets(IReadOnlyList<ModelResult> models, IReadOnlyList<ForwardPassResult> forwardPass)
        {
            var targets = new List<TargetResult>();
            foreach (var ours in models.Where(m => m.Model == Ours))
            {
                var reference = models.Single(m => m.Dataset == ours.Dataset && m.Model == Reference);
                string where = $"{ours.Dataset} ({ours.Training.Network.Split(',')[0]})";
                var process = ours.ScoringProcess;
                targets.Add(new($"{where}: the scoring process loads no TorchSharp and no libtorch",
                    process.TorchSharpAssemblies.Length == 0 && process.LibtorchMappings.Length == 0,
                    $"TorchSharp assemblies: {List(process.TorchSharpAssemblies)}; mapped files named *torch*: {List(process.LibtorchMappings)}"));
                targets.Add(new($"{where}: PredictionEngine latency at least as good as LightGbm's",
                    ours.LatencyMedianMicroseconds <= reference.LatencyMedianMicroseconds,
                    $"median {ours.LatencyMedianMicroseconds:F2} µs vs {reference.LatencyMedianMicroseconds:F2} µs (p99 {ours.LatencyP99Microseconds:F2} vs {reference.LatencyP99Microseconds:F2})"));
                targets.Add(new($"{where}: batch throughput at least as good as LightGbm's",
                    ours.ThroughputRowsPerSecond >= reference.ThroughputRowsPerSecond,
                    $"{ours.ThroughputRowsPerSecond:N0} vs {reference.ThroughputRowsPerSecond:N0} rows/s"));
                double memoryRatio = ours.Training.PeakResidentMB / process.PeakResidentMB;
                targets.Add(new($"{where}: scoring process at least 5x smaller in resident memory than the training process",
                    memoryRatio >= 5, $"peak {process.PeakResidentMB:F0} MB scoring vs {ours.Training.PeakResidentMB:F0} MB training: {memoryRatio:F1}x"));
            }
            var large = forwardPass.FirstOrDefault(f => f.Network == "784-256-10");
            targets.Add(large is null
                ? new("784-256-10: forward pass at least 50% of the plain matrix-vector product's GFLOP/s", null, "not measured in this run (--quick scores the digits only)")
                : new("784-256-10: forward pass at least 50% of the plain matrix-vector product's GFLOP/s", large.Ratio >= 0.5,
                    $"{large.ModelGflops:F2} vs {large.MatrixVectorGflops:F2} GFLOP/s: {large.Ratio:P0}"));
            return targets;
        }

        /// <summary>scoring.md: the table, the forward pass, the targets and how each figure was measured.</summary>
        public static string Markdown(ScoringResults results)
        {
            var m = results.Machine;
            var s = results.Settings;
            var text = new StringBuilder();
            text.AppendLine("# Scoring benchmark");
            text.AppendLine();
            text.AppendLine($"`dotnet run -c Release --project test/MLNetRiemannian.Benchmarks -- scoring --out DIR{(s.Quick ? " --quick" : "")}` " +
                            $"on {m.Cpu}, {m.LogicalCores} logical cores{(m.Avx512 ? " (AVX-512)" : "")}, {m.OperatingSystem}, {m.Runtime}, ML.NET {m.MLNet}, " +
                            $"commit {m.Commit}, {m.StartedUtc}. Load average at start {m.LoadAverageAtStart}, at end {m.LoadAverageAtEnd}.");
            text.AppendLine();
            text.AppendLine("| model | data | network | test accuracy | latency median µs | latency p99 µs | throughput rows/s | fresh scoring process peak RSS MB | training process peak RSS MB | latency ÷ LightGbm | p99 ÷ LightGbm | throughput ÷ LightGbm | scoring RSS ÷ LightGbm |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var r in results.Models)
            {
                var v = r.VsLightGbm!;
                text.AppendLine($"| {r.Model} | {r.Dataset} | {r.Training.Network} | {r.Training.MicroAccuracy:F4} | {r.LatencyMedianMicroseconds:F2} | {r.LatencyP99Microseconds:F2} | " +
                                $"{r.ThroughputRowsPerSecond:N0} | {r.ScoringProcess.PeakResidentMB:F0} | {r.Training.PeakResidentMB:F0} | " +
                                $"{v.LatencyMedian:F2} | {v.LatencyP99:F2} | {v.Throughput:F2} | {v.ScoringPeakResident:F2} |");
            }
            text.AppendLine();
            text.AppendLine("Ratios are this model ÷ LightGbm's model on the same data: below 1 is better for latency and memory, above 1 for throughput.");
            text.AppendLine();
            text.AppendLine("## Forward pass FLOP rate");
            text.AppendLine();
            text.AppendLine("| data | network | FLOP per row | our model GFLOP/s | plain matrix-vector GFLOP/s | ratio |");
            text.AppendLine("|---|---|---|---|---|---|");
            foreach (var f in results.ForwardPass)
                text.AppendLine($"| {f.Dataset} | {f.Network} | {f.FlopPerRow:N0} | {f.ModelGflops:F2} | {f.MatrixVectorGflops:F2} | {f.Ratio:P0} |");
            text.AppendLine();
            text.AppendLine("## Targets (issue 8)");
            text.AppendLine();
            foreach (var t in results.Targets)
                text.AppendLine($"- {(t.Holds switch { true => "**holds**", false => "**misses**", null => "not measured" })}: {t.Target}. {t.Detail}.");
            text.AppendLine();
            text.AppendLine("## How each figure is measured");
            text.AppendLine();
            text.AppendLine("- Models: samples/TrainDigits's pipeline (MapValueToKey → Concatenate → NormalizeMinMax → trainer → MapKeyToValue), " +
                            $"each trainer with ML.NET's default options (RiemannianMlp: default network, automatic epochs on the digits, {s.FashionMnistEpochs} epochs on Fashion-MNIST), " +
                            "trained in a process of its own and saved to a zip. Everything below scores the model loaded from that zip.");
            text.AppendLine($"- Latency: one `PredictionEngine.Predict(input)` call per test row (Model Builder's call: a new output object each time), timed with " +
                            $"Stopwatch ticks, after a warm-up of {s.WarmUpSeconds} s of calls and {s.WarmUpSeconds} s of batch passes per model, twice over all models " +
                            "(so that .NET has replaced the first, unoptimized code), " +
                            $"then {s.LatencyRounds} rounds of {s.CallsPerRound} calls, the four models taking turns " +
                            "round by round; median and 99th percentile of all timed calls.");
            text.AppendLine($"- Throughput: `Transform` over the test set (cached in memory first) plus a cursor reading Score, passes repeated for at least " +
                            $"{s.SecondsPerRepetition} s per repetition, {s.ThroughputRepetitions} repetitions with the models taking turns; the median.");
            text.AppendLine("- Fresh scoring process: this program started anew (`scoring-score ZIP DATASET`) loads the zip, reads the test set and scores every row " +
                            "(Score and PredictedLabel); it reports VmHWM from /proc/self/status, the loaded assemblies and the mapped files. Training process: " +
                            "VmHWM of the process that trained and saved the model (`scoring-train`), read before evaluation.");
            text.AppendLine("- Forward pass: our prediction transformer alone (Transform + cursor reading Score, so with ML.NET's per-row costs and the softmax) over the " +
                            "featurized test rows held in memory, against `TensorPrimitives.Dot` per weight row through the same layers on the same rows " +
                            $"(no bias, no activation), both single-threaded, {s.ThroughputRepetitions} alternating repetitions of at least {s.SecondsPerRepetition} s; medians. " +
                            "FLOP per row = 2·Σ inputs·outputs over the layers.");
            return text.ToString();
        }

        private static string List(string[] items) => items.Length == 0 ? "none" : string.Join(", ", items);

        // The commit the benchmark was built from (read-only git call); "unknown" outside a work tree.
        private static string Commit()
        {
            try
            {
                var start = new ProcessStartInfo("git", "rev-parse --short HEAD")
                {
                    RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                    WorkingDirectory = AppContext.BaseDirectory,
                };
                using var git = Process.Start(start)!;
                string commit = git.StandardOutput.ReadToEnd().Trim();
                git.WaitForExit();
                return git.ExitCode == 0 && commit.Length > 0 ? commit : "unknown";
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return "unknown";
            }
        }
    }
}
