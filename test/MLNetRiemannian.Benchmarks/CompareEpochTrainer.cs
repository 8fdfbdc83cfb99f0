using System;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;

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
        /// Runs <paramref name="epochs"/> passes over the training rows. In each pass of n steps, after step ⌈q·n/m⌉ for
        /// q = 1..m (m = <paramref name="measurementsPerEpoch"/>), calls <paramref name="measure"/> with the epochs done
        /// (e.g. 1.25) and the cumulative seconds of training so far, with every clock of the trainer stopped.
        /// </summary>
        void Train(int epochs, int measurementsPerEpoch, Action<double, double> measure);

        /// <summary>
        /// Rows to score as the trained model would see them at its first layer (its input scaling, in place, and its input
        /// encoding, a new matrix the caller disposes when it is not <paramref name="features"/>); the rows as given by default.
        /// </summary>
        FeatureMatrix PrepareInput(FeatureMatrix features) => features;
    }
}
