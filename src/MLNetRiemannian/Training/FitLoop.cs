using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using static TorchSharp.torch;

namespace MLNetRiemannian.Training
{
    /// <summary>
    /// Epochs of shuffled mini-batch steps over cached tensors, with a per-epoch summary, optional validation and
    /// early stopping (the best parameters are kept and restored).
    /// </summary>
    /// <remarks>
    /// Recovery rule for numerical trouble: the parameters are snapshotted every <see cref="SnapshotInterval"/>
    /// steps. When a step is refused as non-finite (<see cref="NonFiniteStepException"/>), the last snapshot is
    /// restored, the momentum forgotten, the learning rate halved for the rest of training, and the same batch
    /// retried; after <see cref="MaximumRetries"/> consecutive refusals training stops with an exception naming the
    /// epoch, the step and the quantity.
    /// With validation the parameters at the end of the best epoch so far are kept whether or not early stopping is on:
    /// early stopping, and a stop through <see cref="Settings.Stop"/>, return them. A stop is looked at before every step,
    /// so it ends training within one step; the epoch it interrupts is not reported.
    /// With parameter averaging (<see cref="Settings.AveragingDecay"/> &gt; 0) the steps move the parameters θ as always,
    /// and after each step the average <c>θ̄ ← β_t θ̄ + (1 − β_t) θ</c> follows them (<see cref="AveragingDecayAt"/>);
    /// θ̄ is what the evaluations, the validation and the best-epoch snapshot see, and what the run returns
    /// (docs/method.md section 11.6).
    /// </remarks>
    internal sealed class FitLoop
    {
        private const long EvaluationChunk = 8192;
        internal const int SnapshotInterval = 50;
        internal const int MaximumRetries = 5;
        private readonly RiemannianModule _network;
        private readonly RiemannianSgd _optimizer;
        private readonly TrainingMetric _metric;

        public FitLoop(RiemannianModule network, RiemannianSgd optimizer, TrainingMetric metric)
        {
            _network = network;
            _optimizer = optimizer;
            _metric = metric;
        }

        /// <summary>
        /// One epoch's numbers. The training metric is accumulated over the epoch's batches, each scored just before its
        /// step; the loss is the mean of the batch losses weighted by the batches' example-weight sums.
        /// </summary>
        public readonly record struct EpochResult(int Epoch, double Loss, double TrainingMetric, double? ValidationMetric, double Seconds, double StepsPerSecond,
            NumericalEvents Events, Model.EpochDiagnostics? Diagnostics)
        {
            /// <summary>Steps of the epoch skipped because their example weights summed to 0 (see <see cref="RiemannianSgd.ZeroWeightBatches"/>).</summary>
            public int ZeroWeightBatches { get; init; }
        }

        public sealed record Settings(int Epochs, int BatchSize, bool Shuffle, int EarlyStoppingPatience)
        {
            /// <summary>When cancelled, training ends before the next step and keeps the best validation epoch's parameters (if validating).</summary>
            public CancellationToken Stop { get; init; }

            /// <summary>What the exception says to do when a step stays non-finite: the trainer names the column its statistics point at.</summary>
            public string NonFiniteAdvice { get; init; } = "Check the features and the label for extreme values or lower the learning rate.";

            /// <summary>When set, a checkpoint is written here atomically every <see cref="CheckpointEveryEpochs"/> epochs.</summary>
            public string? CheckpointPath { get; init; }

            /// <summary>Epochs between checkpoints (&gt; 0).</summary>
            public int CheckpointEveryEpochs { get; init; } = 1;

            /// <summary>The data shape and options a checkpoint records; a resume with others is refused.</summary>
            public IReadOnlyList<(string Name, string Value)> Fingerprint { get; init; } = Array.Empty<(string, string)>();

            /// <summary>A checkpoint to continue from (already checked against <see cref="Fingerprint"/>); the caller disposes it.</summary>
            public Checkpoint? Resume { get; init; }

            /// <summary>
            /// Calls of <see cref="OnEvaluation"/> per epoch (0, the default, for none): call q of n comes after the
            /// epoch's step ⌈q·steps/n⌉, so that a measurement sits at the same fraction of an epoch whatever the batch.
            /// </summary>
            public int EvaluationsPerEpoch { get; init; }

