using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;
using MLNetRiemannian.Tests.Model;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Trainers
{
    /// <summary>
    /// The network trains in TorchSharp and scores in managed code (the saved model's scores are the managed
    /// scorer's): both forward passes must agree, for every task and activation.
    /// </summary>
    [TestClass]
    public sealed class ManagedScorerEquivalenceTests
    {
        public TestContext TestContext { get; set; } = null!;

        [TestMethod]
        public void TorchSharpAndManagedForwardPassesAgree()
        {
            double worstProbability = 0, worstRegression = 0;
            foreach (var task in Enum.GetValues<PredictionTask>())
            foreach (var activation in Enum.GetValues<ActivationKind>())
            {
                using var scope = NewDisposeScope();
                int outputs = task == PredictionTask.MulticlassClassification ? ModelFixtures.ClassNames.Length : 1;
                var generator = new Generator(11);
                using var network = new Sequential(
                    new Dense(ModelFixtures.InputSize, 16, generator: generator), Activation.Create(activation, 16),
                    new Dense(16, 8, generator: generator), Activation.Create(activation, 8),
                    new Dense(8, outputs, generator: generator));
                var ml = new MLContext(1);
                var model = new RiemannianMlpModelParameters(ml, task, activation, new[] { ModelFixtures.InputSize, 16, 8, outputs },
                    network.Atoms.Select(a => a.Weight.contiguous().data<float>().ToArray()).ToArray(),
                    network.Atoms.Select(a => a.Bias.contiguous().data<float>().ToArray()).ToArray(), "Identity", Array.Empty<EpochSummary>());

                var rows = ModelFixtures.Rows(64, seed: 5);
                var data = ModelFixtures.KeyedData(ml, rows);
                var x = tensor(rows.SelectMany(r => r.Features).ToArray(), new long[] { rows.Count, ModelFixtures.InputSize });
                Tensor logits;
                using (no_grad()) logits = network.Forward(x);

                if (task == PredictionTask.MulticlassClassification)
                {
                    var expected = nn.functional.softmax(logits, 1).data<float>().ToArray();
                    var actual = PredictionTransformerFactory.Multiclass(ml, model, data.Schema, "Features", "Label").Transform(data)
                        .GetColumn<float[]>("Score").SelectMany(s => s).ToArray();
                    worstProbability = Math.Max(worstProbability, expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max());
                }
                else if (task == PredictionTask.BinaryClassification)
                {
                    var scored = PredictionTransformerFactory.Binary(ml, model, data.Schema, "Features").Transform(data);
                    var expected = logits.sigmoid().data<float>().ToArray();
                    var actual = scored.GetColumn<float>("Probability").ToArray();
                    worstProbability = Math.Max(worstProbability, expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max());
                }
                else
                {
                    var expected = logits.data<float>().ToArray();
                    var actual = PredictionTransformerFactory.Regression(ml, model, data.Schema, "Features").Transform(data)
                        .GetColumn<float>("Score").ToArray();
                    worstRegression = Math.Max(worstRegression, expected.Zip(actual, (e, a) => Math.Abs(e - a) / (1 + Math.Abs(e))).Max());
                }
            }
            TestContext.WriteLine($"largest difference: probabilities {worstProbability:E2}, regression {worstRegression:E2}·(1+|y|)");
            Assert.IsTrue(worstProbability <= 1e-5, $"probabilities differ by {worstProbability:E2}");
            Assert.IsTrue(worstRegression <= 1e-5, $"regression outputs differ by {worstRegression:E2}·(1+|y|)");
        }
    }
}
