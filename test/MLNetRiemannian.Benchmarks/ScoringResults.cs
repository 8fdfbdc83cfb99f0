using System.Collections.Generic;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>What a training process reports: its time, peak memory, the model's test accuracy and zip size.</summary>
    internal sealed record TrainingResult(string Trainer, string Dataset, string Network, double Seconds, double PeakResidentMB,
        double MicroAccuracy, long ModelBytes);

    /// <summary>
    /// What a fresh scoring process reports after loading a zip and scoring the test set: peak (VmHWM) and final
    /// (VmRSS) resident memory, any TorchSharp assembly or mapped file with "torch" in its name, and the assemblies
    /// loaded besides .NET's own.
    /// </summary>
    internal sealed record ScoringProcessResult(double PeakResidentMB, double ResidentMB, long Rows, double LoadSeconds, double ScoreSeconds,
        string[] TorchSharpAssemblies, string[] LibtorchMappings, string[] Assemblies);

    /// <summary>One model on one data set: its training and scoring processes and the timings in the benchmark process.</summary>
    internal sealed record ModelResult(string Model, string Dataset, TrainingResult Training, ScoringProcessResult ScoringProcess,
        double LatencyMedianMicroseconds, double LatencyP99Microseconds, int LatencyCalls,
        double ThroughputRowsPerSecond, double[] ThroughputRepetitions)
    {
        /// <summary>This model's figures divided by LightGbm's on the same data.</summary>
        public RatiosToLightGbm? VsLightGbm { get; init; }
    }

    /// <summary>This model ÷ LightGbm: below 1 is better for latency and memory, above 1 for throughput.</summary>
    internal sealed record RatiosToLightGbm(double LatencyMedian, double LatencyP99, double Throughput, double ScoringPeakResident);

    /// <summary>GFLOP/s of our model's scoring and of the plain product of the same sizes, medians of the repetitions.</summary>
    internal sealed record ForwardPassResult(string Dataset, string Network, long FlopPerRow, int Rows, double ModelGflops,
        double MatrixVectorGflops, double Ratio, double[] ModelRepetitions, double[] MatrixVectorRepetitions);

    /// <summary>One of issue 8's targets; <see cref="Holds"/> is null when this run did not measure it.</summary>
    internal sealed record TargetResult(string Target, bool? Holds, string Detail);

    internal sealed record MachineInfo(string Cpu, int LogicalCores, string OperatingSystem, string Runtime, string MLNet,
        bool Avx512, string Commit, string StartedUtc, string LoadAverageAtStart, string LoadAverageAtEnd);

    internal sealed record BenchmarkSettings(bool Quick, double WarmUpSeconds, int LatencyRounds, int CallsPerRound, int ThroughputRepetitions,
        double SecondsPerRepetition, int FashionMnistEpochs);

    /// <summary>Everything scoring.json holds.</summary>
    internal sealed record ScoringResults(MachineInfo Machine, BenchmarkSettings Settings, IReadOnlyList<ModelResult> Models,
        IReadOnlyList<ForwardPassResult> ForwardPass, IReadOnlyList<TargetResult> Targets);
}
