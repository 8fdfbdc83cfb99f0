using System.Linq;
using System.Text;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// results.md: per trainer, the medians over seeds of the figures that decide between trainers (accuracy after epoch 1,
    /// best accuracy, within the budget, time to each accuracy level and its ratio to Adam's), the speed issue's targets
    /// judged, and how it was measured.
    /// </summary>
    internal static class CompareReport
    {
        /// <summary>The training-time budget of the report's "best accuracy within" column.</summary>
        public const double BudgetSeconds = 60;

        /// <summary>The report's text.</summary>
        public static string Markdown(CompareResults results)
        {
            var m = results.Machine;
            var s = results.Settings;
            string rows = s.Evaluate == CompareData.EvaluateTest ? "test" : "validation";
            var text = new StringBuilder();
            text.AppendLine($"# RiemannianMlp against other trainers on {s.Dataset}");
            text.AppendLine();
            string trainers = s.Trainers.SequenceEqual(CompareOne.Trainers) ? "" : $" --trainers {string.Join(",", s.Trainers)}";
            string set = s.RiemannianMlpSettings.Count == 0 ? "" : $" --set \"{CompareOptionSettings.Format(s.RiemannianMlpSettings)}\"";
            text.AppendLine($"`dotnet run -c Release --project test/MLNetRiemannian.Benchmarks -- compare --dataset {s.Dataset} --epochs {s.Epochs} --seeds {s.Seeds.Count}" +
                            $"{(s.Evaluate == CompareData.EvaluateTest ? "" : $" --evaluate {s.Evaluate}")}{trainers}{set}{(s.Quick ? " --quick" : "")} --out DIR` on {m.Cpu}, " +
                            $"{m.Cores} logical cores, {m.OperatingSystem}, {m.DotNet}, ML.NET {m.MLNet}, {m.TorchThreads} torch threads, commit {m.Commit}, {m.Date}. " +
                            $"Load average at start {m.LoadAverageAtStart}, at end {m.LoadAverageAtEnd}.");
            text.AppendLine();
            text.AppendLine($"{(s.Seeds.Count == 1 ? $"Seed {s.Seeds[0]} only" : $"Medians over seeds {string.Join(", ", s.Seeds)}")}. Accuracy on the {rows} rows " +
                            $"({s.EvaluationRows}), measured after every quarter epoch; budget {s.BudgetSeconds:F0} s of training." +
                            (s.RiemannianMlpSettings.Count == 0 ? "" : $" RiemannianMlp options set: {string.Join(", ", s.RiemannianMlpSettings.Select(o => $"{o.Name} = {o.Value}"))}."));
            text.AppendLine();
            text.AppendLine($"| trainer | {rows} accuracy after epoch 1 | − Adam's (points) | best {rows} accuracy | best accuracy within {s.BudgetSeconds:F0} s | " +
                            "training seconds (all epochs) | peak RSS MB |");
            text.AppendLine("|---|---|---|---|---|---|---|");
            foreach (var x in results.Summaries)
            {
                text.AppendLine($"| {x.Trainer} | {(x.AccuracyAfterFirstEpoch is { } first ? $"{first:F4}" : "– (one fit)")} | {Points(x.FirstEpochDifferenceToAdam)} | " +
                                $"{x.BestAccuracy:F4} | {(x.BestWithinBudget is { } budget ? $"{budget:F4}" : "none within budget")} | {x.TrainingSeconds:F2} | {x.PeakMemoryMB:F0} |");
            }
            text.AppendLine();
            text.AppendLine($"## Time to each {rows} accuracy level");
            text.AppendLine();
            text.AppendLine("Training seconds at the first quarter-epoch measurement at or above the level (no interpolation), median over seeds (never, when more " +
                            "than half the seeds never reach it; the seeds reaching it in parentheses when not all), and its ratio to Adam's.");
            text.AppendLine();
            text.AppendLine($"| trainer | {string.Join(" | ", s.AccuracyLevels.Select(l => $"{l:P1}: seconds | ÷ Adam's"))} |");
            text.AppendLine($"|---|{string.Concat(s.AccuracyLevels.Select(_ => "---|---|"))}");
            foreach (var x in results.Summaries)
            {
                var cells = x.TimeToLevel.Select(l => $"{CompareTarget.Seconds(l.Seconds)}{(l.SeedsReaching != x.Seeds ? $" ({l.SeedsReaching}/{x.Seeds})" : "")} | " +
                                                      $"{(l.RatioToAdam is { } r ? $"{r:F2}" : "–")}");
                text.AppendLine($"| {x.Trainer} | {string.Join(" | ", cells)} |");
            }
            if (results.Targets.Count > 0)
            {
                text.AppendLine();
                text.AppendLine("## Targets of the speed issue");
                text.AppendLine();
                text.AppendLine($"A level Adam reaches and RiemannianMlp does not fails; a level only RiemannianMlp reaches passes; otherwise time ratio ≤ {CompareTarget.RatioTarget} " +
                                $"passes (≤ {CompareTarget.RatioStretch}: stretch goal met). The issue states its targets for the default options, which " +
                                $"RiemannianMlp-{Defaults.OutputMetric} runs{(s.RiemannianMlpSettings.Count == 0 ? "" : " (here with the settings above)")}: {Defaults.OutputMetric} is the default output metric." +
                                (s.Evaluate == CompareData.EvaluateTest ? "" : " These are validation rows: the targets are stated for the test rows."));
                text.AppendLine();
                text.AppendLine("| trainer | target | measured (medians) | verdict |");
                text.AppendLine("|---|---|---|---|");
                foreach (var t in results.Targets)
                    text.AppendLine($"| {t.Trainer} | {t.Target} | {t.Measured} | {(t.Verdict == "FAIL" ? "**FAIL**" : t.Verdict)} |");
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
            text.AppendLine($"- Data: {s.EvaluationRows}; label mapped to a key, features min-max normalized with the range of the rows trained on (fitted before " +
                            "any clock starts).");
            text.AppendLine($"- RiemannianMlp: default options{(s.RiemannianMlpSettings.Count == 0 ? "" : " with the settings above")} (network, η, μ, momentum, " +
                            $"batch {s.BatchSize}), NumberOfEpochs = {s.Epochs}, " +
                            CompareRiemannianMlp.Options(Trainers.OutputMetricKind.Identity, s.Epochs, s.RiemannianMlpSettings).ValidationSetFraction switch
                            {
                                null => "the trainer's default hold-out (20 % of a table of 1,000+ training rows, none below), validated every epoch with early " +
                                        "stopping and the best epoch kept, split as the trainer splits them",
                                > 0 and var f => $"{f:P0} of the training rows held out, validated every epoch with early stopping and the best epoch kept, " +
                                                 "split as the trainer splits them",
                                _ => "no validation or early stopping (every training row trains)",
                            } +
                            "; run through the library's own pieces (data reader, " +
                            "network, RiemannianSgd, FitLoop) so that the accuracy is measured in the fit loop's evaluation hook, with the epoch's clock stopped. " +
                            "The harness check above ties these pieces to the public trainer.");
            text.AppendLine($"- Adam (η = 10⁻³, β = (0.9, 0.999)), AdamSchedule (the same, with η = 10⁻³ × the factor of RiemannianMlp's default schedule, " +
                            $"{Trainers.Defaults.Schedule(new Trainers.RiemannianMlpMulticlassTrainer.Options())}, at each step over the {s.Epochs} epochs' steps) and SGD+momentum (η = 0.1, momentum 0.9): TorchSharp's " +
                            $"optimizers with autograd on the batch-mean softmax cross-entropy, RiemannianMlp's default network, batches of {BaselineOptimizer.BatchSize} " +
                            "(the batch these rates were calibrated at), the same initial weights and the same row order (same seed).");
            text.AppendLine("- LbfgsMaximumEntropy, SdcaMaximumEntropy, LightGbm: ML.NET's default options, one fit each (epoch 0 in results.json).");
            text.AppendLine($"- Measurements: the network trainers' accuracy after steps ⌈q·n/{s.MeasurementsPerEpoch}⌉, q = 1..{s.MeasurementsPerEpoch}, of each epoch of " +
                            "n steps (epochs 0.25, 0.5, … in results.json), so that time to a level does not depend on the batches per epoch.");
            text.AppendLine("- Seconds: cumulative training time from the featurized, uncached rows, as in a pipeline's Fit. For the network trainers it includes " +
                            "what RiemannianMlp's Fit does before its first epoch (reading the rows into tensors, building the network); for ML.NET's trainers it is " +
                            "their Fit, with the rows cached first (inside the clock) for the trainers that ask for caching (L-BFGS, SDCA). Evaluation is never counted.");
            text.AppendLine("- Every trainer and seed runs in a process of its own (`compare-one`), one after another; peak RSS is that process's VmHWM " +
                            "(runtime, data, training and test evaluation).");
            text.AppendLine($"- OpenMP (libtorch's and LightGBM's libgomp threads): {s.OpenMpWaiting} in every process, the bound MLNetRiemannian sets for libtorch " +
                            "unless the caller chose one; libgomp's default spinning makes timings on a shared machine swing by an order of magnitude.");
            return text.ToString();
        }

        // A difference of accuracies in percentage points, signed.
        private static string Points(double? difference) => difference is { } d ? $"{100 * d:+0.00;−0.00;0.00}" : "–";
    }
}
