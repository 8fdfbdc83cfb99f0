using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using MLNetRiemannian.Tests.Reference;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Optimization
{
    /// <summary>The step on a sparse batch against the same step on the dense rows: loss, gradients and directions of every layer.</summary>
    [TestClass]
    public sealed class SparseStepTests
    {
        private const int Width = 60;

        public static IEnumerable<object[]> Cases() =>
            from metric in Enum.GetValues<MetricKind>()
            from mass in Enum.GetValues<MassKind>()
            select new object[] { metric, mass };

        [TestMethod]
        [DynamicData(nameof(Cases))]
        public void SparseAndDenseInputGiveTheSameStep(MetricKind metricKind, MassKind massKind)
        {
            foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
            foreach (int curvature in new[] { 0, 3 })
            foreach (bool compacted in new[] { true, false })
            foreach (int outputs in new[] { 1, 3 })
            {
                if (!MetricCase.Supports(metricKind, outputs)) continue;
                using var scope = NewDisposeScope();
                var generator = new Generator((ulong)(100 + outputs + curvature));
                const int batch = 8;
                var rows = SparseData.Random(20, Width, 0.08, ScalarType.Float64, generator);
                var index = randperm(20, generator: generator).narrow(0, 0, batch);
                var target = MetricCase.Target(metricKind, batch, outputs, generator);
                if (target.dtype == ScalarType.Float64) target = target.to_type(dtype);
                var weights = rand(new long[] { batch }, dtype: dtype, generator: generator).add_(0.2);
                var loss = MetricCase.Loss(metricKind);
                var metric = MetricCase.Metric(metricKind, loss);
                using var network = Network(outputs, massKind, dtype);

                var dense = Step(network, loss, metric, curvature, new DenseInput(rows.index_select(0, index).to_type(dtype)), target, weights);
                var sparse = Step(network, loss, metric, curvature, SparseData.Batch(rows.to_type(dtype), index, compacted), target, weights);

                // Float32 sums in another order: relative 1e-5; Float64: 1e-9.
                double tolerance = dtype == ScalarType.Float64 ? 1e-9 : 1e-5;
                string where = $"{dtype}, d={outputs}, curvature rows {curvature}, {(compacted ? "compacted" : "entries")}";
                Assert.IsTrue(Math.Abs(dense.Loss - sparse.Loss) <= tolerance * Math.Abs(dense.Loss), $"loss ({where})");
                for (int a = 0; a < dense.Layers.Count; a++)
                {
                    double eg = TestNetworks.RelativeError(sparse.Layers[a].Gradient, dense.Layers[a].Gradient);
                    double eu = TestNetworks.RelativeError(sparse.Layers[a].Direction, dense.Layers[a].Direction);
                    Assert.IsTrue(eg <= tolerance, $"gradient of layer {a}: relative error {eg:E2} > {tolerance} ({where})");
                    Assert.IsTrue(eu <= tolerance, $"direction of layer {a}: relative error {eu:E2} > {tolerance} ({where})");
                }
            }
        }

        /// <summary>Dense(60→5) · Tanh · Dense(5→d): the first layer sees the sparse batch.</summary>
        private static RiemannianModule Network(int outputs, MassKind mass, ScalarType dtype)
        {
            var random = new Random(4);
            var generator = new Generator(4);
            return new Sequential(
                new Dense(Width, 5, MetricCase.Mass(mass, Width, 5, random), dtype, generator),
                Activation.Create(ActivationKind.Tanh, 5),
                new Dense(5, outputs, MetricCase.Mass(mass, 5, outputs, random), dtype, generator));
        }

        private static (double Loss, List<(Tensor Gradient, Tensor Direction)> Layers) Step(
            RiemannianModule network, Loss loss, OutputMetric metric, int curvature, InputBatch input, Tensor target, Tensor weights)
        {
            using var noGrad = no_grad();
            var optimizer = new RiemannianSgd(network, loss, metric, 1, curvatureBatchSize: curvature);
            var (batchLoss, _, layers) = optimizer.Directions(input, target, weights);
            return (batchLoss.to_type(ScalarType.Float64).item<double>(), network.Atoms.Select(atom =>
            {
                var layer = layers.Single(l => ReferenceEquals(l.Atom, atom));
                return (cat(new[] { layer.GradientWeight.flatten(), layer.GradientBias }, 0),
                        cat(new[] { layer.DirectionWeight.flatten(), layer.DirectionBias }, 0));
            }).ToList());
        }
    }
}
