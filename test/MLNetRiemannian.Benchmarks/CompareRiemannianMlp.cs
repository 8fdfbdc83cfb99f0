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
    /// <c>--set</c> settings chosen, the data read by <see cref="TrainingData"/> and scaled as the options say
    /// (<see cref="InputScalingFit"/>, the test rows too), the network of <see cref="CompareNetwork"/>, <see cref="RiemannianSgd"/> and
    /// the same <see cref="FitLoop"/>; every row trains, without validation or early stopping, unless <c>--set</c> asks
    /// for held-out rows (<c>ValidationSetFraction=null</c>: the trainer's default), which are then split, validated
    /// and stopped on as the trainer does (<see cref="HoldOut"/>, the options' patience). Built from these internal pieces so that
    /// the accuracy is measured in the fit loop's evaluation hook (<see cref="FitLoop.Settings.OnEvaluation"/>), which
    /// runs with the epoch's clock stopped; the benchmark's harness check compares it with the public trainer.
    /// </summary>
    internal sealed class CompareRiemannianMlp : ICompareEpochTrainer
    {
        private readonly RiemannianMlpMulticlassTrainer.Options _options;
        private readonly Generator _generator;
        private readonly TrainingData _data;
        private readonly Sequential _network;
        private readonly RiemannianSgd _optimizer;
        private readonly int _batchSize;
        private readonly InputScaling? _scaling;
        private readonly InputEncoding? _encoding;
        private readonly FeatureMatrix _features;
        private readonly FeatureMatrix _trainingRows;     // the training rows before any encoding (the read rows, or those the hold-out leaves)
        private readonly Tensor _labels;
        private readonly Tensor? _weights;
        private readonly (FeatureMatrix X, Tensor Y)? _validation;
        private readonly FeatureMatrix? _validationRows;  // the held-out rows before any encoding

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
            // The rows the trainer would hold out for validation (none unless --set asks, e.g. "ValidationSetFraction=null"
            // for the default's 20 % of a table of 1,000+ rows), split as it splits them: stratified, from the fit's generator.
            (_trainingRows, _labels, _weights) = (_data.Features, _data.Labels, _data.Weights);
            double fraction = Defaults.HeldOutFraction(_options, _data.Count, validationSetGiven: false);
            if (fraction > 0)
            {
                (_trainingRows, _labels, _weights, var held) = HoldOut.Split(_data, fraction, stratified: true, _generator);
                (_validationRows, _validation) = (held.X, held);
            }
            // The input scaling the trainer learns from its training rows and applies in place (to the held-out rows too).
            _scaling = (_options.InputScaling ?? Defaults.InputScaling) == InputScalingKind.Robust ? InputScalingFit.Fit(_trainingRows, _weights, seed) : null;
            if (_scaling is not null)
            {
                InputScalingFit.Apply(_scaling, _trainingRows);
                if (_validationRows is not null) InputScalingFit.Apply(_scaling, _validationRows);
            }
            // The input encoding the trainer would choose for these rows.
            _encoding = InputEncodingChoice.ForNewModel(_options, _trainingRows, _weights, _validationRows?.Rows ?? 0, seed, columns, null);
            _features = _encoding is null ? _trainingRows : InputEncodingFit.Apply(_encoding, _trainingRows);
            if (_encoding is not null && _validation is { } v) _validation = (InputEncodingFit.Apply(_encoding, v.X), v.Y);
            _network = CompareNetwork.Create(_options, _encoding?.Width ?? columns.FeatureCount, columns.ClassCount, _generator);
            var loss = RiemannianMlpNetwork.Loss(PredictionTask.MulticlassClassification, _options.LabelSmoothing);
            var metric = RiemannianMlpNetwork.Metric(_options, loss);
            var sizes = Defaults.Resolve(_options, new TableShape(_trainingRows.Rows, columns.FeatureCount, columns.FeatureCount, columns.ClassCount, _data.Count));
            _batchSize = sizes.BatchSize;
            _optimizer = RiemannianMlpNetwork.Optimizer(sizes.OptimizerPlan(_options, _trainingRows.Rows), _network, loss, metric, _generator);
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
            if (_scaling is not null) InputScalingFit.Apply(_scaling, features);
            return _encoding is null ? features : InputEncodingFit.Apply(_encoding, features);
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
            var atoms = _network.Atoms;
            int[] layerSizes = atoms.Select(a => (int)a.Weight.shape[0]).Prepend((int)atoms[0].Weight.shape[1]).ToArray();
            using var threads = TorchThreads.Enter(Defaults.Threads(_options, layerSizes), () => { });
            var parts = new Dictionary<string, double>();
            var partClock = Stopwatch.StartNew();
            if (PrintParts)
                _optimizer.Probe = part => { parts[part] = parts.GetValueOrDefault(part) + partClock.Elapsed.TotalMilliseconds; partClock.Restart(); };
            try
            {
                // With held-out rows, early stopping and the kept epoch as the trainer has them.
                return new FitLoop(_network, _optimizer, new TrainingMetric.Accuracy()).Run(_features, _labels, _weights, _validation,
                    new FitLoop.Settings(epochs, _batchSize, _options.Shuffle, _validation is null ? 0 : _options.EarlyStoppingPatience)
                    {
                        EvaluationsPerEpoch = measure is null ? 0 : measurementsPerEpoch,
                        // The parameters' average, as the trainer resolves it for these dense rows (measured: the average's accuracy).
                        AveragingDecay = Defaults.ParameterAveraging(_options, TrainingSizes.ColumnSparseEligible(_options, sparseInput: false, inputScale: false)),
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
            if (!ReferenceEquals(_features, _trainingRows)) _features.Dispose();
            if (_validation is { } v && !ReferenceEquals(v.X, _validationRows)) v.X.Dispose();
            if (_validationRows is not null)
            {
                _validationRows.Dispose();
                _trainingRows.Dispose();
                _labels.Dispose();
                _weights?.Dispose();
                _validation!.Value.Y.Dispose();
            }
            _data.Dispose();
            _generator.Dispose();
        }
    }
}
