using System.Collections.Generic;
using System.Linq;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Trainers;
using static TorchSharp.torch;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// The MLP every network-trainer of <c>compare</c> starts from, built as RiemannianMlpTrainerBase builds it (its
    /// private <c>Network</c>): <see cref="Dense"/> layers of the options' widths and masses, drawn in order from one
    /// seeded <see cref="Generator"/>, with the options' activation between them. The same seed gives Adam, SGD and
    /// RiemannianMlp the same initial weights, and leaves the generator where the fit loop's first shuffle starts.
    /// </summary>
    internal static class CompareNetwork
    {
        /// <summary>features → options.HiddenLayerSizes → classes.</summary>
        public static Sequential Create(RiemannianMlpTrainerOptions options, int features, int classes, Generator generator)
        {
            var sizes = new[] { features }.Concat(options.HiddenLayerSizes).Append(classes).ToArray();
            var modules = new List<RiemannianModule>();
            for (int i = 0; i + 1 < sizes.Length; i++)
            {
                modules.Add(new Dense(sizes[i], sizes[i + 1], new ScalarMass(options.LayerMasses?[i] ?? options.Mass), generator: generator));
                if (i + 2 < sizes.Length) modules.Add(Activation.Create(options.Activation, sizes[i + 1]));
            }
            return new Sequential(modules.ToArray());
        }

        /// <summary>Share of rows of <paramref name="x"/> whose largest output is at their label <paramref name="y"/>.</summary>
        public static double Accuracy(RiemannianModule network, Tensor x, Tensor y)
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            return network.Forward(x).argmax(1).eq(y).to_type(ScalarType.Float64).mean().item<double>();
        }
    }
}
