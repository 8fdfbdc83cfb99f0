using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;

namespace MLNetRiemannian.Tests.Model
{
    /// <summary>The managed forward pass against a double-precision reference and known values.</summary>
    [TestClass]
    public sealed class ManagedMlpTests
    {
        // Float32 arithmetic on widths ≤ 7 with unit-scale values: a few float ulps, far below this.
        private const double RelativeTolerance = 1e-6;

        [TestMethod]
        public void ForwardMatchesADoublePrecisionReferenceForEveryActivation()
        {
            foreach (var activation in Enum.GetValues<ActivationKind>())
            {
                // Two hidden layers of different widths exercise both scratch halves and a width change.
                var (sizes, weights, biases) = ModelFixtures.RandomNetwork(3, seed: 5, 7, 6);
                var network = new ManagedMlp(sizes, weights, biases, activation);
                var scratch = new float[network.ScratchSize];
                var output = new float[3];
                var random = new Random(9);
                for (int row = 0; row < 50; row++)
                {
                    var input = Enumerable.Range(0, sizes[0]).Select(_ => (float)(4 * random.NextDouble() - 2)).ToArray();
                    network.Forward(input, output, scratch);
                    var expected = ModelFixtures.ReferenceForward(sizes, weights, biases, activation, input);
                    double error = Math.Sqrt(expected.Zip(output, (e, a) => (e - a) * (e - a)).Sum()) / Math.Sqrt(expected.Sum(e => e * e));
                    Assert.IsTrue(error <= RelativeTolerance, $"{activation}, row {row}: relative error {error:E2}");
                }
            }
        }

        [TestMethod]
        public void ASparseRowScoresAsItsDenseCopyWithoutAllocating()
        {
            foreach (var hidden in new[] { Array.Empty<int>(), new[] { 7 }, new[] { 7, 6 } })
            foreach (var activation in Enum.GetValues<ActivationKind>())
            {
                var (sizes, weights, biases) = ModelFixtures.RandomNetwork(3, seed: 11, hidden.Length == 0 ? new[] { 3 } : hidden);
                if (hidden.Length == 0) (sizes, weights, biases) = (new[] { sizes[0], 3 }, new[] { weights[0] }, new[] { biases[0] }); // one affine layer
                var network = new ManagedMlp(sizes, weights, biases, activation);
                var scratch = new float[network.ScratchSize];
                float[] sparseOutput = new float[3], denseOutput = new float[3];
                var random = new Random(13);
                for (int row = 0; row < 50; row++)
                {
                    // Sorted distinct slots, some rows with none at all.
                    var indices = Enumerable.Range(0, sizes[0]).Where(_ => random.NextDouble() < 0.3).ToArray();
                    var values = indices.Select(_ => (float)(4 * random.NextDouble() - 2)).ToArray();
                    var dense = new float[sizes[0]];
                    for (int j = 0; j < indices.Length; j++) dense[indices[j]] = values[j];
                    network.Forward(dense, denseOutput, scratch);
                    network.ForwardSparse(indices, values, sparseOutput, scratch);
                    var expected = ModelFixtures.ReferenceForward(sizes, weights, biases, activation, dense);
                    double scale = Math.Sqrt(expected.Sum(e => e * e));
                    double error = Math.Sqrt(expected.Zip(sparseOutput, (e, a) => (e - a) * (e - a)).Sum()) / scale;
                    double gap = Math.Sqrt(denseOutput.Zip(sparseOutput, (d, a) => (double)(d - a) * (d - a)).Sum()) / scale;
                    Assert.IsTrue(error <= RelativeTolerance, $"{activation}, {hidden.Length} hidden, row {row}: relative error {error:E2} against the reference");
                    Assert.IsTrue(gap <= RelativeTolerance, $"{activation}, {hidden.Length} hidden, row {row}: sparse and dense differ by {gap:E2}");
                }
                int[] someIndices = { 0, 2 };
                float[] someValues = { 1, -1 };
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 100; i++) network.ForwardSparse(someIndices, someValues, sparseOutput, scratch);
                Assert.AreEqual(before, GC.GetAllocatedBytesForCurrentThread(), "no allocation per sparse row");
            }
        }

