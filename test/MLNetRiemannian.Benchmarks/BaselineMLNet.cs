using System;
using System.Diagnostics;
using Microsoft.ML;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// ML.NET's own multiclass trainers with their default options, each fitted once on the featurized training rows:
    /// LbfgsMaximumEntropy, SdcaMaximumEntropy and LightGbm.
    /// </summary>
    internal static class BaselineMLNet
    {
        /// <summary>The trainers' names, as ML.NET's catalog names them.</summary>
        public static readonly string[] Trainers = { "LbfgsMaximumEntropy", "SdcaMaximumEntropy", "LightGbm" };

        /// <summary>Fits <paramref name="trainer"/>; returns the seconds of Fit alone and the micro-accuracy on the test rows.</summary>
        public static (double Seconds, double TestAccuracy) Fit(CompareData data, string trainer)
        {
            var catalog = data.MLContext.MulticlassClassification.Trainers;
            IEstimator<ITransformer> estimator = trainer switch
            {
                "LbfgsMaximumEntropy" => catalog.LbfgsMaximumEntropy(),
                "SdcaMaximumEntropy" => catalog.SdcaMaximumEntropy(),
                "LightGbm" => catalog.LightGbm(),
                _ => throw new ArgumentException($"Unknown ML.NET trainer '{trainer}'; expected one of {string.Join(", ", Trainers)}.", nameof(trainer)),
            };
            var clock = Stopwatch.StartNew();
            var model = estimator.Fit(data.Train);
            double seconds = clock.Elapsed.TotalSeconds;
            return (seconds, data.MLContext.MulticlassClassification.Evaluate(model.Transform(data.Test)).MicroAccuracy);
        }
    }
}
