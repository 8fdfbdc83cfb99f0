using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// <c>clicks</c>: issue 19's target on field case c31 (click ids). The rows are split 80/20 with
    /// <c>TrainTestSplit</c> seed 1, the three ids each go through <c>OneHotHashEncoding</c> at <c>--bits</c> (20), and
    /// RiemannianMlp (default options) and SdcaLogisticRegression are fitted on the same rows, each in a fresh process, the
    /// two interleaved <c>--runs</c> times. Each child prints the trainer's fit time on the featurized rows (cached in memory
    /// first, so both read the same materialized rows), the whole pipeline's fit time (featurization included, as a user
    /// calls it), its process's peak resident memory and the hold-out AUC. The parent prints medians and the ratios.
    /// </summary>
    internal static class Clicks
    {
        private sealed class Click
        {
            [LoadColumn(0)] public string UserId = "";
            [LoadColumn(1)] public string AdId = "";
            [LoadColumn(2)] public string Site = "";
            [LoadColumn(3)] public bool Clicked = false;
        }

        public static int Run(string[] args)
        {
            string file = StepTiming.Option(args, "--data", "test/MLNetRiemannian.Tests/data/field-cases/c31_clicks.csv");
            int bits = int.Parse(StepTiming.Option(args, "--bits", "20"), CultureInfo.InvariantCulture);
            string one = StepTiming.Option(args, "--one", "");
            if (one.Length > 0) return One(file, bits, one, StepTiming.Option(args, "--measure", "trainer"));
            if (StepTiming.Option(args, "--threads", "") is { Length: > 0 } threads) TorchSharp.torch.set_num_threads(int.Parse(threads, CultureInfo.InvariantCulture));
            if (args.Contains("--profile")) return Profile(bits);
            string checkpointChild = StepTiming.Option(args, "--checkpoint-child", "");
            if (checkpointChild.Length > 0) return CheckpointChild(file, checkpointChild == "yes");
            if (args.Contains("--checkpoint-memory")) return CheckpointMemory(file);
            string resumeChild = StepTiming.Option(args, "--resume-child", "");
            if (resumeChild.Length > 0) return ResumeChild(file, resumeChild, StepTiming.Option(args, "--checkpoint", ""));
            if (args.Contains("--resume-memory")) return ResumeMemory(file);
            int runs = int.Parse(StepTiming.Option(args, "--runs", "3"), CultureInfo.InvariantCulture);
            var results = new Dictionary<string, List<double[]>> { ["riemannian"] = new(), ["sdca"] = new() };
            Console.WriteLine($"c31 clicks ({file}), ids hashed at {bits} bits each, {runs} runs interleaved, each fit in its own process; load before: {Load()}");
            for (int run = 0; run < runs; run++)
                foreach (string trainer in new[] { "sdca", "riemannian" })
                {
                    var numbers = new double[4];
                    foreach (string measure in new[] { "trainer", "pipeline" })
                    {
                        var start = ChildProcess.StartInfo(new[] { "clicks", "--data", file, "--bits", bits.ToString(CultureInfo.InvariantCulture), "--one", trainer, "--measure", measure }, redirectOutput: true);
                        using var child = Process.Start(start)!;
                        string output = child.StandardOutput.ReadToEnd();
                        string errors = child.StandardError.ReadToEnd();
                        child.WaitForExit();
                        var line = output.Split('\n').LastOrDefault(l => l.StartsWith("result "));
                        if (child.ExitCode != 0 || line is null)
                        {
                            Console.Error.WriteLine($"{trainer} run {run + 1} failed (exit {child.ExitCode}):\n{output}\n{errors}");
                            return 1;
                        }
                        if (run == 0 && measure == "trainer") foreach (var log in output.Split('\n').Where(l => l.StartsWith("  log: "))) Console.WriteLine(log);
                        var result = line["result ".Length..].Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                        // The trainer's child gives the fit time and the peak memory; the pipeline's, its fit time and the AUC.
                        if (measure == "trainer") (numbers[0], numbers[2]) = (result[0], result[1]);
                        else (numbers[1], numbers[3]) = (result[0], result[2]);
                    }
                    results[trainer].Add(numbers);
                    Console.WriteLine($"run {run + 1} {trainer,-10}: trainer fit {numbers[0]:F3} s, pipeline fit {numbers[1]:F3} s, peak {numbers[2]:F0} MiB, hold-out AUC {numbers[3]:F4}");
                }
            double Median(string trainer, int k)
            {
                var values = results[trainer].Select(r => r[k]).OrderBy(v => v).ToArray();
                return values.Length % 2 == 1 ? values[values.Length / 2] : (values[values.Length / 2 - 1] + values[values.Length / 2]) / 2;
            }
            Console.WriteLine();
            Console.WriteLine("| medians | trainer fit (s) | pipeline fit (s) | peak memory (MiB) | hold-out AUC |");
            Console.WriteLine("|---|---|---|---|---|");
            foreach (string trainer in new[] { "riemannian", "sdca" })
                Console.WriteLine($"| {(trainer == "sdca" ? "SdcaLogisticRegression" : "RiemannianMlp (defaults)")} | {Median(trainer, 0):F3} | {Median(trainer, 1):F3} | {Median(trainer, 2):F0} | {Median(trainer, 3):F4} |");
            Console.WriteLine($"| ratio / difference | {Median("riemannian", 0) / Median("sdca", 0):F2}× | {Median("riemannian", 1) / Median("sdca", 1):F2}× | | {Median("riemannian", 3) - Median("sdca", 3):+0.0000;-0.0000} |");
            Console.WriteLine($"load after: {Load()}");
            return 0;
        }

        /// <summary>
        /// One fit in this process: <c>trainer</c> fits the trainer alone on featurized rows cached in memory (a pass
        /// materializes them before the clock starts) and reports its peak memory; <c>pipeline</c> fits featurization and
        /// trainer together, as a user calls it, and reports the hold-out AUC. Prints "result seconds peak-MB auc".
        /// </summary>
        private static int One(string file, int bits, string trainer, string measure)
        {
            var ml = new MLContext(1);
            var since = Stopwatch.StartNew();
            ml.Log += (_, e) =>
            {
                if (e.Message.Contains("Planned work") || e.Message.Contains("RiemannianMlp:") || e.Message.Contains("Kind=Warning") || (Environment.GetEnvironmentVariable("CLICKS_LOG") == "1" && e.Kind != Microsoft.ML.Runtime.ChannelMessageKind.Trace))
                    Console.WriteLine($"  log: {since.Elapsed.TotalSeconds,6:F2} s {e.Message}");
            };
            var raw = ml.Data.LoadFromTextFile<Click>(file, separatorChar: ',', hasHeader: true);
            var split = ml.Data.TrainTestSplit(raw, testFraction: 0.2, seed: 1);
            var featurize = ml.Transforms.Categorical.OneHotHashEncoding("UserId", numberOfBits: bits)
                .Append(ml.Transforms.Categorical.OneHotHashEncoding("AdId", numberOfBits: bits))
                .Append(ml.Transforms.Categorical.OneHotHashEncoding("Site", numberOfBits: bits))
                .Append(ml.Transforms.Concatenate("Features", "UserId", "AdId", "Site"));
            IEstimator<ITransformer> Trainer() => trainer == "sdca"
                ? ml.BinaryClassification.Trainers.SdcaLogisticRegression(labelColumnName: "Clicked")
                : ml.BinaryClassification.Trainers.RiemannianMlp(new MLNetRiemannian.Trainers.RiemannianMlpBinaryTrainer.Options
                {
                    LabelColumnName = "Clicked",
                    NumberOfThreads = Environment.GetEnvironmentVariable("CLICKS_THREADS") is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : null,
                    HiddenLayerSizes = Environment.GetEnvironmentVariable("CLICKS_HIDDEN") is { } h ? new[] { int.Parse(h, CultureInfo.InvariantCulture) } : null,
                });
            double seconds, auc = double.NaN;
            if (measure == "trainer")
            {
                var featurizer = featurize.Fit(split.TrainSet);
                var cached = ml.Data.Cache(featurizer.Transform(split.TrainSet));
                using (var cursor = cached.GetRowCursor(cached.Schema)) while (cursor.MoveNext()) { }
                var clock = Stopwatch.StartNew();
                GC.KeepAlive(Trainer().Fit(cached));
                seconds = clock.Elapsed.TotalSeconds;
            }
            else
            {
                var clock = Stopwatch.StartNew();
                var pipeline = featurize.Append(Trainer()).Fit(split.TrainSet);
                seconds = clock.Elapsed.TotalSeconds;
                auc = ml.BinaryClassification.Evaluate(pipeline.Transform(split.TestSet), labelColumnName: "Clicked").AreaUnderRocCurve;
            }
            Console.WriteLine(FormattableString.Invariant($"result {seconds:R} {LargeDataMemory.PeakResidentBytes() / 1048576.0:R} {auc:R}"));
            return 0;
        }

        /// <summary>
        /// <c>--profile</c>: where a column-sparse step's time goes on c31's shape (3 ids at <c>bits</c>, one non-zero each,
        /// a first layer of 16, batches of 64, 16 curvature rows refreshed every 8 steps): 400 steps on random ids, each
        /// part's total time through the optimizer's probe.
        /// </summary>
        private static int Profile(int bits)
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            int width = 3 << bits, batch = 64, steps = 400;
            var generator = new TorchSharp.torch.Generator(1);
            using var network = new MLNetRiemannian.Geometry.Sequential(new MLNetRiemannian.Geometry.Dense(width, 16, generator: generator),
                new MLNetRiemannian.Geometry.ReLU(16), new MLNetRiemannian.Geometry.Dense(16, 1, generator: generator));
            var plan = new MLNetRiemannian.Optimization.OptimizerPlan
            {
                LearningRate = 0.16, Schedule = MLNetRiemannian.Optimization.LearningRateSchedule.Cosine(0.02), PlannedSteps = steps,
                Rule = MLNetRiemannian.Optimization.UpdateRulePlan.AdaptiveMass(0.9, 0.999), CurvatureRows = 16, CurvatureRefreshSteps = 8, ColumnSparseFirstLayer = true,
            };
            using var optimizer = new MLNetRiemannian.Optimization.RiemannianSgd(network, new MLNetRiemannian.Geometry.SigmoidCrossEntropyLoss(), new MLNetRiemannian.Geometry.IdentityMetric(), plan);
            var parts = new Dictionary<string, double>();
            var clock = Stopwatch.StartNew();
            optimizer.Probe = part =>
            {
                if (part != MLNetRiemannian.Optimization.RiemannianSgd.BetweenSteps) parts[part] = parts.GetValueOrDefault(part) + clock.Elapsed.TotalMilliseconds;
                clock.Restart();
            };
            var ids = TorchSharp.torch.randint(1 << 11, new long[] { steps, batch, 3 }, generator: generator);
            var whole = Stopwatch.StartNew();
            for (int step = 0; step < steps; step++)
            {
                using var stepScope = TorchSharp.torch.NewDisposeScope();
                var rows = TorchSharp.torch.arange(batch).repeat_interleave(3);
                var columns = (ids[step] + TorchSharp.torch.tensor(new long[] { 0, 1L << bits, 2L << bits })).view(-1);
                var input = MLNetRiemannian.Numerics.SparseInput.FromEntries(rows, columns, TorchSharp.torch.ones(batch * 3), batch, width);
                var target = TorchSharp.torch.randint(2, new long[] { batch }, generator: generator).to_type(TorchSharp.torch.ScalarType.Float32);
                clock.Restart();
                optimizer.StepCore(input, target, null);
                parts["(after the last part)"] = parts.GetValueOrDefault("(after the last part)") + clock.Elapsed.TotalMilliseconds;
                if (step % 50 == 49) { clock.Restart(); optimizer.BringUpToDate(); parts["bring up to date (every 50 steps)"] = parts.GetValueOrDefault("bring up to date (every 50 steps)") + clock.Elapsed.TotalMilliseconds; }
            }
            double total = whole.Elapsed.TotalMilliseconds;
            Console.WriteLine($"{steps} column-sparse steps on {width:N0} slots: {total / steps:F3} ms a step (load {Load()})");
            foreach (var (part, ms) in parts.OrderByDescending(p => p.Value)) Console.WriteLine($"  {part,-40} {ms / steps:F3} ms");
            return 0;
        }

        /// <summary>
        /// <c>--checkpoint-memory</c>: issue 19's 75 M-weight case. The first 16 rows, AdId hashed one-hot at 22 bits,
        /// HiddenLayerSizes [18] (75.5 M weights, 288 MiB in Float32), ValidationSetFraction 0.25, three epochs with
        /// CheckpointPath, in a fresh process. At epoch 2's report (just before its checkpoint is written; epoch 1 made the
        /// loop's snapshots, which later epochs refresh in place) the process's peak resident memory is reset
        /// (<c>/proc/self/clear_refs</c>) and its resident memory noted; at epoch 3's report the peak since then covers the
        /// checkpoint's write and epoch 3's few steps. The difference is what the write
        /// cost beside the model (an upper bound).
        /// </summary>
        private static int CheckpointMemory(string file)
        {
            var start = ChildProcess.StartInfo(new[] { "clicks", "--data", file, "--checkpoint-child", "yes" }, redirectOutput: true);
            using var child = Process.Start(start)!;
            string output = child.StandardOutput.ReadToEnd(), errors = child.StandardError.ReadToEnd();
            child.WaitForExit();
            var line = output.Split('\n').LastOrDefault(l => l.StartsWith("result "));
            if (child.ExitCode != 0 || line is null)
            {
                Console.Error.WriteLine($"the checkpoint child failed (exit {child.ExitCode}):\n{output}\n{errors}");
                return 1;
            }
            var numbers = line["result ".Length..].Split(' ').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            double modelMegabytes = (((1L << 22) + 1) * 18 + 19) * 4 / 1048576.0; // (in + 1)·18 + 19 weights and biases
            double extra = numbers[2] - numbers[1];
            Console.WriteLine($"fit {numbers[0]:F2} s; before epoch 2's checkpoint {numbers[1]:F0} MiB resident; peak from then to epoch 3's report {numbers[2]:F0} MiB; checkpoint file {numbers[3] / 1048576:F0} MiB");
            Console.WriteLine($"model {modelMegabytes:F0} MiB in Float32; the checkpoint's write added at most {extra:F1} MiB ({100 * extra / modelMegabytes:F1} % of the model; target < 10 %); load {Load()}");
            return 0;
        }

        private static int CheckpointChild(string file, bool checkpoint)
        {
            var ml = new MLContext(1);
            var rows = ml.Data.TakeRows(ml.Data.LoadFromTextFile<Click>(file, separatorChar: ',', hasHeader: true), 16);
            var data = ml.Transforms.Categorical.OneHotHashEncoding("Features", "AdId", numberOfBits: 22).Fit(rows).Transform(rows);
            string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"clicks-{Environment.ProcessId}.ckpt");
            var memory = new EpochMemory();
            var clock = Stopwatch.StartNew();
            ml.BinaryClassification.Trainers.RiemannianMlp(new MLNetRiemannian.Trainers.RiemannianMlpBinaryTrainer.Options
            {
                LabelColumnName = "Clicked", HiddenLayerSizes = new[] { 18 }, ValidationSetFraction = 0.25, NumberOfEpochs = 3,
                CheckpointPath = checkpoint ? path : null, Progress = memory,
            }).Fit(data);
            double seconds = clock.Elapsed.TotalSeconds;
            long bytes = checkpoint ? new System.IO.FileInfo(path).Length : 0;
            if (checkpoint) System.IO.File.Delete(path);
            Console.WriteLine(FormattableString.Invariant($"result {seconds:R} {memory.Before / 1048576.0:R} {memory.Peak / 1048576.0:R} {bytes}"));
            return 0;
        }

        /// <summary>Notes the resident memory at epoch 2's report and resets the peak; reads the peak at epoch 3's.</summary>
        private sealed class EpochMemory : IProgress<MLNetRiemannian.Model.EpochSummary>
        {
            public long Before { get; private set; }
            public long Peak { get; private set; }

            public void Report(MLNetRiemannian.Model.EpochSummary value)
            {
                if (value.Epoch == 2)
                {
                    System.IO.File.WriteAllText("/proc/self/clear_refs", "5");
                    Before = Status("VmRSS:");
                }
                else if (value.Epoch == 3) Peak = Status("VmHWM:");
            }

            private static long Status(string field) =>
                long.Parse(System.IO.File.ReadLines("/proc/self/status").First(l => l.StartsWith(field))[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }

        /// <summary>
        /// <c>--resume-memory</c>: c31 at 20 bits with default options, NumberOfEpochs 6 and CheckpointPath: a fresh process
        /// fits it whole; another fits it and stops after epoch 3 (a StopToken); a third resumes from that checkpoint. Each
        /// prints its peak resident memory, so the resume's cost beside a fresh fit shows.
        /// </summary>
        private static int ResumeMemory(string file)
        {
            string checkpoint = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"clicks-resume-{Environment.ProcessId}.ckpt");
            try
            {
                foreach (string mode in new[] { "whole", "stop", "resume" })
                {
                    var start = ChildProcess.StartInfo(new[] { "clicks", "--data", file, "--resume-child", mode, "--checkpoint", mode == "whole" ? checkpoint + ".whole" : checkpoint }, redirectOutput: true);
                    using var child = Process.Start(start)!;
                    string output = child.StandardOutput.ReadToEnd(), errors = child.StandardError.ReadToEnd();
                    child.WaitForExit();
                    var line = output.Split('\n').LastOrDefault(l => l.StartsWith("result "));
                    if (child.ExitCode != 0 || line is null)
                    {
                        Console.Error.WriteLine($"{mode} failed (exit {child.ExitCode}):\n{output}\n{errors}");
                        return 1;
                    }
                    var numbers = line["result ".Length..].Split(' ').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
                    Console.WriteLine($"{mode,-6}: fit {numbers[0]:F2} s, peak resident {numbers[1]:F0} MiB, checkpoint {numbers[2] / 1048576:F0} MiB");
                }
                Console.WriteLine($"load {Load()}");
                return 0;
            }
            finally
            {
                foreach (string path in new[] { checkpoint, checkpoint + ".whole" }) if (System.IO.File.Exists(path)) System.IO.File.Delete(path);
            }
        }

        private static int ResumeChild(string file, string mode, string checkpoint)
        {
            var ml = new MLContext(1);
            var split = ml.Data.TrainTestSplit(ml.Data.LoadFromTextFile<Click>(file, separatorChar: ',', hasHeader: true), testFraction: 0.2, seed: 1);
            var data = ml.Transforms.Categorical.OneHotHashEncoding("UserId", numberOfBits: 20)
                .Append(ml.Transforms.Categorical.OneHotHashEncoding("AdId", numberOfBits: 20))
                .Append(ml.Transforms.Categorical.OneHotHashEncoding("Site", numberOfBits: 20))
                .Append(ml.Transforms.Concatenate("Features", "UserId", "AdId", "Site")).Fit(split.TrainSet).Transform(split.TrainSet);
            using var stop = new System.Threading.CancellationTokenSource();
            var clock = Stopwatch.StartNew();
            ml.BinaryClassification.Trainers.RiemannianMlp(new MLNetRiemannian.Trainers.RiemannianMlpBinaryTrainer.Options
            {
                LabelColumnName = "Clicked", NumberOfEpochs = 6, CheckpointPath = checkpoint, StopToken = stop.Token,
                Progress = mode == "stop" ? new StopAfterEpoch(3, stop) : null,
            }).Fit(data);
            Console.WriteLine(FormattableString.Invariant($"result {clock.Elapsed.TotalSeconds:R} {LargeDataMemory.PeakResidentBytes() / 1048576.0:R} {new System.IO.FileInfo(checkpoint).Length}"));
            return 0;
        }

        private sealed class StopAfterEpoch(int epoch, System.Threading.CancellationTokenSource stop) : IProgress<MLNetRiemannian.Model.EpochSummary>
        {
            public void Report(MLNetRiemannian.Model.EpochSummary value)
            {
                if (value.Epoch == epoch) stop.Cancel();
            }
        }

        private static string Load() => System.IO.File.ReadAllText("/proc/loadavg").Split(' ')[0];
    }
}
