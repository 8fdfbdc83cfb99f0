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
    /// cross-entropy: <see cref="BaselineKind.Adam"/> (η = 10⁻³, β = (0.9, 0.999), ε = 10⁻⁸: PyTorch's defaults) or
    /// <see cref="BaselineKind.SgdMomentum"/> (η = 0.1, heavy-ball momentum 0.9), in batches of <see cref="BatchSize"/>.
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

        private readonly RiemannianMlpMulticlassTrainer.Options _options = new();
        private readonly Generator _generator;
        private readonly TrainingData _data;
        private readonly Sequential _network;
        private readonly Parameter[] _weights;
        private readonly Parameter[] _biases;
        private readonly optim.Optimizer _optimizer;

        /// <summary>Reads <paramref name="train"/> and builds the network and the optimizer.</summary>
        public BaselineOptimizer(IDataView train, BaselineKind kind, int seed)
        {
            _generator = new Generator((ulong)seed);
            _data = CompareData.ReadTensors(train);
            var columns = CompareData.Columns(train);
            _network = CompareNetwork.Create(_options, columns.FeatureCount, columns.ClassCount, _generator);
            // detach() aliases the layer's storage: the optimizer updates the very weights that Network scores with.
            _weights = _network.Atoms.Select(a => new Parameter(a.Weight.detach())).ToArray();
            _biases = _network.Atoms.Select(a => new Parameter(a.Bias.detach())).ToArray();
            var parameters = _weights.Concat(_biases).ToArray();
            // TorchSharp's torch.optim.Adam defaults β₂ to 0.99, not PyTorch's 0.999: every hyperparameter is stated.
            _optimizer = kind == BaselineKind.Adam
                ? optim.Adam(parameters, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8)
                : optim.SGD(parameters, learningRate: 0.1, momentum: 0.9);
        }

        /// <inheritdoc/>
        public RiemannianModule Network => _network;

        /// <inheritdoc/>
        public void Train(int epochs, Action<int, double> afterEpoch)
        {
            long rows = _data.Count;
            long batchSize = BatchSize;
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                using (NewDisposeScope())
                {
                    var order = _options.Shuffle ? randperm(rows, generator: _generator) : arange(rows);
                    for (long start = 0; start < rows; start += batchSize)
                    {
                        using var stepScope = NewDisposeScope();
                        var index = order.narrow(0, start, Math.Min(batchSize, rows - start));
                        _optimizer.zero_grad();
                        nn.functional.cross_entropy(Forward(_data.Features.ToDense().index_select(0, index)), _data.Labels.index_select(0, index)).backward();
                        _optimizer.step();
                    }
                }
                afterEpoch(epoch, clock.Elapsed.TotalSeconds);
            }
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

        /// <summary>torch.optim.SGD with η = 0.1 and momentum 0.9.</summary>
        SgdMomentum,
    }
}