        [TestMethod]
        public void AOneLayerNetworkIsAffine()
        {
            var weights = new[] { new float[] { 1, 2, 3, 4, 5, 6 } };
            var biases = new[] { new float[] { 0.5f, -1 } };
            var network = new ManagedMlp(new[] { 3, 2 }, weights, biases, ActivationKind.ReLU);
            var output = new float[2];
            network.Forward(new float[] { 1, -1, 2 }, output, new float[network.ScratchSize]);
            CollectionAssert.AreEqual(new float[] { 1 - 2 + 6 + 0.5f, 4 - 5 + 12 - 1 }, output);
        }

        [TestMethod]
        public void ErfMatchesKnownValues()
        {
            // erf and erfc to 16 digits (CPython's math.erf / math.erfc, which are correctly rounded to within an ulp).
            var erf = new (double X, double Value)[]
            {
                (0, 0), (1e-10, 1.1283791670955126e-10), (0.1, 0.1124629160182849), (0.46875, 0.49261347321793797),
                (0.5, 0.5204998778130465), (1, 0.8427007929497149), (2, 0.9953222650189527), (3.5, 0.9999992569016276),
                (-1, -0.8427007929497149),
            };
            foreach (var (x, value) in erf)
                Assert.AreEqual(value, ErrorFunction.Erf(x), 1e-15 * Math.Max(1, Math.Abs(value)), $"erf({x})");
            var erfc = new (double X, double Value)[]
            {
                (3, 2.2090496998585438e-05), (5, 1.5374597944280351e-12), (10, 2.088487583762545e-45), (-1, 1.842700792949715), (30, 0),
            };
            foreach (var (x, value) in erfc)
                Assert.AreEqual(value, ErrorFunction.Erfc(x), 1e-14 * Math.Abs(value), $"erfc({x})");
        }

        [TestMethod]
        public void ErfMatchesItsSeriesAcrossTheRegions()
        {
            for (double x = -6; x <= 6; x += 0.0625 + 1e-3)
            {
                double expected = ModelFixtures.SeriesErf(x);
                Assert.AreEqual(expected, ErrorFunction.Erf(x), 1e-14, $"erf({x})");
            }
        }

        [TestMethod]
        public void GeluMatchesKnownValues()
        {
            // x·Φ(x) with Φ(1) = 0.8413447460685429, Φ(2) = 0.9772498680518208, Φ(−3) = 0.0013498980316300946.
            var cases = new (float X, double Gelu)[] { (1, 0.8413447460685429), (-1, -0.15865525393145707), (2, 1.9544997361036416), (-3, -0.004049694094890287), (0, 0) };
            var network = new ManagedMlp(new[] { 1, 1, 1 }, new[] { new float[] { 1 }, new float[] { 1 } }, new[] { new float[] { 0 }, new float[] { 0 } }, ActivationKind.Gelu);
            var output = new float[1];
            foreach (var (x, gelu) in cases)
            {
                network.Forward(new[] { x }, output, new float[network.ScratchSize]);
                Assert.AreEqual(gelu, output[0], 1e-7 * Math.Max(1, Math.Abs(gelu)), $"gelu({x})");
            }
        }

        [TestMethod]
        public void LeakyReluSlopeIsTheTrainingSlope()
        {
            // torch applies the slope in the tensor's precision, float32 here.
            double trained = LeakyReLU.NegativeSlope;
            float scoring = ManagedMlp.LeakyReluSlope;
            Assert.IsTrue((float)trained == scoring, $"training slope {trained}, scoring slope {scoring}");
        }

        [TestMethod]
        public void ConcurrentCallersWithTheirOwnScratchGetTheSameResults()
        {
            var (sizes, weights, biases) = ModelFixtures.RandomNetwork(3, seed: 2, 64, 32);
            var network = new ManagedMlp(sizes, weights, biases, ActivationKind.Gelu);
            var inputs = Enumerable.Range(0, 200).Select(i => Enumerable.Range(0, sizes[0]).Select(j => (float)Math.Sin(i * 7 + j)).ToArray()).ToArray();
            var sequential = inputs.Select(x => { var o = new float[3]; network.Forward(x, o, new float[network.ScratchSize]); return o; }).ToArray();
            var parallel = new float[inputs.Length][];
            System.Threading.Tasks.Parallel.For(0, 8, worker =>
            {
                var scratch = new float[network.ScratchSize];
                for (int i = worker; i < inputs.Length; i += 8)
                {
                    parallel[i] = new float[3];
                    network.Forward(inputs[i], parallel[i], scratch);
                }
            });
            for (int i = 0; i < inputs.Length; i++) CollectionAssert.AreEqual(sequential[i], parallel[i], $"row {i}");
        }
    }
}