            /// <summary>
            /// Called as <see cref="EvaluationsPerEpoch"/> says with the epochs done so far (1.25: a quarter into the
            /// second) and the seconds of this epoch's training so far. The epoch's clock is stopped during the call,
            /// so a measurement made here (a test-set accuracy) counts in no <see cref="EpochResult.Seconds"/>.
            /// </summary>
            public Action<double, double>? OnEvaluation { get; init; }

            /// <summary>
            /// β of the parameters' exponential moving average (0, the default, for none; below 1): the network is
            /// evaluated, validated and returned with the average θ̄ in place of the last step's θ (see the remarks).
            /// </summary>
            public double AveragingDecay { get; init; }
        }

        /// <summary>
        /// The decay of the average after <paramref name="steps"/> steps of the optimizer (counting the one just taken;
        /// skipped batches do not count):
        /// <c>min(β, (1 + t)/(10 + t))</c>, the rule of TensorFlow's <c>ExponentialMovingAverage</c> with <c>num_updates</c>,
        /// so that the average forgets the initial parameters within the first steps (β_1 = 2/11) and reaches β after
        /// <c>(10β − 1)/(1 − β)</c> steps (890 at β = 0.99).
        /// </summary>
        public static double AveragingDecayAt(double decay, long steps) => Math.Min(decay, (1.0 + steps) / (10.0 + steps));

        /// <summary>The optimizer's diagnostics of an epoch as the model's history records them, or null when none were recorded.</summary>
        private static EpochDiagnostics? ModelDiagnostics(DiagnosticTotals? totals) => totals is null ? null
            : new EpochDiagnostics(totals.Action, totals.LossDecrease, totals.Layers.Select(l =>
                new LayerDiagnostics(l.GradientDualNormSquared, l.SolverResidual, l.StepLength, l.Action, l.InnerSystemCondition)).ToArray());

        /// <summary>How the last <see cref="Run"/> ended and which epoch's parameters the network holds.</summary>
        public TrainingOutcome? Outcome { get; private set; }

