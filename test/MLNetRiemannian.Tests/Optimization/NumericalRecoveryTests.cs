using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using MLNetRiemannian.Tests.Reference;
using MLNetRiemannian.Trainers;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Optimization
{
    /// <summary>Injected numerical faults are detected in the step that produced them and recovered from, or reported.</summary>
    [TestClass]
    public sealed class NumericalRecoveryTests
    {
        [TestMethod]
        public void ANonFiniteStepIsRefusedAndLeavesParametersAndMomentumUntouched()
        {
            var generator = new Generator(4);
            using var network = new Sequential(new Dense(5, 8, generator: generator), new Tanh(8), new Dense(8, 3, generator: generator));
            using var optimizer = new RiemannianSgd(network, new SoftmaxCrossEntropyLoss(), new IdentityMetric(), 0.5, momentum: 0.9);
            using var scope = NewDisposeScope();
            var x = randn(new long[] { 16, 5 }, generator: generator);
            var y = randint(3, new long[] { 16 }, generator: generator);
            optimizer.Step(x, y); // momentum is now non-zero
            var before = network.Atoms.SelectMany(a => new[] { a.Weight.clone(), a.Bias.clone() }).ToArray();

            var poisoned = x.clone();
            poisoned[3, 2] = tensor(float.NaN);
            var e = Assert.ThrowsExactly<NonFiniteStepException>(() => optimizer.Step(poisoned, y));
            Assert.AreEqual("loss", e.Quantity);
            Assert.AreEqual(1, optimizer.Events.NonFiniteSteps);
            var after = network.Atoms.SelectMany(a => new[] { a.Weight, a.Bias }).ToArray();
            for (int i = 0; i < before.Length; i++)
                Assert.IsTrue(before[i].eq(after[i]).all().item<bool>(), $"parameter tensor {i} changed");

            // The next good step is the same as if the refused one had never been attempted.
            using var twin = new Sequential(new Dense(5, 8, generator: new Generator(4)), new Tanh(8), new Dense(8, 3, generator: new Generator(4)));
            TestNetworks.CopyParameters(network, twin);
            optimizer.Step(x, y);
            Assert.IsFalse(network.Atoms[0].Weight.eq(twin.Atoms[0].Weight).all().item<bool>(), "the good step did nothing");
            Assert.IsTrue(network.Atoms.All(a => a.Weight.isfinite().all().item<bool>()));
        }

        [TestMethod]
        public void ASingularCustomMetricIsRepairedWithJitterAndCounted()
        {
            var generator = new Generator(5);
            using var network = new Sequential(new Dense(4, 6, generator: generator), new ReLU(6), new Dense(6, 3, generator: generator));
            // Rank one: e₁e₁ᵀ. Cholesky fails; a little jitter makes it positive definite.
            var metric = new CustomOutputMetric((output, _) =>
            {
                var m = zeros(new long[] { output.shape[0], 3, 3 }, dtype: output.dtype);
                m[TensorIndex.Colon, 0, 0] = tensor(1f);
                return m;
            });
            using var optimizer = new RiemannianSgd(network, new SquaredErrorLoss(), metric, 0.1);
            using var scope = NewDisposeScope();
            double loss = optimizer.Step(randn(new long[] { 8, 4 }, generator: generator), randn(new long[] { 8, 3 }, generator: generator));
            Assert.IsTrue(double.IsFinite(loss));
            Assert.IsTrue(optimizer.Events.JitterRetries >= 1, "no jitter retry was counted");
            Assert.AreEqual(0, optimizer.Events.NonFiniteSteps);
            Assert.IsTrue(network.Atoms.All(a => a.Weight.isfinite().all().item<bool>()));
        }

        [TestMethod]
        public void TheTrainerRestoresHalvesTheLearningRateAndFinishesAfterATransientFault()
        {
            var ml = new MLContext(1);
            var warnings = new List<string>();
            ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning) lock (warnings) warnings.Add(e.Message); };
            int calls = 0;
            var options = new RiemannianMlpBinaryTrainer.Options
            {
                HiddenLayerSizes = new[] { 8 }, NumberOfEpochs = 10, OutputMetric = OutputMetricKind.Custom,
                CurvatureRefreshSteps = 1, // the metric is drawn at every step, so its calls count the steps
                // A metric that is NaN on its 7th call only: one refused step, then training goes on.
                CustomOutputMetric = (output, _) =>
                {
                    var m = eye(1, dtype: output.dtype).expand(output.shape[0], 1, 1).clone();
                    return ++calls == 7 ? m.fill_(float.NaN) : m;
                },
            };
            var data = ml.Transforms.Concatenate("Features", "Measurements").Append(ml.Transforms.NormalizeMinMax("Features"))
                .Fit(SampleData.BreastCancer(ml)).Transform(SampleData.BreastCancer(ml));
            var model = ml.BinaryClassification.Trainers.RiemannianMlp(options).Fit(data);
            var accuracy = ml.BinaryClassification.Evaluate(model.Transform(data)).Accuracy;
            Assert.IsTrue(accuracy > 0.9, $"accuracy {accuracy:F3} after recovery");
            var warning = warnings.Single(w => w.Contains("non-finite"));
            StringAssert.Contains(warning, "Epoch 1, step 7: the custom output metric became non-finite");
            StringAssert.Contains(warning, $"halved the learning rate to {Defaults.AdaptiveMassLearningRate / 2:G3}");

            // The event is counted in the history, which survives a save and load.
            Assert.AreEqual(1, model.Model.History.Sum(e => e.NonFiniteSteps));
            Assert.AreEqual(1, model.Model.History[0].NonFiniteSteps);
            string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"recovery-{Guid.NewGuid():N}.zip");
            try
            {
                ml.Model.Save(model, data.Schema, path);
                var loaded = (BinaryPredictionTransformer<MLNetRiemannian.Model.RiemannianMlpModelParameters>)ml.Model.Load(path, out _);
                CollectionAssert.AreEqual(model.Model.History.ToArray(), loaded.Model.History.ToArray());
            }
            finally
            {
                System.IO.File.Delete(path);
            }
        }

        [TestMethod]
        public void APersistentFaultStopsTrainingNamingEpochStepAndQuantity()
        {
            var ml = new MLContext(1);
            int calls = 0;
            var options = new RiemannianMlpBinaryTrainer.Options
            {
                HiddenLayerSizes = new[] { 8 }, NumberOfEpochs = 3, OutputMetric = OutputMetricKind.Custom, CurvatureRefreshSteps = 1,
                CustomOutputMetric = (output, _) =>
                {
                    var m = eye(1, dtype: output.dtype).expand(output.shape[0], 1, 1).clone();
                    return ++calls >= 4 ? m.fill_(float.PositiveInfinity) : m;
                },
            };
            var data = ml.Transforms.Concatenate("Features", "Measurements").Append(ml.Transforms.NormalizeMinMax("Features"))
                .Fit(SampleData.BreastCancer(ml)).Transform(SampleData.BreastCancer(ml));
            var e = Assert.ThrowsExactly<ArithmeticException>(() => ml.BinaryClassification.Trainers.RiemannianMlp(options).Fit(data));
            StringAssert.Contains(e.Message, "epoch 1, step 4");
            StringAssert.Contains(e.Message, "custom output metric stayed non-finite after 5 retries");
            Assert.IsInstanceOfType<NonFiniteStepException>(e.InnerException);
        }
    }
}
