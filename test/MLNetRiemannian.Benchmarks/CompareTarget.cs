using System.Collections.Generic;
using System.Linq;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// One target of the speed issue (issue 12) for one RiemannianMlp trainer, judged on the medians of
    /// <see cref="CompareSummary"/>: what was asked, what was measured, and the verdict ("pass", "pass (stretch)",
    /// "FAIL", or "not judged" when neither trainer reached a level or Adam did not run).
    /// </summary>
    internal sealed record CompareTarget(string Trainer, string Target, string Measured, string Verdict)
    {
        /// <summary>Time to each level at most this share of Adam's.</summary>
        public const double RatioTarget = 0.7;

        /// <summary>The stretch goal for the same ratio.</summary>
        public const double RatioStretch = 0.5;

        /// <summary>Accuracy after epoch 1 at least Adam's plus this.</summary>
        public const double FirstEpochLead = 0.025;

        /// <summary>The targets of every RiemannianMlp trainer in <paramref name="summaries"/>.</summary>
        public static List<CompareTarget> Judge(IReadOnlyList<CompareSummary> summaries, double budgetSeconds)
        {
            var targets = new List<CompareTarget>();
            var adam = summaries.SingleOrDefault(s => s.Trainer == CompareSummary.Reference);
            foreach (var ours in summaries.Where(s => s.Trainer.StartsWith("RiemannianMlp", System.StringComparison.Ordinal)))
            {
                for (int i = 0; i < ours.TimeToLevel.Count; i++)
                {
                    var level = ours.TimeToLevel[i];
                    double? reference = adam?.TimeToLevel[i].Seconds;
                    string measured = $"{Seconds(level.Seconds)} against Adam's {(adam is null ? "(not run)" : Seconds(reference))}" +
                                      (level.RatioToAdam is { } r ? $": {r:F2}×" : "");
                    // A level Adam reaches and RiemannianMlp does not fails; one only RiemannianMlp reaches passes.
                    string verdict = adam is null ? "not judged"
                        : level.Seconds is null ? (reference is null ? "not judged (neither reaches it)" : "FAIL")
                        : reference is null ? "pass"
                        : level.RatioToAdam <= RatioStretch ? "pass (stretch)"
                        : level.RatioToAdam <= RatioTarget ? "pass" : "FAIL";
                    targets.Add(new CompareTarget(ours.Trainer, $"time to {level.Level:P1} ≤ {RatioTarget}× Adam's (stretch {RatioStretch}×)", measured, verdict));
                }
                targets.Add(new CompareTarget(ours.Trainer, $"accuracy after epoch 1 ≥ Adam's + {100 * FirstEpochLead:F1} points",
                    $"{Accuracy(ours.AccuracyAfterFirstEpoch)} against {Accuracy(adam?.AccuracyAfterFirstEpoch)}" +
                    (ours.FirstEpochDifferenceToAdam is { } d ? $": {100 * d:+0.00;−0.00} points" : ""),
                    ours.FirstEpochDifferenceToAdam is { } lead ? (lead >= FirstEpochLead - 1e-12 ? "pass" : "FAIL") : "not judged"));
                targets.Add(new CompareTarget(ours.Trainer, $"best accuracy within {budgetSeconds:F0} s ≥ Adam's",
                    $"{Accuracy(ours.BestWithinBudget)} against {Accuracy(adam?.BestWithinBudget)}",
                    ours.BestWithinBudgetDifferenceToAdam is { } gap ? (gap >= 0 ? "pass" : "FAIL")
                    : adam?.BestWithinBudget is not null ? "FAIL" : "not judged"));
            }
            return targets;
        }

        /// <summary>Seconds for the report: "never" for null.</summary>
        public static string Seconds(double? seconds) => seconds is { } s ? $"{s:F2} s" : "never";

        private static string Accuracy(double? accuracy) => accuracy is { } a ? $"{a:F4}" : "–";
    }
}
