using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;
using MLNetRiemannian.Trainers;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Theory
{
    /// <summary>The ML.NET entry point of the stability bound: a trained model and its IDataView, against the dense computation.</summary>
    [TestClass]
    public sealed class StabilityCatalogTests
    {
        private sealed class Row
        {
            [VectorType(3)] public float[] Features = new float[3];
            public float Label;
            public string Class = "";
        }

        private static IDataView Data(MLContext ml, int count) => ml.Transforms.Conversion.MapValueToKey("Class").Fit(ml.Data.LoadFromEnumerable(Rows(count)))
            .Transform(ml.Data.LoadFromEnumerable(Rows(count)));

        private static IEnumerable<Row> Rows(int count) => Enumerable.Range(0, count).Select(i => new Row
        {
            Features = new[] { i % 7 / 7f, i % 5 / 5f, MathF.Sin(i) },
            Label = MathF.Cos(i) + i % 3,
            Class = $"c{i % 3}",
        });

        private static RegressionPredictionTransformer<RiemannianMlpModelParameters> Regression(MLContext ml, IDataView data) =>
            ml.Regression.Trainers.RiemannianMlp(new RiemannianMlpRegressionTrainer.Options
            {
                HiddenLayerSizes = new[] { 8 }, Activation = ActivationKind.Tanh, NumberOfEpochs = 3, Mass = 0.5, LayerMasses = new[] { 0.5, 2.0 }, Seed = 1,
                // The features themselves reach the first layer, as the reference below feeds them.
                InputScaling = InputScalingKind.None, InputEncoding = InputEncodingKind.None,
            }).Fit(data);

        /// <summary>The model's network rebuilt from its public weights in Float64, with the given masses.</summary>
        private static Sequential Rebuilt(RiemannianMlpModelParameters model, double[] masses)
        {
            var modules = new List<RiemannianModule>();
            int layers = model.LayerSizes.Count - 1;
            for (int l = 0; l < layers; l++)
            {
                var dense = new Dense(model.LayerSizes[l], model.LayerSizes[l + 1], new ScalarMass(masses[l]), ScalarType.Float64);
                dense.Weight.copy_(tensor(model.GetWeights(l).ToArray()).view(dense.Weight.shape));
                dense.Bias.copy_(tensor(model.GetBias(l).ToArray()));
                modules.Add(dense);
                if (l < layers - 1) modules.Add(Activation.Create(model.Activation, model.LayerSizes[l + 1]));
            }
            return new Sequential(modules.ToArray());
        }

        [TestMethod]
        public void RegressionModelMatchesTheDenseComputation()
        {
            using var scope = NewDisposeScope();
            var ml = new MLContext(1);
            var data = Data(ml, 20);
            var model = Regression(ml, data);
            var masses = new[] { 0.5, 2.0 };
            var estimate = ml.Regression.EstimateStabilityBound(model, data, mass: 1, layerMasses: masses);

            var rows = Rows(20).ToArray();
            var input = tensor(rows.SelectMany(r => r.Features).ToArray(), new long[] { 20, 3 }).to_type(ScalarType.Float64);
            // The trainer stepped on the standardized label: the bound is about that problem, so the reference takes the
            // label's mean and (population) standard deviation and undoes their fold into the last layer.
            double mean = rows.Average(r => (double)r.Label), deviation = Math.Sqrt(rows.Average(r => Math.Pow(r.Label - mean, 2)));
            Assert.AreEqual(mean, model.Model.LabelStandardization!.Mean, 1e-9 * Math.Abs(mean) + 1e-12);
            Assert.AreEqual(deviation, model.Model.LabelStandardization.Scale, 1e-9 * deviation);
            var target = (tensor(rows.Select(r => (double)r.Label).ToArray()).view(20, 1) - mean) / deviation;
            using var network = Rebuilt(model.Model, masses);
            using (no_grad())
            {
                network.Atoms[^1].Weight.div_(deviation);
                network.Atoms[^1].Bias.sub_(mean).div_(deviation);
            }
            var jacobian = DenseStabilityReference.Jacobian(network, input);
            double kappa = DenseStabilityReference.Kappa(jacobian), xi = DenseStabilityReference.Xi(network, jacobian, 20);
            double lipschitz = (network.Forward(input) - target).abs().max().item<double>();

            Assert.AreEqual(20, estimate.SampleCount);
            Assert.AreEqual(0.5, estimate.SmallestMass);
            Assert.AreEqual(kappa, estimate.Kappa, 1e-9 * kappa, "κ");
            Assert.AreEqual(lipschitz, estimate.LossLipschitz, 1e-9 * lipschitz, "L");
            // ξ is tiny here (about 1e-9: 20 samples against 41 parameters), so the tolerance allows for both eigenvalue
            // solvers' absolute error, of order 1e-16·‖H‖ with ‖H‖ ≤ 2 (one per layer).
            Assert.AreEqual(xi, estimate.Xi, 1e-6 * xi, "ξ");
            double bound = DenseStabilityReference.Bound(kappa, lipschitz, xi, 0.5, 20);
            Assert.AreEqual(bound, estimate.Bound, 1e-5 * bound, "bound");
        }

        [TestMethod]
        public void MulticlassModelUsesTheSoftmaxResidual()
        {
            using var scope = NewDisposeScope();
            var ml = new MLContext(1);
            var data = Data(ml, 9);
            var model = ml.MulticlassClassification.Trainers.RiemannianMlp(new RiemannianMlpMulticlassTrainer.Options
            {
                LabelColumnName = "Class", HiddenLayerSizes = new[] { 5 }, Activation = ActivationKind.Tanh, NumberOfEpochs = 2, Seed = 1,
                InputScaling = InputScalingKind.None, InputEncoding = InputEncodingKind.None,
            }).Fit(data);
            var estimate = ml.MulticlassClassification.EstimateStabilityBound(model, data, mass: 1, labelColumnName: "Class");

            var rows = Rows(9).ToArray();
            var input = tensor(rows.SelectMany(r => r.Features).ToArray(), new long[] { 9, 3 }).to_type(ScalarType.Float64);
            var classes = tensor(Enumerable.Range(0, 9).Select(i => (long)(i % 3)).ToArray()); // keys in order of appearance: c0, c1, c2
            using var network = Rebuilt(model.Model, new[] { 1.0, 1.0 });
            var residual = nn.functional.softmax(network.Forward(input), 1) - nn.functional.one_hot(classes, 3).to_type(ScalarType.Float64);
            double lipschitz = residual.norm(1).max().item<double>();
            Assert.AreEqual(lipschitz, estimate.LossLipschitz, 1e-9 * lipschitz, "L of softmax cross-entropy");
            double xi = DenseStabilityReference.Xi(network, DenseStabilityReference.Jacobian(network, input), 9);
            Assert.AreEqual(xi, estimate.Xi, 1e-6 * xi, "ξ of a 3-output model");
        }

        private static void Throws<T>(Action action, params string[] mentions) where T : Exception
        {
            var e = Assert.ThrowsExactly<T>(action);
            foreach (var m in mentions) StringAssert.Contains(e.Message, m);
        }

        [TestMethod]
        public void BadInputIsNamed()
        {
            var ml = new MLContext(1);
            var data = Data(ml, 12);
            var model = Regression(ml, data);
            Throws<ArgumentOutOfRangeException>(() => ml.Regression.EstimateStabilityBound(model, data, 1, labelColumnName: "Target"), "'Target'", "not in the data");
            Throws<ArgumentOutOfRangeException>(() => ml.Regression.EstimateStabilityBound(model, data, 1, labelColumnName: "Class"), "'Class'", "Single");
            Throws<ArgumentException>(() => ml.MulticlassClassification.EstimateStabilityBound(model, data, 1), "Regression", "MulticlassClassification");
            Throws<ArgumentOutOfRangeException>(() => ml.Regression.EstimateStabilityBound(model, data, 0), "mass", "0");
            Throws<ArgumentOutOfRangeException>(() => ml.Regression.EstimateStabilityBound(model, data, 1, layerMasses: new[] { 1.0 }), "2 dense layers", "layerMasses has 1");
            Throws<ArgumentOutOfRangeException>(() => ml.Regression.EstimateStabilityBound(model, data, 1, xiSampleCount: 0), "ξ sample count");

            var narrow = ml.Transforms.Concatenate("Features", "Label", "Label").Fit(ml.Data.LoadFromEnumerable(Rows(12))).Transform(ml.Data.LoadFromEnumerable(Rows(12)));
            Throws<ArgumentOutOfRangeException>(() => ml.Regression.EstimateStabilityBound(model, narrow, 1), "'Features'", "2 slots", "trained on 3");
        }
    }
}
