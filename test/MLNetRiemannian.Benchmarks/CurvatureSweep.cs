using System;
using System.Diagnostics;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Transforms;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// <c>curvature-sweep --configs "batch,curvature,lr,epochs[,mass[,momentum]];…" [--data-dir DIR]</c>: trains 784-256-10 on
    /// Fashion-MNIST once per configuration (curvature 0 = the whole batch enters the metric) and prints the test
    /// accuracy and seconds of every epoch, to choose batch size, curvature batch size and learning rate.
    /// </summary>
    internal static class CurvatureSweep
    {
        public static int Run(string[] args)
        {
            string configs = StepTiming.Option(args, "--configs", "64,0,0.2,2;256,32,0.2,2");
            string directory = StepTiming.Option(args, "--data-dir", "/usr/share/datasets/fashion-mnist");
            ScoringData.CheckFashionMnist(directory);
            var ml = new MLContext(1);
            var (train, test) = ScoringData.LoadForTraining(ml, "fashion-mnist", directory);
            var featurize = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
                .Append(ml.Transforms.Concatenate("Features", "Pixels")).Append(ml.Transforms.NormalizeMinMax("Features")).Fit(train);
            var trainSet = ml.Data.Cache(featurize.Transform(train));
            var testSet = featurize.Transform(test);
            foreach (var config in configs.Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                var p = config.Split(',');
                var options = new RiemannianMlpMulticlassTrainer.Options
                {
                    BatchSize = int.Parse(p[0]), CurvatureBatchSize = int.Parse(p[1]), LearningRate = double.Parse(p[2]),
                    NumberOfEpochs = int.Parse(p[3]), ValidationSet = testSet, EarlyStoppingPatience = 0,
                };
                if (p.Length > 4) options.Mass = double.Parse(p[4]);
                if (p.Length > 5) options.Momentum = double.Parse(p[5]);
                var clock = Stopwatch.StartNew();
                var history = ml.MulticlassClassification.Trainers.RiemannianMlp(options).Fit(trainSet).Model.History;
                Console.WriteLine($"batch {p[0]}, curvature {p[1]}, η {p[2]}, μ {options.Mass}, β {options.Momentum}: " +
                    string.Join(" ", history.Select(e => $"[{e.Epoch}: {e.ValidationMetric:F4} {e.Seconds:F1}s]")) + $" total {clock.Elapsed.TotalSeconds:F1}s");
            }
            return 0;
        }
    }
}
