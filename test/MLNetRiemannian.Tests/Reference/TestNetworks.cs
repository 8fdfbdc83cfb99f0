using System;
using MLNetRiemannian.Geometry;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Reference
{
    /// <summary>Small networks mixing every module kind, built deterministically.</summary>
    internal static class TestNetworks
    {
        public const int InputSize = 4;

        /// <summary>Dense(4→6) · σ1 · Dense(6→5) · σ2 · Dense(5→d).</summary>
        public static RiemannianModule Stack(ActivationKind first, ActivationKind second, int outputs, MassKind mass, ScalarType dtype, int seed)
        {
            var random = new Random(seed);
            var generator = new Generator((ulong)seed);
            return new Sequential(
                new Dense(InputSize, 6, MetricCase.Mass(mass, InputSize, 6, random), dtype, generator),
                Activation.Create(first, 6),
                new Dense(6, 5, MetricCase.Mass(mass, 6, 5, random), dtype, generator),
                Activation.Create(second, 5),
                new Dense(5, outputs, MetricCase.Mass(mass, 5, outputs, random), dtype, generator));
        }

        /// <summary>[Dense(2→3) · σ ∥ Dense(2→4)] · σ · Dense(7→d): a parallel composition inside a sequential one.</summary>
        public static RiemannianModule WithParallel(ActivationKind activation, int outputs, MassKind mass, ScalarType dtype, int seed)
        {
            var random = new Random(seed);
            var generator = new Generator((ulong)seed);
            return new Sequential(
                new Parallel(
                    new Sequential(new Dense(2, 3, MetricCase.Mass(mass, 2, 3, random), dtype, generator), Activation.Create(activation, 3)),
                    new Dense(2, 4, MetricCase.Mass(mass, 2, 4, random), dtype, generator)),
                Activation.Create(activation, 7),
                new Dense(7, outputs, MetricCase.Mass(mass, 7, outputs, random), dtype, generator));
        }

        /// <summary>Copies every parameter of <paramref name="source"/> into <paramref name="target"/> (same architecture).</summary>
        public static void CopyParameters(RiemannianModule source, RiemannianModule target)
        {
            using var noGrad = no_grad();
            for (int i = 0; i < source.Atoms.Count; i++)
            {
                target.Atoms[i].Weight.copy_(source.Atoms[i].Weight);
                target.Atoms[i].Bias.copy_(source.Atoms[i].Bias);
            }
        }

        public static double RelativeError(Tensor actual, Tensor expected)
        {
            using var scope = NewDisposeScope();
            var e = expected.to_type(ScalarType.Float64);
            return ((actual.to_type(ScalarType.Float64) - e).norm().item<double>()) / e.norm().item<double>();
        }
    }
}
