using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Numerics;

namespace MLNetRiemannian.Tests.Numerics
{
    /// <summary>The row kernels against sums written out in Float64, on lengths below, at and past a vector's width (tails).</summary>
    [TestClass]
    public sealed class RowKernelsTests
    {
        private static readonly int[] Lengths = { 0, 1, 7, 8, 9, 16, 17, 31, 33, 100, 257 };

        [TestMethod]
        public void DotIsTheSumOfProducts()
        {
            var random = new Random(5);
            foreach (int n in Lengths)
            {
                var a = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 2 - 1).ToArray();
                var b = Enumerable.Range(0, n + 3).Select(_ => random.NextDouble() * 2 - 1).ToArray();
                double expected = 0;
                for (int j = 0; j < n; j++) expected += a[j] * b[j];
                Assert.AreEqual(expected, RowKernels.Dot<double>(a, b), 1e-13, $"Float64, length {n}");
                float single = RowKernels.Dot<float>(a.Select(v => (float)v).ToArray(), b.Select(v => (float)v).ToArray());
                Assert.AreEqual(expected, single, 1e-5 * Math.Max(1, n), $"Float32, length {n}");
            }
        }

        [TestMethod]
        public void MultiplyAddAddsTheScaledRowAndLeavesTheRestOfTheDestination()
        {
            var random = new Random(6);
            foreach (int n in Lengths)
            {
                var x = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 2 - 1).ToArray();
                var y = Enumerable.Range(0, n + 2).Select(_ => random.NextDouble() * 2 - 1).ToArray();
                var expected = y.Select((v, j) => j < n ? v + -0.75 * x[j] : v).ToArray();
                RowKernels.MultiplyAdd<double>(x, -0.75, y);
                for (int j = 0; j < y.Length; j++) Assert.AreEqual(expected[j], y[j], 1e-15, $"length {n}, element {j}");
            }
        }

        [TestMethod]
        public void ARowLongerThanItsPartnerIsRefused()
        {
            var e = Assert.ThrowsExactly<ArgumentException>(() => RowKernels.Dot<float>(new float[9], new float[8]));
            StringAssert.Contains(e.Message, "fewer than the first's 9");
            Assert.ThrowsExactly<ArgumentException>(() => RowKernels.MultiplyAdd<float>(new float[9], 1f, new float[8]));
        }
    }
}
