using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Microsoft.ML;
using MLNetRiemannian.Data;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Interop;
using MLNetRiemannian.Model;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using MLNetRiemannian.Training;
using MLNetRiemannian.Trainers;
using static TorchSharp.torch;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// RiemannianMlp as its multiclass trainer runs it (RiemannianMlpTrainerBase.Train): the default
    /// <see cref="RiemannianMlpMulticlassTrainer.Options"/> with the output metric, the epochs, the seed and the
    /// <c>--set</c> settings chosen, the data read by <see cref="TrainingData"/> and prepared by the trainer's own
    /// <see cref="TrainingRows"/> (hold-out, input scaling and encoding; the test rows are scaled and encoded alike), the
    /// network of <see cref="CompareNetwork"/>, the trainer's <see cref="TrainingPlan"/>, <see cref="RiemannianSgd"/> and the
    /// same <see cref="FitLoop"/>; every row trains, without validation or early stopping, unless <c>--set</c> asks for
    /// held-out rows (<c>ValidationSetFraction=null</c>: the trainer's default), which are then validated and stopped on
    /// as the trainer does. Built from these internal pieces so that the accuracy is measured in the fit loop's evaluation
    /// hook (<see cref="FitLoop.Settings.OnEvaluation"/>), which runs with the epoch's clock stopped; the benchmark's
    /// harness check compares it with the public trainer.
    /// </summary>
    internal sealed class CompareRiemannianMlp : ICompareEpochTrainer
    {
        private readonly RiemannianMlpMulticlassTrainer.Options _options;
        private readonly Generator _generator;
        private readonly TrainingData _data;
        private readonly Sequential _network;
        private readonly RiemannianSgd _optimizer;
        private readonly int _batchSize;
        private readonly TrainingRows _rows;
        private readonly double _averaging;

        /// <summary>
        /// Reads <paramref name="train"/> and builds the network and optimizer, as Fit does before its first epoch, with
        /// <paramref name="epochs"/> as the options' NumberOfEpochs (what a schedule plans for) and
        /// <paramref name="settings"/> (<see cref="CompareOptionSettings"/>) set on the default options.
        /// </summary>
        public CompareRiemannianMlp(IDataView train, OutputMetricKind outputMetric, int seed, int epochs, IEnumerable<CompareOptionSetting> settings)
        {
            _options = Options(outputMetric, epochs, settings);
            _generator = new Generator((ulong)seed);
            _data = CompareData.ReadTensors(train);
            var columns = CompareData.Columns(train);
            // The rows as the trainer prepares them (TrainingRows, with its hold-out when --set asks for one, e.g.
            // "ValidationSetFraction=null" for the default's 20 % of a table of 1,000+ rows), then its network and plan. The
            // label tensors a hold-out makes are left to the garbage collector, as the trainer leaves them to its Fit's scope.
            _rows = TrainingRows.Prepare(_data, null, _options, PredictionTask.MulticlassClassification, columns, null, seed, _generator, null);
            _network = CompareNetwork.Create(_options, _rows.Encoding?.Width ?? columns.FeatureCount, columns.ClassCount, _generator);
            var loss = RiemannianMlpNetwork.Loss(PredictionTask.MulticlassClassification, _options.LabelSmoothing);
            var metric = RiemannianMlpNetwork.Metric(_options, loss);
            var plan = TrainingPlan.Resolve(_options, _rows, LayerSizes(_network), columns.FeatureCount, inputScale: false);
            _batchSize = plan.Sizes.BatchSize;
            _averaging = plan.AveragingDecay;
            _optimizer = RiemannianMlpNetwork.Optimizer(plan.Optimizer, _network, loss, metric, _generator);
        }

        /// <summary>The widths of <paramref name="network"/>'s dense layers, input first.</summary>
        private static int[] LayerSizes(Sequential network)
        {
            var atoms = network.Atoms;
            return atoms.Select(a => (int)a.Weight.shape[0]).Prepend((int)atoms[0].Weight.shape[1]).ToArray();
        }

        /// <inheritdoc/>
        public RiemannianModule Network => _network;

        /// <summary>
        /// When true, <see cref="Train"/> times every part of the fit loop's steps through the optimizer's probe (forward,
        /// each layer's gradient, mass and solve, the update, and the loop's own work between steps) and prints each part's
        /// milliseconds per step at the end (<c>compare --parts</c>). The parts' marks cost a few microseconds a step.
        /// </summary>
        public bool PrintParts { get; init; }

        /// <inheritdoc/>
        public FeatureMatrix PrepareInput(FeatureMatrix features)
        {
            if (_rows.Scaling is not null) InputScalingFit.Apply(_rows.Scaling, features);
            return _rows.Encoding is null ? features : InputEncodingFit.Apply(_rows.Encoding, features);
        }

        /// <summary>
        /// The default options with <paramref name="outputMetric"/>, NumberOfEpochs = <paramref name="epochs"/> and
        /// <paramref name="settings"/>: the options this harness trains with, and the public trainer in the harness check.
        /// </summary>
        public static RiemannianMlpMulticlassTrainer.Options Options(OutputMetricKind outputMetric, int epochs, IEnumerable<CompareOptionSetting> settings)
        {
            // Every training row trains, as in this harness (no hold-out, no early stopping), unless --set says otherwise.
            var options = new RiemannianMlpMulticlassTrainer.Options { OutputMetric = outputMetric, NumberOfEpochs = epochs, ValidationSetFraction = 0 };
            CompareOptionSettings.Apply(options, settings);
            return options;
        }

        /// <summary>
        /// Runs the fit loop for <paramref name="epochs"/> epochs and returns its per-epoch results (loss, training accuracy,
        /// seconds); <paramref name="measure"/> (if any) runs <paramref name="measurementsPerEpoch"/> times per epoch as
        /// <see cref="ICompareEpochTrainer.Train"/> says.
        /// </summary>
        public List<FitLoop.EpochResult> Train(int epochs, int measurementsPerEpoch, Action<double, double>? measure)
        {
            double before = 0; // the seconds of the epochs completed
            // On the thread count the trainer chooses for this network (Defaults.Threads), as Fit runs it.
            using var threads = TorchThreads.Enter(Defaults.Threads(_options, LayerSizes(_network)), () => { });
            var parts = new Dictionary<string, double>();
            var partClock = Stopwatch.StartNew();
            if (PrintParts)
                _optimizer.Probe = part => { parts[part] = parts.GetValueOrDefault(part) + partClock.Elapsed.TotalMilliseconds; partClock.Restart(); };
            try
            {
                // With held-out rows, early stopping and the kept epoch as the trainer has them.
                return new FitLoop(_network, _optimizer, new TrainingMetric.Accuracy()).Run(_rows.X, _rows.Y, _rows.W, _rows.Validation,
                    new FitLoop.Settings(epochs, _batchSize, _options.Shuffle, _options.EarlyStoppingPatience)
                    {
                        EvaluationsPerEpoch = measure is null ? 0 : measurementsPerEpoch,
                        // The parameters' average, as the trainer's plan resolves it (measured: the average's accuracy).
                        AveragingDecay = _averaging,
                        // The evaluation belongs to no part: the parts' clock restarts after it, as the epoch's clock does.
                        OnEvaluation = measure is null ? null : (done, seconds) => { measure(done, before + seconds); partClock.Restart(); },
                    },
                    _generator, e => before += e.Seconds, () => { }, Console.WriteLine);
            }
            finally
            {
                _optimizer.Probe = null;
                if (PrintParts && _optimizer.Steps > 0)
                {
                    // The first step's "between steps" also holds the loop's setup (the epoch's row order): a few milliseconds.
                    long steps = _optimizer.Steps;
                    Console.WriteLine($"  the fit loop's parts over {steps} steps, ms a step ({before * 1000 / steps:F3} ms a step of training in all):");
                    foreach (var (part, ms) in parts.OrderByDescending(p => p.Value)) Console.WriteLine($"    {part,-40} {ms / steps,8:F3}");
                }
            }
        }

        void ICompareEpochTrainer.Train(int epochs, int measurementsPerEpoch, Action<double, double> measure) => Train(epochs, measurementsPerEpoch, measure);

        /// <inheritdoc/>
        public void Dispose()
        {
            _optimizer.Dispose();
            _network.Dispose();
            _rows.Dispose();
            _data.Dispose();
            _generator.Dispose();
        }
    }
}