        /// <summary>Trains; returns one result per epoch completed. <paramref name="checkAlive"/> runs before every step (cancellation).</summary>
        public List<EpochResult> Run(FeatureMatrix x, Tensor y, Tensor? weights, (FeatureMatrix X, Tensor Y)? validation, Settings settings,
            Generator generator, Action<EpochResult> onEpoch, Action checkAlive, Action<string> log)
        {
            Outcome = null;
            long rows = x.Rows;
            var reason = TrainingStopReason.Completed;
            int lastEpoch = 0, lastStep = 0;
            var state = new TrainingState();
            try
            {
                if (settings.Resume is { } resume)
                {
                    // Everything the next step depends on, as the uninterrupted run held it at the end of that epoch. The
                    // checkpoint's parameters and optimizer state go as soon as they are copied, and its loop state (with
                    // the last-good and best parameters) is taken as it is, so a resume holds the model no more often than
                    // the run it continues.
                    Restore(resume.Parameters);
                    _optimizer.ImportState(resume.Optimizer);
                    resume.ReleaseParametersAndOptimizer();
                    state.Dispose();
                    state = resume.TakeState();
                    using (var generatorState = tensor(resume.GeneratorState, ScalarType.Byte)) generator.set_state(generatorState);
                    lastEpoch = state.Epoch;
                    if (state.EarlyStopped) reason = TrainingStopReason.EarlyStopping;
                }
                if (state.LastGood.Count == 0) Snapshot(state.LastGood);
                bool averaging = settings.AveragingDecay > 0;
                // The average starts at the parameters training starts from (a resume brings its own).
                if (averaging && state.Averaged.Count == 0) Snapshot(state.Averaged);
                int firstEpoch = state.Epoch + 1;
                var history = state.History;
                for (int epoch = firstEpoch; epoch <= settings.Epochs && reason == TrainingStopReason.Completed; epoch++)
                {
                    lastEpoch = epoch;
                    var clock = Stopwatch.StartNew();
                    var eventsBefore = _optimizer.Events.Snapshot();
                    int zeroWeightBefore = _optimizer.ZeroWeightBatches;
                    double lossSum = 0, weightSum = 0, metricSum = 0;
                    int steps = 0, evaluations = 0;
                    long stepsPerEpoch = (rows + settings.BatchSize - 1) / settings.BatchSize;
                    // Each epoch draws its own curvature samples, so a resumed run (which keeps none) steps exactly as this one.
                    _optimizer.ForgetCurvature();
                    using (var epochScope = NewDisposeScope())
                    {
                        var order = settings.Shuffle ? randperm(rows, generator: generator) : arange(rows);
                        for (long start = 0; start < rows; start += settings.BatchSize, steps++)
                        {
                            checkAlive();
                            if (settings.Stop.IsCancellationRequested)
                            {
                                reason = TrainingStopReason.StopRequested;
                                break;
                            }
                            using var stepScope = NewDisposeScope();
                            var index = order.narrow(0, start, Math.Min(settings.BatchSize, rows - start));
                            var batchY = y.index_select(0, index);
                            var batchWeights = weights?.index_select(0, index);
                            long taken = _optimizer.Steps;
                            var (loss, output) = StepWithRecovery(x.Gather(index), batchY, batchWeights, epoch, steps + 1, settings, state.LastGood, log);
                            if (++state.TotalSteps % SnapshotInterval == 0) Snapshot(state.LastGood);
                            // A batch the optimizer skipped (its example weights sum to 0) changes nothing, the average included;
                            // t is the optimizer's step counter, which a checkpoint restores.
                            if (averaging && _optimizer.Steps > taken) Average(state.Averaged, AveragingDecayAt(settings.AveragingDecay, _optimizer.Steps));
                            double batchWeight = batchWeights?.sum().to_type(ScalarType.Float64).item<double>() ?? index.shape[0];
                            lossSum += loss.to_type(ScalarType.Float64).item<double>() * batchWeight;
                            weightSum += batchWeight;
                            metricSum += _metric.BatchSum(output, batchY).item<double>();
                            int perEpoch = settings.EvaluationsPerEpoch;
                            // ⌈q·steps/n⌉ is reached for several q at once when an epoch has fewer steps than measurements.
                            while (settings.OnEvaluation is { } evaluate && evaluations < perEpoch && steps + 1 >= ((evaluations + 1) * stepsPerEpoch + perEpoch - 1) / perEpoch)
                            {
                                clock.Stop();
                                _optimizer.BringUpToDate();
                                using (WithAverage(averaging ? state.Averaged : null))
                                    evaluate(epoch - 1 + (double)++evaluations / perEpoch, clock.Elapsed.TotalSeconds);
                                clock.Start();
                            }
                        }
                    }
                    lastStep = steps;
                    _optimizer.BringUpToDate();
                    if (reason == TrainingStopReason.StopRequested) break;
                    // The epoch is validated and (as the best so far) kept with the average in place of θ, which is put back
                    // whatever happens (a callback that throws included). Without validation nothing reads the network here.
                    using (WithAverage(averaging && validation is not null ? state.Averaged : null))
                    {
                        var (validationMetric, validationLoss) = validation is { } v ? EvaluateWithLoss(v.X, v.Y) : ((double?)null, double.NaN);
                        double seconds = clock.Elapsed.TotalSeconds;
                        var result = new EpochResult(epoch, lossSum / weightSum, _metric.Finish(metricSum, rows * Outputs(y)), validationMetric, seconds, steps / seconds,
                            _optimizer.Events.Since(eventsBefore), ModelDiagnostics(_optimizer.Diagnostics?.Finish()))
                        {
                            ZeroWeightBatches = _optimizer.ZeroWeightBatches - zeroWeightBefore,
                        };
                        history.Add(result);
                        state.Epoch = epoch;
                        onEpoch(result);

                        if (validationMetric is { } current)
                        {
                            // A tie on the metric (accuracy is coarse: on a table of 15 % positives every early epoch may score
                            // the majority rate) is broken by the validation loss.
                            if (double.IsNaN(state.Best) || _metric.IsBetter(current, state.Best)
                                || (current == state.Best && (double.IsNaN(state.BestLoss) || validationLoss < state.BestLoss)))
                            {
                                state.Best = current;
                                state.BestLoss = validationLoss;
                                state.BestEpoch = epoch;
                                state.SinceBest = 0;
                                Snapshot(state.BestParameters);
                            }
                            else if (settings.EarlyStoppingPatience > 0 && ++state.SinceBest >= settings.EarlyStoppingPatience)
                            {
                                reason = TrainingStopReason.EarlyStopping;
                                state.EarlyStopped = true;
                            }
                        }
                    }
                    if (settings.CheckpointPath is { } path && epoch % settings.CheckpointEveryEpochs == 0)
                        SaveCheckpoint(path, settings, generator, state);
                }
                // Without early stopping a run to the end keeps its last epoch, as it always did.
                bool keepBest = state.BestParameters.Count > 0 && (settings.EarlyStoppingPatience > 0 || reason == TrainingStopReason.StopRequested);
                if (keepBest) Restore(state.BestParameters);
                else if (averaging) Restore(state.Averaged);
                // A stop before an epoch's first step holds the previous epoch's end (or the initial parameters).
                int? kept = keepBest ? state.BestEpoch
                    : reason != TrainingStopReason.StopRequested ? lastEpoch
                    : lastStep == 0 && lastEpoch > 1 ? lastEpoch - 1 : null;
                Outcome = new TrainingOutcome(reason, Math.Max(lastEpoch, 1), lastStep, kept is > 0 ? kept : null);
                return history;
            }
            finally
            {
                state.Dispose();
                foreach (var t in _stepParameters) t.Dispose();
                _stepParameters.Clear();
            }
        }

