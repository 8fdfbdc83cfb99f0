using System;
using System.Collections.Generic;
using Microsoft.ML;
using MLNetRiemannian.Data;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;
using MLNetRiemannian.Optimization;
using MLNetRiemannian.Trainers;
using static TorchSharp.torch;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// RiemannianMlp as its multiclass trainer runs it (RiemannianMlpTrainerBase.Train): the default
    /// <see cref="RiemannianMlpMulticlassTrainer.Options"/> with only the output metric and the seed chosen, the data
    /// read by <see cref="TrainingData"/>, the network of <see cref="CompareNetwork"/>, <see cref="RiemannianSgd"/> and
    /// the same <see cref="FitLoop"/>, without validation or early stopping. Built from these internal pieces so that
    /// the test accuracy is measured in the fit loop's per-epoch callback, which runs after the epoch's clock has
    /// stopped; the benchmark's harness check compares it with the public trainer.
    /// </summary>
    internal sealed class CompareRiemannianMlp : ICompareEpochTrainer
    {
        private readonly RiemannianMlpMulticlassTrainer.Options _options;
        private readonly Generator _generator;
        private readonly TrainingData _data;
        private readonly Sequential _network;
        private readonly RiemannianSgd _optimizer;
        private readonly int _batchSize;
        private int _epochs;

        /// <summary>Reads <paramref name="train"/> and builds the network and optimizer, as Fit does before its first epoch.</summary>
        public CompareRiemannianMlp(IDataView train, OutputMetricKind outputMetric, int seed)
        {
            _options = new RiemannianMlpMulticlassTrainer.Options { OutputMetric = outputMetric };
            _generator = new Generator((ulong)seed);
            _data = CompareData.ReadTensors(train);
            var columns = CompareData.Columns(train);
            _network = CompareNetwork.Create(_options, columns.FeatureCount, columns.ClassCount, _generator);
            var loss = RiemannianMlpNetwork.Loss(PredictionTask.MulticlassClassification);
            var metric = RiemannianMlpNetwork.Metric(_options, loss);
            var sizes = Defaults.Resolve(_options, new TableShape(_data.Count, columns.FeatureCount, columns.FeatureCount, columns.ClassCount));
            _batchSize = sizes.BatchSize;
            _epochs = sizes.Epochs;
            _optimizer = RiemannianMlpNetwork.Optimizer(_options, _network, loss, metric, sizes, _data.Count, _generator);
        }

        /// <inheritdoc/>
        public RiemannianModule Network => _network;

        /// <summary>Runs the fit loop for <paramref name="epochs"/> epochs and returns its per-epoch results (loss, training accuracy, seconds).</summary>
        public List<FitLoop.EpochResult> Train(int epochs, Action<FitLoop.EpochResult> afterEpoch)
        {
            // The schedule spans the epochs asked for, as NumberOfEpochs = epochs would make it.
            if (epochs != _epochs) _optimizer.PlannedSteps = _optimizer.PlannedSteps / _epochs * epochs;
            _epochs = epochs;
            return new FitLoop(_network, _optimizer, new TrainingMetric.Accuracy()).Run(_data.Features, _data.Labels, _data.Weights, null,
                new FitLoop.Settings(epochs, _batchSize, _options.Shuffle, EarlyStoppingPatience: 0), _generator,
                afterEpoch, () => { }, Console.WriteLine);
        }

        void ICompareEpochTrainer.Train(int epochs, Action<int, double> afterEpoch) => Train(epochs, e => afterEpoch(e.Epoch, e.Seconds));

        /// <inheritdoc/>
        public void Dispose()
        {
            _optimizer.Dispose();
            _network.Dispose();
            _data.Dispose();
            _generator.Dispose();
        }
    }
}
