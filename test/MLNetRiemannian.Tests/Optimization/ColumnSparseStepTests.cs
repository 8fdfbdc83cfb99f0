using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Optimization
{
    /// <summary>
    /// The column-sparse first-layer step (src/MLNetRiemannian/Optimization/ColumnSparseLayer.cs, docs/method.md section 11)
    /// against the dense step it replaces: the same batches through two copies of one network, one optimizer touching
    /// only the columns each batch and its kept curvature rows use and bringing the others up to date lazily, the other
    /// updating every column at every step.
    /// </summary>
    [TestClass]
    public sealed class ColumnSparseStepTests
    {
        private const int Rows = 240, Width = 1000, PerRow = 4, Hidden = 12, Classes = 3, Batch = 32;

        /// <summary>A small sparse table: each row holds <see cref="PerRow"/> random slots of <see cref="Width"/>, the label follows a few of them.</summary>
        private static (Tensor Rows, Tensor Columns, Tensor Values, Tensor Labels) Table()
        {
            var random = new Random(7);
            var rows = Enumerable.Range(0, Rows).SelectMany(r => Enumerable.Repeat((long)r, PerRow)).ToArray();
            var columns = Enumerable.Range(0, Rows).SelectMany(_ =>
                // Slots drawn from a skewed distribution, so some columns recur often and many rarely (as hashed ids do).
                Enumerable.Range(0, 1000).Select(_ => (long)(Width * Math.Pow(random.NextDouble(), 2))).Distinct().Take(PerRow)).ToArray();
            var values = columns.Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            var labels = Enumerable.Range(0, Rows).Select(r => (long)(columns.Skip(r * PerRow).Take(PerRow).Sum() % Classes)).ToArray();
            return (tensor(rows), tensor(columns), tensor(values), tensor(labels));
        }

        private static InputBatch BatchOf((Tensor Rows, Tensor Columns, Tensor Values, Tensor Labels) table, long[] rowsOfBatch)
        {
            var entries = rowsOfBatch.SelectMany((r, b) => Enumerable.Range(0, PerRow).Select(k => (Batch: (long)b, Entry: r * PerRow + k))).ToArray();
            var index = tensor(entries.Select(e => e.Entry).ToArray());
            return SparseInput.FromEntries(tensor(entries.Select(e => e.Batch).ToArray()), table.Columns.index_select(0, index), table.Values.index_select(0, index), rowsOfBatch.Length, Width);
        }

        private static OptimizerPlan Plan(bool columnSparse, long plannedSteps, int refresh = 4, double weightDecay = 0) => new()
        {
            LearningRate = 0.16, Schedule = LearningRateSchedule.Cosine(0.05), PlannedSteps = plannedSteps,
            Rule = UpdateRulePlan.AdaptiveMass(0.9, 0.999) with { WeightDecay = weightDecay }, CurvatureRows = 8, CurvatureRefreshSteps = refresh, ColumnSparseFirstLayer = columnSparse,
        };

        private static Sequential Network(bool hidden = true) => hidden
            ? new(new Dense(Width, Hidden, generator: new Generator(3)), new ReLU(Hidden), new Dense(Hidden, Classes, generator: new Generator(4)))
            : new(new Dense(Width, Classes, generator: new Generator(3)));

        private static double RelativeDifference(Tensor a, Tensor b) =>
            (a - b).norm().to_type(ScalarType.Float64).item<double>() / Math.Max(b.norm().to_type(ScalarType.Float64).item<double>(), 1e-30);

        [TestMethod]
        [DataRow("hidden layer", DisplayName = "a hidden layer of 12, identity metric, curvature rows kept 4 steps")]
        [DataRow("no hidden layer", DisplayName = "no hidden layer: the first layer is the output layer (block solve)")]
        [DataRow("weights", DisplayName = "example weights, one batch's all 0 (a skipped step)")]
        [DataRow("refresh", DisplayName = "curvature rows drawn at every step")]
        [DataRow("gauss-newton", DisplayName = "the Gauss-Newton metric")]
        public void ThreeEpochsOfTheColumnSparseStepEqualTheDenseStepWithin1e5RelativeInFloat32(string variant)
        {
            using var scope = NewDisposeScope();
            var table = Table();
            const int epochs = 3, steps = (Rows + Batch - 1) / Batch;
            bool hidden = variant != "no hidden layer";
            int refresh = variant == "refresh" ? 1 : 4;
            double decay = variant == "weight decay" ? 0.5 : 0;
            OutputMetric Metric() => variant == "gauss-newton" ? new GaussNewtonMetric(new SoftmaxCrossEntropyLoss(), 0.1) : new IdentityMetric();
            // Example weights in [0, 2); every row of the second batch of each epoch weighs 0.
            var weights = variant == "weights" ? rand(Rows, generator: new Generator(5)) * 2 : null;
            using var sparseNetwork = Network(hidden);
            using var denseNetwork = Network(hidden);
            using var sparse = new RiemannianSgd(sparseNetwork, new SoftmaxCrossEntropyLoss(), Metric(), Plan(true, epochs * steps, refresh, decay));
            using var dense = new RiemannianSgd(denseNetwork, new SoftmaxCrossEntropyLoss(), Metric(), Plan(false, epochs * steps, refresh, decay));
            Assert.IsTrue(sparse.ColumnSparse);
            Assert.IsFalse(dense.ColumnSparse);
            var random = new Random(11);
            int untouchedSteps = 0;
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                var order = Enumerable.Range(0, Rows).OrderBy(_ => random.Next()).Select(r => (long)r).ToArray();
                sparse.ForgetCurvature();
                dense.ForgetCurvature();
                for (int start = 0; start < Rows; start += Batch)
                {
                    using var stepScope = NewDisposeScope();
                    var rows = order.Skip(start).Take(Batch).ToArray();
                    var input = BatchOf(table, rows);
                    var labels = table.Labels.index_select(0, tensor(rows));
                    var batchWeights = weights?.index_select(0, tensor(rows));
                    if (batchWeights is not null && start == Batch) batchWeights.zero_();
                    var weightBefore = sparseNetwork.Atoms[0].Weight.clone();
                    sparse.StepCore(input, labels, batchWeights);
                    dense.StepCore(input, labels, batchWeights);
                    // The sparse step left most columns as they were (to be brought up to date later).
                    var changed = sparseNetwork.Atoms[0].Weight.ne(weightBefore).any(0).sum().item<long>();
                    if (changed <= Batch * PerRow + 8 * PerRow) untouchedSteps++;
                    else Assert.Fail($"epoch {epoch + 1}, step at row {start}: the sparse step changed {changed} of the first layer's {Width} columns");
                }
                sparse.BringUpToDate();
                for (int layer = 0; layer < denseNetwork.Atoms.Count; layer++)
                {
                    var (s, d) = (sparseNetwork.Atoms[layer], denseNetwork.Atoms[layer]);
                    double weight = RelativeDifference(s.Weight, d.Weight), bias = RelativeDifference(s.Bias, d.Bias);
                    Assert.IsTrue(weight < 1e-5 && bias < 1e-5, $"epoch {epoch + 1}, layer {layer}: weights differ by {weight:E2}, biases by {bias:E2} (relative)");
                    var (ss, ds) = (sparse.StateOf(s), dense.StateOf(d));
                    double momentum = RelativeDifference(ss.MomentumWeight!, ds.MomentumWeight!), moments = RelativeDifference(ss.SecondMomentColumns!, ds.SecondMomentColumns!);
                    Assert.IsTrue(momentum < 1e-5 && moments < 1e-5, $"epoch {epoch + 1}, layer {layer}: averaged directions differ by {momentum:E2}, column moments by {moments:E2}");
                }
            }
            Assert.AreEqual(epochs * steps, untouchedSteps, "every sparse step changed at most the columns of its batch and of its 8 curvature rows");
            Assert.AreEqual(variant == "weights" ? epochs : 0, sparse.ZeroWeightBatches);
            Assert.AreEqual(dense.Steps, sparse.Steps);
            // The comparison is not empty: both networks moved well away from their start.
            using var initial = Network(hidden);
            Assert.IsTrue(RelativeDifference(denseNetwork.Atoms[0].Weight, initial.Atoms[0].Weight) > 1e-2);
        }

        [TestMethod]
        public void BringingColumnsUpToDateTwiceChangesNothingTheSecondTime()
        {
            using var scope = NewDisposeScope();
            var table = Table();
            using var network = Network();
            using var optimizer = new RiemannianSgd(network, new SoftmaxCrossEntropyLoss(), new IdentityMetric(), Plan(true, 20));
            for (int step = 0; step < 5; step++)
            {
                var rows = Enumerable.Range(step * Batch, Batch).Select(r => (long)r).ToArray();
                optimizer.StepCore(BatchOf(table, rows), table.Labels.index_select(0, tensor(rows)), null);
            }
            optimizer.BringUpToDate();
            var once = network.Atoms[0].Weight.clone();
            var momentum = optimizer.StateOf(network.Atoms[0]).MomentumWeight!.clone();
            optimizer.BringUpToDate();
            Assert.IsTrue(network.Atoms[0].Weight.eq(once).all().item<bool>());
            Assert.IsTrue(optimizer.StateOf(network.Atoms[0]).MomentumWeight!.eq(momentum).all().item<bool>());
        }

        [TestMethod]
        public void APlanThatCannotBeExactColumnSparseIsRefusedNamingWhy()
        {
            var plan = Plan(true, 10) with { L2Regularization = 0.01 };
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => plan.Validate());
            StringAssert.Contains(e.Message, "column-sparse");
            StringAssert.Contains(e.Message, "L2 0.01");
            // A weight decay moves every column at every step, untouched or not.
            var decay = Plan(true, 10, weightDecay: 0.01);
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => decay.Validate()).Message, "no weight decay");
            var heavyBall = Plan(true, 10) with { Rule = UpdateRulePlan.HeavyBall(0.9) };
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => heavyBall.Validate());
        }
    }
}
