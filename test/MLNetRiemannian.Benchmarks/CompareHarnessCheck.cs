using System;
using System.Collections.Generic;
using Microsoft.ML;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// Guards <see cref="CompareRiemannianMlp"/> against drifting from the product: one epoch on the digits from the
    /// same seed, once through the public trainer (<c>RiemannianMlp(options).Fit</c>, default options with the run's
    /// <c>--set</c> settings) and once through the harness, for each output metric; the epoch's training loss and
    /// accuracy must be equal.
    /// </summary>
    internal static class CompareHarnessCheck
    {
        /// <summary>Runs the check in this process and prints its outcome.</summary>
        public static IReadOnlyList<HarnessCheck> Run(int seed, IReadOnlyList<CompareOptionSetting> settings)
        {
            var data = CompareData.Load(ScoringData.Digits, "", seed, CompareData.EvaluateTest);
            var checks = new List<HarnessCheck>();
            foreach (var (name, metric) in new[] { ("RiemannianMlp-Identity", OutputMetricKind.Identity), ("RiemannianMlp-GaussNewton", OutputMetricKind.GaussNewton) })
            {
                var options = CompareRiemannianMlp.Options(metric, 1, settings);
                options.Seed = seed;
                var trainer = data.MLContext.MulticlassClassification.Trainers.RiemannianMlp(options).Fit(data.Train).Model.History[0];
                using var harness = new CompareRiemannianMlp(data.Train, metric, seed, 1, settings);
                var epoch = harness.Train(1, 0, null)[0];
                var check = new HarnessCheck(name, seed, trainer.TrainingLoss, epoch.Loss, trainer.TrainingMetric, epoch.TrainingMetric);
                Console.WriteLine($"harness check, {name}, digits, seed {seed}, 1 epoch: training loss {check.TrainerLoss:R} (trainer) vs {check.HarnessLoss:R} (harness), " +
                                  $"training accuracy {check.TrainerTrainingAccuracy:R} vs {check.HarnessTrainingAccuracy:R}: {(check.Agrees ? "equal" : "DIFFERENT")}");
                checks.Add(check);
            }
            return checks;
        }
    }
}
