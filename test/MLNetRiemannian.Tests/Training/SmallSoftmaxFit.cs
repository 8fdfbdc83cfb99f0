using System;
using System.Collections.Generic;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using MLNetRiemannian.Training;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Training
{
    /// <summary>
    /// The fit loop's tests' problem: a 5-8-3 tanh network under softmax cross-entropy, <see cref="RiemannianSgd"/> with
    /// η 0.1 and momentum 0.9, and random rows of 5 features and 3 classes, all drawn from seed 3 in that order (further
    /// rows a test draws from <see cref="Generator"/> come after them).
    /// </summary>
    internal sealed class SmallSoftmaxFit : IDisposable
    {
        public SmallSoftmaxFit(int rows)
        {
            Generator = new Generator(3);
            Network = new Sequential(new Dense(5, 8, generator: Generator), new Tanh(8), new Dense(8, 3, generator: Generator));
            Optimizer = new RiemannianSgd(Network, new SoftmaxCrossEntropyLoss(), new IdentityMetric(), 0.1, momentum: 0.9);
            X = new DenseFeatureMatrix(randn(new long[] { rows, 5 }, generator: Generator));
            Y = randint(3, new long[] { rows }, generator: Generator);
        }

        public Generator Generator { get; }

        public Sequential Network { get; }

        public RiemannianSgd Optimizer { get; }

        public DenseFeatureMatrix X { get; }

        public Tensor Y { get; }

        /// <summary>Runs the fit loop over the rows with <paramref name="settings"/> (and <paramref name="validation"/> rows, if any).</summary>
        public List<FitLoop.EpochResult> Run(FitLoop.Settings settings, (FeatureMatrix X, Tensor Y)? validation = null, Action<FitLoop.EpochResult>? onEpoch = null, Action? checkAlive = null) =>
            new FitLoop(Network, Optimizer, new TrainingMetric.Accuracy()).Run(X, Y, null, validation, settings, Generator, onEpoch ?? (_ => { }), checkAlive ?? (() => { }), _ => { });

        public void Dispose()
        {
            X.Dispose();
            Y.Dispose();
            Optimizer.Dispose();
            Network.Dispose();
        }
    }
}
