using System.Collections.Generic;
using System.Linq;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Trainers;
using static TorchSharp.torch;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// The MLP every network-trainer of <c>compare</c> starts from, built by the trainer's own
    /// <see cref="RiemannianMlpNetwork"/>: <see cref="Dense"/> layers of the options' widths and masses, drawn in order
    /// from one seeded <see cref="Generator"/>, with the options' activation between them. The same seed gives Adam, SGD and
    /// RiemannianMlp the same initial weights, and leaves the generator where the fit loop's first shuffle starts.
    /// </summary>
    internal static class CompareNetwork
    {
        /// <summary>features → options.HiddenLayerSizes → classes, by the trainer's own builder.</summary>
        public static Sequential Create(RiemannianMlpTrainerOptions options, int features, int classes, Generator generator) =>
            RiemannianMlpNetwork.Create(options, new[] { features }.Concat(options.HiddenLayerSizes ?? Defaults.HiddenLayerSizes(features)).Append(classes).ToArray(), generator);

        /// <summary>Share of rows of <paramref name="x"/> whose largest output is at their label <paramref name="y"/>.</summary>
        public static double Accuracy(RiemannianModule network, Tensor x, Tensor y)
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            return network.Forward(x).argmax(1).eq(y).to_type(ScalarType.Float64).mean().item<double>();
        }
    }
}
