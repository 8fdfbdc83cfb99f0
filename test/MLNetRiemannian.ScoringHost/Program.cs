using System;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using MLNetRiemannian.TestHost;

namespace MLNetRiemannian.ScoringHost
{
    /// <summary>
    /// Scores a RiemannianMlp model zip the way an application that installed only the MLNetRiemannian.Scoring package
    /// would (<c>MLContext.Model.Load</c>, <c>Transform</c>, a <c>PredictionEngine</c>), then shows that scoring needed
    /// neither TorchSharp nor libtorch.
    /// </summary>
    /// <remarks>
    /// Usage: <c>score &lt;model.zip&gt; &lt;digits|cancer|boston&gt; &lt;data-file&gt;</c>, the data file in its
    /// samples/data format. Prints <c>rows=</c>, <c>metric=</c> (multiclass micro-accuracy, binary accuracy, regression
    /// R²), then what <see cref="LoadedLibraries.Report"/> prints. Exit code 0 on success, 1 on any failure, 2 on bad
    /// usage, 3 when a TorchSharp assembly, the trainer assembly or a libtorch library is loaded.
    /// </remarks>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            if (args.Length != 4 || args[0] != "score" || !new[] { "digits", "cancer", "boston" }.Contains(args[2]))
            {
                Console.Error.WriteLine("usage: score <model.zip> <digits|cancer|boston> <data-file>");
                return 2;
            }
            try
            {
                double metric = Score(args[1], args[2], args[3]);
                Console.WriteLine($"metric={metric.ToString("R", CultureInfo.InvariantCulture)}");
                return LoadedLibraries.Report() ? 0 : 3;
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"MLNetRiemannian.ScoringHost failed to score '{args[1]}': {e}");
                return 1;
            }
        }

        private static double Score(string modelPath, string task, string dataPath)
        {
            var mlContext = new MLContext();
            var model = mlContext.Model.Load(modelPath, out _);
            return task switch
            {
                "digits" => Score<InputRows.Digit, Predictions.Digit>(mlContext, model, InputRows.Digits(mlContext, dataPath),
                    p => p.ToScoredRow(), scored => mlContext.MulticlassClassification.Evaluate(scored).MicroAccuracy),
                "cancer" => Score<InputRows.Tumor, Predictions.Tumor>(mlContext, model, InputRows.Tumors(mlContext, dataPath),
                    p => p.ToScoredRow(), scored => mlContext.BinaryClassification.Evaluate(scored).Accuracy),
                _ => Score<InputRows.House, Predictions.House>(mlContext, model, InputRows.Houses(mlContext, dataPath),
                    p => p.ToScoredRow(), scored => mlContext.Regression.Evaluate(scored).RSquared),
            };
        }

        /// <summary>
        /// Scores every row in a batch and one at a time (<see cref="ScoreReport.ScoreBothWays"/>), requires both paths
        /// to agree bit for bit, and evaluates the batch.
        /// </summary>
        private static double Score<TInput, TOutput>(MLContext mlContext, ITransformer model, IDataView data,
            Func<TOutput, ScoredRow> toScoredRow, Func<IDataView, double> metric)
            where TInput : class, new()
            where TOutput : class, new()
        {
            var (scored, batch, single, _) = ScoreReport.ScoreBothWays<TInput, TOutput>(mlContext, model, data, toScoredRow);
            for (int i = 0; i < batch.Count; i++)
                if (!SameBits(batch[i], single[i]))
                    throw new InvalidOperationException($"Row {i}: Transform scored {Describe(batch[i])} but the PredictionEngine {Describe(single[i])}.");
            Console.WriteLine($"rows={batch.Count}");
            return metric(scored);
        }

        private static bool SameBits(ScoredRow a, ScoredRow b) =>
            a.Score.Select(BitConverter.SingleToInt32Bits).SequenceEqual(b.Score.Select(BitConverter.SingleToInt32Bits))
            && BitConverter.SingleToInt32Bits(a.Probability ?? 0) == BitConverter.SingleToInt32Bits(b.Probability ?? 0)
            && a.Probability.HasValue == b.Probability.HasValue
            && a.PredictedLabel == b.PredictedLabel;

        private static string Describe(ScoredRow row) =>
            $"[{string.Join(", ", row.Score.Select(s => s.ToString("R", CultureInfo.InvariantCulture)))}] p={row.Probability} label={row.PredictedLabel}";
    }
}
