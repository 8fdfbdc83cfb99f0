using System;
using System.Globalization;
using System.Linq;
using Microsoft.ML;

namespace MLNetRiemannian.TestHost
{
    /// <summary>
    /// Scores a saved RiemannianMlp model zip in a process that has never trained one, the way an application that
    /// installed the package would: <c>MLContext.Model.Load</c> with no <c>ComponentCatalog.RegisterAssembly</c> and no
    /// MLNetRiemannian type touched first, so ML.NET itself must find the model's loader from the zip.
    /// </summary>
    /// <remarks>
    /// Usage: <c>score &lt;model.zip&gt; &lt;digits|cancer|boston&gt; &lt;data-file&gt; &lt;output-file&gt;</c>, the data
    /// file in its samples/data format. Writes the scores of <c>Transform</c> and of a <c>PredictionEngine</c> for every
    /// row to the output file (see <see cref="ScoreReport.Write"/>) and prints <c>rows=</c>, <c>library=</c>,
    /// <c>metric=</c> (multiclass micro-accuracy, binary accuracy, regression R²) and, for digits, <c>top3=</c> of the
    /// first row. Exit code 0 on success, 1 on any failure, 2 on bad usage.
    /// </remarks>
    internal static class Program
    {
        private const string TrainerAssembly = "MLNetRiemannian";
        private const string LoaderAssembly = "MLNetRiemannian.Scoring"; // the assembly a saved model names as its loader

        private static int Main(string[] args)
        {
            if (args.Length != 5 || args[0] != "score" || !new[] { "digits", "cancer", "boston" }.Contains(args[2]))
            {
                Console.Error.WriteLine("usage: score <model.zip> <digits|cancer|boston> <data-file> <output-file>");
                return 2;
            }
            try
            {
                Score(args[1], args[2], args[3], args[4]);
                return 0;
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"MLNetRiemannian.TestHost failed to score '{args[1]}': {e}");
                return 1;
            }
        }

        private static void Score(string modelPath, string task, string dataPath, string outputPath)
        {
            // The point of the fresh process: nothing may have loaded the library before ML.NET's own model loader.
            if (AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name is TrainerAssembly or LoaderAssembly) is { } early)
                throw new InvalidOperationException($"{early.GetName().Name} was loaded before Model.Load; the round trip would not test a fresh app.");

            var mlContext = new MLContext();
            var model = mlContext.Model.Load(modelPath, out _);
            var library = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == LoaderAssembly);
            Console.WriteLine($"library={library?.Location ?? "(not loaded)"}");

            switch (task)
            {
                case "digits":
                    Run<InputRows.Digit, Predictions.Digit>(mlContext, model, InputRows.Digits(mlContext, dataPath), p => p.ToScoredRow(),
                        scored => mlContext.MulticlassClassification.Evaluate(scored).MicroAccuracy, outputPath, printTopThree: true);
                    break;
                case "cancer":
                    Run<InputRows.Tumor, Predictions.Tumor>(mlContext, model, InputRows.Tumors(mlContext, dataPath), p => p.ToScoredRow(),
                        scored => mlContext.BinaryClassification.Evaluate(scored).Accuracy, outputPath, printTopThree: false);
                    break;
                default:
                    Run<InputRows.House, Predictions.House>(mlContext, model, InputRows.Houses(mlContext, dataPath), p => p.ToScoredRow(),
                        scored => mlContext.Regression.Evaluate(scored).RSquared, outputPath, printTopThree: false);
                    break;
            }
        }

        private static void Run<TInput, TOutput>(MLContext mlContext, ITransformer model, IDataView data, Func<TOutput, ScoredRow> toScoredRow,
            Func<IDataView, double> metric, string outputPath, bool printTopThree)
            where TInput : class, new()
            where TOutput : class, new()
        {
            var (scored, batch, single, engine) = ScoreReport.ScoreBothWays<TInput, TOutput>(mlContext, model, data, toScoredRow);
            ScoreReport.Write(outputPath, batch, single);
            Console.WriteLine($"rows={batch.Count}");
            Console.WriteLine($"metric={metric(scored).ToString("R", CultureInfo.InvariantCulture)}");
            if (printTopThree)
                Console.WriteLine($"top3={string.Join(',', ScoreReport.TopThree(engine.OutputSchema, single[0].Score))}");
        }
    }
}
