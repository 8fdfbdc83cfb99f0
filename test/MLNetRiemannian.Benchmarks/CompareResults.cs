using System.Collections.Generic;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// One measurement of the <c>compare</c> benchmark: a trainer after <see cref="Epoch"/> passes (fractional: 1.25 is a
    /// quarter into the second; 0 for a trainer that is not iterated by epochs), its cumulative training seconds
    /// (evaluation excluded), its accuracy on the evaluation rows (the test rows unless <c>--evaluate validation</c>), and
    /// the peak resident memory of its process so far.
    /// </summary>
    internal sealed record CompareRun(string Trainer, int Seed, double Epoch, double Seconds, double TestAccuracy, double PeakMemoryMB);

    /// <summary>The machine the figures were measured on.</summary>
    internal sealed record CompareMachine(string Cpu, int Cores, string OperatingSystem, string DotNet, string MLNet, int TorchThreads,
        string Commit, string Date, string LoadAverageAtStart, string LoadAverageAtEnd);

    /// <summary>
    /// What was run: the data and which rows were evaluated, the passes, the seeds, the measurements per epoch, the
    /// accuracy levels and budget the report judges by, the RiemannianMlp options set by <c>--set</c>, and how the
    /// trainers' OpenMP threads waited.
    /// </summary>
    internal sealed record CompareSettings(string Dataset, string Evaluate, string EvaluationRows, int Epochs, IReadOnlyList<int> Seeds, int BatchSize,
        int MeasurementsPerEpoch, IReadOnlyList<double> AccuracyLevels, double BudgetSeconds, bool Quick, IReadOnlyList<string> Trainers,
        IReadOnlyList<CompareOptionSetting> RiemannianMlpSettings, string OpenMpWaiting);

    /// <summary>One <c>--set</c> pair: a field of RiemannianMlpMulticlassTrainer.Options and the value the RiemannianMlp trainers ran with.</summary>
    internal sealed record CompareOptionSetting(string Name, string Value);

    /// <summary>
    /// The benchmark's RiemannianMlp harness against the public trainer, one epoch from the same seed on the digits:
    /// their training loss and accuracy must be equal, or the harness no longer measures the product.
    /// </summary>
    internal sealed record HarnessCheck(string Trainer, int Seed, double TrainerLoss, double HarnessLoss, double TrainerTrainingAccuracy,
        double HarnessTrainingAccuracy)
    {
        /// <summary>Whether the two runs agree (bit for bit: same code path, same thread count).</summary>
        public bool Agrees => TrainerLoss == HarnessLoss && TrainerTrainingAccuracy == HarnessTrainingAccuracy;
    }

    /// <summary>
    /// Everything results.json holds: the raw measurements (<see cref="Runs"/>), and the figures results.md shows,
    /// per trainer (<see cref="Summaries"/>) and per target of the speed issue (<see cref="Targets"/>).
    /// </summary>
    internal sealed record CompareResults(CompareMachine Machine, CompareSettings Settings, IReadOnlyList<HarnessCheck> HarnessCheck,
        IReadOnlyList<CompareRun> Runs, IReadOnlyList<CompareSummary> Summaries, IReadOnlyList<CompareTarget> Targets);
}
