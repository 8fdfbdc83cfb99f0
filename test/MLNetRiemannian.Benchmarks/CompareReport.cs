using System.Linq;
using System.Text;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>results.md: per trainer, the medians over seeds of the figures that decide between trainers, and how they were measured.</summary>
    internal static class CompareReport
    {
        /// <summary>The training-time budget of the report's "best accuracy within" column.</summary>
        public const double BudgetSeconds = 60;

        private const string Reference = "Adam";

        /// <summary>The report's text.</summary>
        public static string Markdown(CompareResults results)
        {
            var m = results.Machine;
            var s = results.Settings;
            var summaries = s.Trainers.Select(t => CompareSummary.Of(t, results.Runs, s.TargetAccuracy, s.BudgetSeconds)).ToList();
            double adamTime = summaries.Single(x => x.Trainer == Reference).TimeToTarget;
            var text = new StringBuilder();
            text.AppendLine($"# RiemannianMlp against other trainers on {s.Dataset}");
            text.AppendLine();
            text.AppendLine($"`dotnet run -c Release --project test/MLNetRiemannian.Benchmarks -- compare --dataset {s.Dataset} --epochs {s.Epochs} --seeds {s.Seeds.Count}" +
                            $"{(s.Quick ? " --quick" : "")} --out DIR` on {m.Cpu}, {m.Cores} logical cores, {m.OperatingSystem}, {m.DotNet}, ML.NET {m.MLNet}, " +
                            $"{m.TorchThreads} torch threads, commit {m.Commit}, {m.Date}. Load average at start {m.LoadAverageAtStart}, at end {m.LoadAverageAtEnd}.");
            text.AppendLine();
            text.AppendLine($"{(s.Seeds.Count == 1 ? $"Seed {s.Seeds[0]} only" : $"Medians over seeds {string.Join(", ", s.Seeds)}")}. " +
                            $"Target test accuracy {s.TargetAccuracy:P1}; budget {s.BudgetSeconds:F0} s of training.");
            text.AppendLine();
            text.AppendLine($"| trainer | test accuracy after epoch 1 | best test accuracy | seconds to {s.TargetAccuracy:P1} | time to target ÷ Adam's | best accuracy within {s.BudgetSeconds:F0} s | training seconds (all epochs) | peak RSS MB |");
            text.AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var x in summaries)
            {
                string time = double.IsFinite(x.TimeToTarget) ? $"{x.TimeToTarget:F2}" : "not reached";
                if (x.SeedsReachingTarget != x.Seeds) time += $" ({x.SeedsReachingTarget}/{x.Seeds} seeds)";
                string ratio = double.IsFinite(x.TimeToTarget) && double.IsFinite(adamTime) ? $"{x.TimeToTarget / adamTime:F2}" : "–";
                text.AppendLine($"| {x.Trainer} | {(x.AccuracyAfterFirstEpoch is { } first ? $"{first:F4}" : "– (one fit)")} | {x.BestAccuracy:F4} | {time} | {ratio} | " +
                                $"{(x.BestWithinBudget is { } budget ? $"{budget:F4}" : "none within budget")} | {x.TrainingSeconds:F2} | {x.PeakMemoryMB:F0} |");
            }
            text.AppendLine();
            text.AppendLine("## Harness check");
            text.AppendLine();
            foreach (var c in results.HarnessCheck)
                text.AppendLine($"- {c.Trainer}, digits, seed {c.Seed}, one epoch: training loss {c.TrainerLoss:G9} through the public trainer, {c.HarnessLoss:G9} through the " +
                                $"benchmark's harness; training accuracy {c.TrainerTrainingAccuracy:F4} and {c.HarnessTrainingAccuracy:F4}: {(c.Agrees ? "equal" : "**different**")}.");
            text.AppendLine();
            text.AppendLine("## How it is measured");
            text.AppendLine();
            text.AppendLine($"- Data: {(s.Dataset == ScoringData.Digits ? "samples/data/digits.csv, 25% held out for testing (seed 1)" : "Fashion-MNIST's 60,000 training and 10,000 test images")}; " +
                            "label mapped to a key, pixels min-max normalized with the training rows' range (fitted before any clock starts). Accuracy is on the test rows.");
            text.AppendLine($"- RiemannianMlp: default options (network, η, μ, momentum, batch {s.BatchSize}), {s.Epochs} epochs, no validation or early stopping; " +
                            "run through the library's own pieces (data reader, network, RiemannianSgd, FitLoop) so that the test accuracy is measured between " +
                            "epochs with no clock running. The harness check above ties these pieces to the public trainer.");
            text.AppendLine($"- Adam (η = 10⁻³, β = (0.9, 0.999)) and SGD+momentum (η = 0.1, momentum 0.9): TorchSharp's optimizers with autograd on the batch-mean " +
                            $"softmax cross-entropy, RiemannianMlp's default network, batches of {BaselineOptimizer.BatchSize} (the batch these rates were calibrated at), " +
                            "the same initial weights and the same row order (same seed).");
            text.AppendLine("- LbfgsMaximumEntropy, SdcaMaximumEntropy, LightGbm: ML.NET's default options, one fit each (epoch 0 in results.json).");
            text.AppendLine("- Seconds: cumulative training time from the featurized, uncached rows, as in a pipeline's Fit. For the network trainers it includes " +
                            "what RiemannianMlp's Fit does before its first epoch (reading the rows into tensors, building the network); for ML.NET's trainers it is " +
                            "their Fit, with the rows cached first (inside the clock) for the trainers that ask for caching (L-BFGS, SDCA). Test evaluation is never counted.");
            text.AppendLine("- Every trainer and seed runs in a process of its own (`compare-one`), one after another; peak RSS is that process's VmHWM " +
                            "(runtime, data, training and test evaluation).");
            text.AppendLine($"- OpenMP (libtorch's and LightGBM's libgomp threads): {s.OpenMpWaiting} in every process, the bound MLNetRiemannian sets for libtorch " +
                            "unless the caller chose one; libgomp's default spinning makes timings on a shared machine swing by an order of magnitude.");
            return text.ToString();
        }
    }
}
