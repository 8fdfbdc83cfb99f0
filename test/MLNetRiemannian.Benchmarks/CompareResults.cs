using System.Collections.Generic;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// One measurement of the <c>compare</c> benchmark: a trainer after <see cref="Epoch"/> passes (0 for a trainer
    /// that is not iterated by epochs), its cumulative training seconds (test evaluation excluded), its accuracy on the
    /// test set, and the peak resident memory of its process so far.
    /// </summary>
    internal sealed record CompareRun(string Trainer, int Seed, int Epoch, double Seconds, double TestAccuracy, double PeakMemoryMB);

    /// <summary>The machine the figures were measured on.</summary>
    internal sealed record CompareMachine(string Cpu, int Cores, string OperatingSystem, string DotNet, string MLNet, int TorchThreads,
        string Commit, string Date, string LoadAverageAtStart, string LoadAverageAtEnd);

    /// <summary>What was run: the data, the passes, the seeds, the numbers the report judges by, and how the trainers' OpenMP threads waited.</summary>
    internal sealed record CompareSettings(string Dataset, int Epochs, IReadOnlyList<int> Seeds, int BatchSize, double TargetAccuracy,
        double BudgetSeconds, bool Quick, IReadOnlyList<string> Trainers, string OpenMpWaiting);

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

    /// <summary>Everything results.json holds.</summary>
    internal sealed record CompareResults(CompareMachine Machine, CompareSettings Settings, IReadOnlyList<HarnessCheck> HarnessCheck,
        IReadOnlyList<CompareRun> Runs);
}
