using System;
using System.Diagnostics;
using System.Linq;
using Microsoft.ML;
using MLNetRiemannian.Data;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Trainers;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// RiemannianMlp's network trained by a first-order optimizer of TorchSharp with autograd on the batch-mean softmax
    /// cross-entropy: <see cref="BaselineKind.Adam"/> (η = 10⁻³, β = (0.9, 0.999), ε = 10⁻⁸: PyTorch's defaults),
    /// <see cref="BaselineKind.AdamSchedule"/> (the same with η = 10⁻³ times RiemannianMlp's default schedule's factor
    /// at each step, over the run's planned steps) or <see cref="BaselineKind.SgdMomentum"/> (η = 0.1, heavy-ball
    /// momentum 0.9), in batches of <see cref="BatchSize"/>.
    /// Everything else is RiemannianMlp's: the default <see cref="RiemannianMlpMulticlassTrainer.Options"/>' network,
    /// the initial weights drawn from a generator seeded alike, and the row order of its fit loop (one <c>randperm</c>
    /// per epoch from that generator, batches taken in order, the last one short).
    /// </summary>
    internal sealed class BaselineOptimizer : ICompareEpochTrainer
    {
        /// <summary>
        /// 128, the batch these learning rates were calibrated at (the speed issue's prototype): RiemannianMlp's own
        /// default batch for large data (512) would slow first-order methods per epoch and flatter RiemannianMlp.
        /// </summary>
        public const int BatchSize = 128;

        private const double AdamLearningRate = 1e-3;

        private readonly RiemannianMlpMulticlassTrainer.Options _options = new();
        private readonly Generator _generator;
        private readonly TrainingData _data;
        private readonly Sequential _network;
        private readonly Parameter[] _weights;
        private readonly Parameter[] _biases;
        private readonly optim.Optimizer _optimizer;
        private readonly BaselineKind _kind;

        /// <summary>Reads <paramref name="train"/> and builds the network and the optimizer.</summary>
        public BaselineOptimizer(IDataView train, BaselineKind kind, int seed)
        {
            _kind = kind;
            _generator = new Generator((ulong)seed);
            _data = CompareData.ReadTensors(train);
            var columns = CompareData.Columns(train);
            _network = CompareNetwork.Create(_options, columns.FeatureCount, columns.ClassCount, _generator);
            // detach() aliases the layer's storage: the optimizer updates the very weights that Network scores with.
            _weights = _network.Atoms.Select(a => new Parameter(a.Weight.detach())).ToArray();
            _biases = _network.Atoms.Select(a => new Parameter(a.Bias.detach())).ToArray();
            var parameters = _weights.Concat(_biases).ToArray();
            // TorchSharp's torch.optim.Adam defaults β₂ to 0.99, not PyTorch's 0.999: every hyperparameter is stated.
            _optimizer = kind == BaselineKind.SgdMomentum
                ? optim.SGD(parameters, learningRate: 0.1, momentum: 0.9)
                : optim.Adam(parameters, lr: AdamLearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8);
        }

        /// <inheritdoc/>
        public RiemannianModule Network => _network;

        /// <inheritdoc/>
        public void Train(int epochs, int measurementsPerEpoch, Action<double, double> measure)
        {
            long rows = _data.Count;
            long batchSize = BatchSize;
            long steps = (rows + batchSize - 1) / batchSize;
            long plannedSteps = epochs * steps, step = 0;
            var schedule = Defaults.Schedule(new RiemannianMlpMulticlassTrainer.Options()); // the default options' schedule
            var clock = new Stopwatch();
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                clock.Start();
                using (NewDisposeScope())
                {
                    var order = _options.Shuffle ? randperm(rows, generator: _generator) : arange(rows);
                    int measured = 0;
                    for (long start = 0, epochStep = 1; start < rows; start += batchSize, epochStep++)
                    {
                        using (NewDisposeScope())
                        {
                            var index = order.narrow(0, start, Math.Min(batchSize, rows - start));
                            if (_kind == BaselineKind.AdamSchedule) SetLearningRate(AdamLearningRate * schedule.Factor(++step, plannedSteps), step);
                            // Adam's first step moves every weight with a non-zero gradient by its learning rate (m̂/√v̂ = ±1):
                            // the printed change shows the rate the optimizer used, not only the one it was given.
                            var firstStepWeights = _kind == BaselineKind.AdamSchedule && step == 1 ? _weights[^1].detach().clone() : null;
                            _optimizer.zero_grad();
                            nn.functional.cross_entropy(Forward(_data.Features.ToDense().index_select(0, index)), _data.Labels.index_select(0, index)).backward();
                            _optimizer.step();
                            if (firstStepWeights is not null)
                                Console.WriteLine($"  AdamSchedule, step 1: largest change of an output-layer weight {(_weights[^1].detach() - firstStepWeights).abs().max().item<float>():G4}");
                        }
                        // As FitLoop's OnEvaluation: after step ⌈q·n/m⌉, with the clock stopped.
                        while (measured < measurementsPerEpoch && epochStep >= ((measured + 1) * steps + measurementsPerEpoch - 1) / measurementsPerEpoch)
                        {
                            clock.Stop();
                            measure(epoch - 1 + (double)++measured / measurementsPerEpoch, clock.Elapsed.TotalSeconds);
                            clock.Start();
                        }
                    }
                }
                clock.Stop();
            }
        }

        // Every parameter group's rate, read back at the first steps and then at every 1000th step so that the log shows
        // the schedule reached the optimizer (TorchSharp's Adam reads its group's rate at each step).
        private void SetLearningRate(double learningRate, long step)
        {
            foreach (var group in _optimizer.ParamGroups) group.LearningRate = learningRate;
            if (step is 1 or 2 || step % 1000 == 0)
                Console.WriteLine($"  AdamSchedule, step {step}: learning rate {string.Join(", ", _optimizer.ParamGroups.Select(g => $"{g.LearningRate:G4}"))} (asked {learningRate:G4})");
        }

        // The network's forward pass with the autograd parameters in place of the layers' own tensors.
        private Tensor Forward(Tensor input)
        {
            var z = input;
            int layer = 0;
            foreach (var module in _network.Children)
            {
                z = module is Dense ? nn.functional.linear(z, _weights[layer], _biases[layer++]) : module.Forward(z);
            }
            return z;
        }

        /// <inheritdoc/>
        public void Dispose()
        {
            _optimizer.Dispose();
            foreach (var parameter in _weights.Concat(_biases)) parameter.Dispose();
            _network.Dispose();
            _data.Dispose();
            _generator.Dispose();
        }
    }

    /// <summary>The first-order optimizers <c>compare</c> runs on RiemannianMlp's network.</summary>
    internal enum BaselineKind
    {
        /// <summary>torch.optim.Adam with PyTorch's default hyperparameters.</summary>
        Adam,

        /// <summary>torch.optim.Adam as <see cref="Adam"/>, its learning rate times the factor of RiemannianMlp's default schedule at each step.</summary>
        AdamSchedule,

        /// <summary>torch.optim.SGD with η = 0.1 and momentum 0.9.</summary>
        SgdMomentum,
    }
}
