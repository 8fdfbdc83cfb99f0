using System.Diagnostics;
using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Tests.Reference;
using TorchSharp;

namespace MLNetRiemannian.Tests.Trainers
{
    [TestClass]
    public sealed class RepeatedFitMemoryTests
    {
        public TestContext TestContext { get; set; } = null!;

        [TestMethod]
        public void RepeatedFitsInOneProcessLeaveNoTensorsAndNoGrowingMemory()
        {
            var ml = new MLContext(1);
            var data = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.Concatenate("Features", "Pixels"))
                .Append(ml.Transforms.NormalizeMinMax("Features")).Fit(SampleData.Digits(ml)).Transform(SampleData.Digits(ml));
            var trainer = ml.MulticlassClassification.Trainers.RiemannianMlp(hiddenLayerSizes: new[] { 128 }, numberOfEpochs: 2);
            trainer.Fit(data); // warm-up: libraries, JIT, allocator arenas
            long liveBefore = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            long residentAfterSecond = 0;
            for (int fit = 2; fit <= 6; fit++)
            {
                trainer.Fit(data);
                if (fit == 2) residentAfterSecond = Resident();
            }
            long growth = Resident() - residentAfterSecond;
            TestContext.WriteLine($"resident memory after fit 2: {residentAfterSecond >> 20} MB, after fit 6: {(residentAfterSecond + growth) >> 20} MB");
            Assert.AreEqual(liveBefore, DisposeScopeManager.Statistics.ThreadTotalLiveCount, "a Fit left live tensors behind");
            Assert.IsTrue(growth < 48 << 20, $"resident memory grew by {growth >> 20} MB over four more fits");
        }

        private static long Resident()
        {
            using var process = Process.GetCurrentProcess();
            return process.WorkingSet64;
        }
    }
}
