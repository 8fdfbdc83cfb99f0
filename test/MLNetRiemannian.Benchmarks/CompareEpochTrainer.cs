using System;
using MLNetRiemannian.Geometry;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// A trainer of the <c>compare</c> benchmark that trains a network on tensors epoch by epoch and lets the caller
    /// measure it between epochs, when none of the trainer's clocks runs.
    /// </summary>
    internal interface ICompareEpochTrainer : IDisposable
    {
        /// <summary>The network being trained; its parameters are the current ones whenever the callback of <see cref="Train"/> runs.</summary>
        RiemannianModule Network { get; }

        /// <summary>
        /// Runs <paramref name="epochs"/> passes over the training rows; after each calls
        /// <paramref name="afterEpoch"/> with the epoch (1-based) and the seconds that epoch's training took.
        /// </summary>
        void Train(int epochs, Action<int, double> afterEpoch);
    }
}