        private (Tensor Loss, Tensor Output) StepWithRecovery(InputBatch x, Tensor y, Tensor? weights, int epoch, int step, Settings settings, List<Tensor> lastGood, Action<string> log)
        {
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    return _optimizer.StepCore(x, y, weights);
                }
                catch (NonFiniteStepException e)
                {
                    if (attempt == MaximumRetries)
                        throw new ArithmeticException(
                            $"Training stopped in epoch {epoch}, step {step}: the {e.Quantity} stayed non-finite after {MaximumRetries} retries " +
                            $"(each restored the last good parameters and halved the learning rate, now {_optimizer.LearningRate:G3}). " +
                            settings.NonFiniteAdvice, e);
                    Restore(lastGood);
                    _optimizer.ResetMomentum();
                    _optimizer.HalveLearningRate();
                    log($"Epoch {epoch}, step {step}: the {e.Quantity} became non-finite; restored the parameters of at most " +
                        $"{SnapshotInterval} steps ago and halved the learning rate to {_optimizer.LearningRate:G3}.");
                }
            }
        }

        /// <summary>The metric of the current network over a whole data set, in chunks to bound memory.</summary>
        public double Evaluate(FeatureMatrix x, Tensor y) => EvaluateWithLoss(x, y).Metric;

        /// <summary>The metric and the mean loss of the current network over a whole data set, in chunks to bound memory.</summary>
        private (double Metric, double Loss) EvaluateWithLoss(FeatureMatrix x, Tensor y)
        {
            using var noGrad = no_grad();
            double sum = 0, loss = 0;
            for (long start = 0; start < x.Rows; start += EvaluationChunk)
            {
                using var scope = NewDisposeScope();
                long n = Math.Min(EvaluationChunk, x.Rows - start);
                var (output, target) = (_network.Forward(x.Slice(start, n)), y.narrow(0, start, n));
                sum += _metric.BatchSum(output, target).item<double>();
                loss += _optimizer.Loss.Value(output, target).sum().to_type(ScalarType.Float64).item<double>();
            }
            return (_metric.Finish(sum, x.Rows * Outputs(y)), loss / x.Rows);
        }

        // RMSE averages over every output coordinate; accuracy over rows.
        private long Outputs(Tensor y) => _metric is TrainingMetric.RootMeanSquaredError && y.dim() == 2 ? y.shape[1] : 1;

        /// <summary>
        /// <c>θ̄ ← β θ̄ + (1 − β) θ</c> for every parameter, in place (θ̄ + (1 − β)(θ − θ̄), one managed pass each where the
        /// tensors allow it, else torch's <c>lerp_</c>).
        /// </summary>
        private void Average(List<Tensor> averaged, double beta)
        {
            _optimizer.BringUpToDate();
            using var noGrad = no_grad();
            var parameters = Parameters();
            for (int i = 0; i < parameters.Count; i++)
            {
                if (FusedPasses.Applies(averaged[i], parameters[i])) FusedPasses.MoveToward(averaged[i], parameters[i], 1 - beta);
                else averaged[i].lerp_(parameters[i], 1 - beta);
            }
        }

        private readonly List<Tensor> _stepParameters = new();

        /// <summary>
        /// Puts <paramref name="averaged"/> into the network until the returned scope is disposed, which puts the last
        /// step's parameters back (kept meanwhile in a copy made once per fit); nothing when it is null.
        /// </summary>
        private AverageScope WithAverage(List<Tensor>? averaged)
        {
            if (averaged is null) return default;
            Snapshot(_stepParameters);
            Restore(averaged);
            return new AverageScope(this);
        }

        private readonly struct AverageScope : IDisposable
        {
            private readonly FitLoop? _loop;
            public AverageScope(FitLoop loop) => _loop = loop;
            public void Dispose() => _loop?.Restore(_loop._stepParameters);
        }

        /// <summary>Copies the parameters into <paramref name="saved"/>, reusing its tensors when they fit (no new memory per snapshot).</summary>
        private void Snapshot(List<Tensor> saved)
        {
            _optimizer.BringUpToDate();
            var parameters = Parameters();
            if (saved.Count == parameters.Count && saved.Zip(parameters).All(p => p.First.dtype == p.Second.dtype && p.First.shape.SequenceEqual(p.Second.shape)))
            {
                using var noGrad = no_grad();
                using var scope = NewDisposeScope();
                for (int i = 0; i < parameters.Count; i++)
                {
                    // A column-sparse layer's untouched columns still hold their initial values, in the copy as in the layer.
                    if (i % 2 == 0 && i < 2 * _network.Atoms.Count && _optimizer.ChangedColumns(_network.Atoms[i / 2]) is { } changed)
                        saved[i].index_copy_(1, changed, parameters[i].index_select(1, changed));
                    else saved[i].copy_(parameters[i]);
                }
                return;
            }
            foreach (var t in saved) t.Dispose();
            saved.Clear();
            saved.AddRange(parameters.Select(p => p.clone().DetachFromDisposeScope()));
        }

        /// <summary>
        /// Writes the checkpoint from the live parameters, loop state and optimizer state, streamed (no copy of them: the
        /// memory beside the model while writing stays one chunk, whatever the model's size).
        /// </summary>
        private void SaveCheckpoint(string path, Settings settings, Generator generator, TrainingState state)
        {
            _optimizer.BringUpToDate();
            using var generatorState = generator.get_state();
            // Not disposed: every tensor it names belongs to the network, the loop or the optimizer.
            var checkpoint = new Checkpoint
            {
                Fingerprint = settings.Fingerprint, Parameters = Parameters(), State = state,
                Optimizer = _optimizer.CurrentState(), GeneratorState = generatorState.data<byte>().ToArray(),
            };
            checkpoint.Save(path);
        }

        /// <summary>
        /// The network's parameters in the order snapshots and checkpoints hold them: weight and bias of each dense layer,
        /// then the scale s of each diagonal module (the input scale).
        /// </summary>
        private List<Tensor> Parameters() =>
            _network.Atoms.SelectMany(a => new[] { a.Weight, a.Bias }).Concat(_network.Diagonals.Select(d => d.Scale)).ToList();

        private void Restore(List<Tensor> saved)
        {
            using var noGrad = no_grad();
            var parameters = Parameters();
            if (saved.Count != parameters.Count)
                throw new System.IO.InvalidDataException($"The saved parameters are {saved.Count} tensors; the network has {parameters.Count} (dense layers' weights and biases, then input scales).");
            for (int i = 0; i < parameters.Count; i++) parameters[i].copy_(saved[i]);
        }
    }
}
