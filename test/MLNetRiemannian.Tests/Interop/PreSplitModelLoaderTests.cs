using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Model;
using MLNetRiemannian.Tests.Integration;
using MLNetRiemannian.Tests.Reference;

namespace MLNetRiemannian.Tests.Interop
{
    /// <summary>
    /// src/MLNetRiemannian/Interop/PreSplitModelLoader.cs: data/models/digits-pre-split.zip was saved before the scoring
    /// code had an assembly of its own (loader assembly MLNetRiemannian, loader signature "RiemannianMlpModel"). Where
    /// the trainer is referenced it must still load, alone or beside a zip saved since, in either order in one MLContext
    /// (ML.NET throws if two registered assemblies claim one loader name).
    /// </summary>
    [TestClass]
    public sealed class PreSplitModelLoaderTests
    {
        private const string PreSplit = "digits-pre-split.zip";
        private const string Split = "digits.zip";

        [TestMethod]
        public void PreSplitZipLoadsItsNetworkAndScores()
        {
            var ml = new MLContext(seed: 1);
            var model = ml.Model.Load(ModelPath(PreSplit), out _);

            var network = ((IEnumerable<ITransformer>)model).OfType<ISingleFeaturePredictionTransformer<RiemannianMlpModelParameters>>().Single().Model;
            CollectionAssert.AreEqual(new[] { 64, 16, 10 }, network.LayerSizes.ToArray(), "the saved 64-16-10 network");
            AssertHeldOutAccuracy(ml, model, PreSplit);
        }

        [TestMethod]
        [DataRow(PreSplit, Split)]
        [DataRow(Split, PreSplit)]
        public void ZipsOfBothKindsLoadIntoOneMLContext(string first, string second)
        {
            var ml = new MLContext(seed: 1);
            foreach (string zip in new[] { first, second })
                AssertHeldOutAccuracy(ml, ml.Model.Load(ModelPath(zip), out _), zip);
        }

        private static string ModelPath(string zip) => Path.Combine(AppContext.BaseDirectory, "data", "models", zip);

        // Both zips were trained on the other rows (test/MLNetRiemannian.Benchmarks make-models); issue 3's floor.
        private static void AssertHeldOutAccuracy(MLContext ml, ITransformer model, string zip)
        {
            var rows = ml.Data.CreateEnumerable<SampleData.DigitRow>(SampleData.Digits(ml), reuseRowObject: false)
                .Where((_, i) => i % HostProcess.HoldOutEvery == 0).ToList();
            double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(rows))).MicroAccuracy;
            Assert.IsTrue(accuracy >= 0.95, $"{zip}: held-out micro-accuracy {accuracy:F4} < 0.95");
        }
    }
}
