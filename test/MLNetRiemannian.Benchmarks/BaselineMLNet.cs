using System;
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Trainers;

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

        /// <summary>
        /// Fits <paramref name="trainer"/>; returns the seconds of the fit and the micro-accuracy on the test rows. A trainer
        /// that asks for cached data (<see cref="TrainerInfo.WantCaching"/>: the two that pass over the rows many times)
        /// gets it, as an AppendCacheCheckpoint would give it, and filling the cache is part of its fit.
        /// </summary>
        public static (double Seconds, double TestAccuracy) Fit(CompareData data, string trainer)
        {
            var catalog = data.MLContext.MulticlassClassification.Trainers;
            ITrainerEstimator<ISingleFeaturePredictionTransformer<object>, object> estimator = trainer switch
            {
                "LbfgsMaximumEntropy" => catalog.LbfgsMaximumEntropy(),
                "SdcaMaximumEntropy" => catalog.SdcaMaximumEntropy(),
                "LightGbm" => catalog.LightGbm(),
                _ => throw new ArgumentException($"Unknown ML.NET trainer '{trainer}'; expected one of {string.Join(", ", Trainers)}.", nameof(trainer)),
            };
            var clock = Stopwatch.StartNew();
            var model = estimator.Fit(estimator.Info.WantCaching ? data.MLContext.Data.Cache(data.Train) : data.Train);
            double seconds = clock.Elapsed.TotalSeconds;
            return (seconds, data.MLContext.MulticlassClassification.Evaluate(model.Transform(data.Test)).MicroAccuracy);
        }
    }
}
