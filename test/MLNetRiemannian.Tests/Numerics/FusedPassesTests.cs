using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Numerics
{
    /// <summary>The managed SIMD passes against the same arithmetic as torch operations in Float64, on odd sizes (vector tails).</summary>
    [TestClass]
    public sealed class FusedPassesTests
    {
        [TestMethod]
        public void ClearZeroesAContiguousViewOnlyAndATransposedOneThroughTorch()
        {
            using var scope = NewDisposeScope();
            var flat = full(3 * 37 + 5, float.NaN, dtype: ScalarType.Float32);
            var block = flat.narrow(0, 2, 3 * 37).view(3, 37); // a parameter buffer's view, as the gradient's
            FusedPasses.Clear(block);
            var values = flat.data<float>().ToArray();
            for (int i = 0; i < values.Length; i++)
                Assert.AreEqual(i >= 2 && i < 2 + 3 * 37, values[i] == 0f, $"element {i}: {values[i]}");

            var matrix = full(new long[] { 4, 6 }, 2.0, dtype: ScalarType.Float64);
            FusedPasses.Clear(matrix.t());
            Assert.IsTrue((matrix == 0).all().item<bool>(), "a transposed view clears its memory through zero_()");
        }

        [TestMethod]
        [DataRow(ScalarType.Float32, 37)]
        [DataRow(ScalarType.Float64, 37)]
        [DataRow(ScalarType.Float32, 1500)] // wider than the stack mask: the rented one
        public void TheReluPullbackIsTorchsProductBitForBit(ScalarType dtype, int width)
        {
            // The ReLU's pullback multiplies each factor row by its sample's 0/1 mask: the same products as torch's
            // factor * x.gt(0), so NaN and infinity in the factor stay (∞·0 is NaN), −0 appears where a negative entry meets a 0,
            // and a NaN, zero or negative input masks its column.
            using var scope = NewDisposeScope();
            var generator = new Generator(5);
            var input = randn(new long[] { 5, width }, dtype: dtype, generator: generator);
            var factor = randn(new long[] { 5, 3, width }, dtype: dtype, generator: generator);
            input[0, 0] = 0; input[1, 1] = double.NaN; input[2, 2] = -0.0; input[3, 3] = double.PositiveInfinity;
            factor[0, 0, 0] = double.NaN; factor[1, 2, 1] = double.PositiveInfinity; factor[2, 1, 5] = double.NegativeInfinity; factor[4, 0, 4] = -0.0;
            var reference = factor * input.gt(0).to_type(dtype).unsqueeze(1);
            var managed = empty_like(factor);
            FusedPasses.TimesPositiveMask(factor, input, managed);
            var expected = reference.to_type(ScalarType.Float64).data<double>().ToArray();
            var actual = managed.to_type(ScalarType.Float64).data<double>().ToArray();
            for (int i = 0; i < expected.Length; i++)
                Assert.AreEqual(BitConverter.DoubleToInt64Bits(expected[i]), BitConverter.DoubleToInt64Bits(actual[i]), $"element {i}: torch {expected[i]}, managed {actual[i]}");
            Assert.IsTrue(double.IsNaN(actual[0]), "NaN·0 stays NaN");

            // Through the module: ReLU's pullback takes the managed pass and gives torch's product.
            var relu = new MLNetRiemannian.Geometry.ReLU(width);
            var trace = new MLNetRiemannian.Geometry.ForwardTrace();
            relu.Forward(input, trace);
            var pulled = relu.Pullback(factor, trace, toInput: true)!.to_type(ScalarType.Float64).data<double>().ToArray();
            for (int i = 0; i < expected.Length; i++)
                Assert.AreEqual(BitConverter.DoubleToInt64Bits(expected[i]), BitConverter.DoubleToInt64Bits(pulled[i]), $"module, element {i}");
        }

        [TestMethod]
        [DataRow(ScalarType.Float32, 1e-5)]
        [DataRow(ScalarType.Float64, 1e-12)]
        public void SquaredSumsAreTheRowAndColumnSumsOfTheSquaredAugmentedGradient(ScalarType dtype, double tolerance)
        {
            using var scope = NewDisposeScope();
            var normal = Normal(dtype, 3);
            var (weight, bias) = (normal(7, 37), normal(7));
            var (rows, columns) = (full(7, double.NaN, dtype: dtype), full(38, double.NaN, dtype: dtype));
            FusedPasses.SquaredSums(weight, bias, rows, columns);
            var augmented = cat(new[] { weight, bias.unsqueeze(1) }, 1).to_type(ScalarType.Float64).square();
            AssertClose(augmented.sum(dim: 1), rows.to_type(ScalarType.Float64).data<double>().ToArray(), tolerance, "rows");
            AssertClose(augmented.sum(dim: 0), columns.to_type(ScalarType.Float64).data<double>().ToArray(), tolerance, "columns");
        }

        [TestMethod]
        [DataRow(ScalarType.Float32, 1e-6)]
        [DataRow(ScalarType.Float64, 1e-14)]
        public void KroneckerOfDifferenceScalesTheDifferenceByRowsAndColumns(ScalarType dtype, double tolerance)
        {
            using var scope = NewDisposeScope();
            var normal = Normal(dtype, 4);
            var (g, gb, u, ub) = (normal(5, 19), normal(5), normal(5, 19), normal(5));
            var (rho, gamma) = (normal(5).abs_() + 0.5, normal(20).abs_() + 0.5);
            var expectedWeight = (g - u).to_type(ScalarType.Float64) * rho.to_type(ScalarType.Float64).unsqueeze(1) * gamma.narrow(0, 0, 19).to_type(ScalarType.Float64);
            var expectedBias = (gb - ub).to_type(ScalarType.Float64) * rho.to_type(ScalarType.Float64) * gamma[19].to_type(ScalarType.Float64);
            FusedPasses.KroneckerOfDifference(g, gb, u, ub, rho, gamma);
            Assert.IsTrue(u.to_type(ScalarType.Float64).allclose(expectedWeight, rtol: tolerance, atol: 0), "weight");
            Assert.IsTrue(ub.to_type(ScalarType.Float64).allclose(expectedBias, rtol: tolerance, atol: 0), "bias");
        }

        [TestMethod]
        [DataRow(ScalarType.Float32)]
        [DataRow(ScalarType.Float64)]
        public void AllFiniteFindsOneNonFiniteValueAnywhere(ScalarType dtype)
        {
            using var scope = NewDisposeScope();
            var values = randn(new long[] { 2500 }, dtype: dtype, generator: new Generator(5)) * 1e30;
            Assert.IsTrue(FusedPasses.AllFinite(values), "large finite values are finite");
            foreach (long at in new long[] { 0, 1023, 1024, 2499 })
                foreach (double bad in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
                {
                    var copy = values.clone();
                    copy[at] = tensor(bad, dtype: dtype);
                    Assert.IsFalse(FusedPasses.AllFinite(copy), $"{bad} at {at}");
                }
        }

        [TestMethod]
        [DataRow(ScalarType.Float32, 1e-6)]
        [DataRow(ScalarType.Float64, 1e-14)]
        public void AverageAndStepAveragesTheDirectionThenStepsAlongTheAverage(ScalarType dtype, double tolerance)
        {
            using var scope = NewDisposeScope();
            var normal = Normal(dtype, 6);
            var (w, m, u) = (normal(5000), normal(5000), normal(5000));
            const double beta = 0.9, rate = 0.3;
            var expectedAverage = m.to_type(ScalarType.Float64) * beta + u.to_type(ScalarType.Float64) * (1 - beta);
            var expectedWeight = w.to_type(ScalarType.Float64) - expectedAverage * rate;
            FusedPasses.AverageAndStep(w, m, u, beta, rate);
            Assert.IsTrue(m.to_type(ScalarType.Float64).allclose(expectedAverage, rtol: tolerance, atol: tolerance), "average");
            Assert.IsTrue(w.to_type(ScalarType.Float64).allclose(expectedWeight, rtol: tolerance, atol: tolerance), "parameter");
        }

        [TestMethod]
        public void OnlyContiguousCpuTensorsOfOneFloatingTypeApply()
        {
            using var scope = NewDisposeScope();
            var a = zeros(3, 4);
            Assert.IsTrue(FusedPasses.Applies(a, zeros(4)));
            Assert.IsFalse(FusedPasses.Applies(a.t()), "transposed");
            Assert.IsFalse(FusedPasses.Applies(a, zeros(4, dtype: ScalarType.Float64)), "mixed types");
            Assert.IsFalse(FusedPasses.Applies(zeros(4, dtype: ScalarType.Int32)), "integers");
        }

        /// <summary>Standard normal tensors of <paramref name="dtype"/> of a given shape, from one seeded generator.</summary>
        private delegate Tensor Draw(params long[] shape);

        private static Draw Normal(ScalarType dtype, ulong seed)
        {
            var generator = new Generator(seed);
            return shape => randn(shape, dtype: dtype, generator: generator);
        }

        private static void AssertClose(Tensor expected, double[] actual, double tolerance, string what)
        {
            var e = expected.data<double>().ToArray();
            Assert.AreEqual(e.Length, actual.Length, what);
            for (int i = 0; i < e.Length; i++)
                Assert.AreEqual(e[i], actual[i], tolerance * Math.Max(1, Math.Abs(e[i])), $"{what}[{i}]");
        }
    }
}
