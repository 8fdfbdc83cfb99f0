using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Optimization;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Optimization
{
    /// <summary>The flat per-fit buffer: blocks in the network's order, views that are the flat buffer's own memory.</summary>
    [TestClass]
    public sealed class ParameterBufferTests
    {
        [TestMethod]
        public void BlocksFollowEachOtherAndViewsWriteTheFlatBuffer()
        {
            using var scope = NewDisposeScope();
            var generator = new Generator(1);
            var atoms = new[] { new Dense(3, 4, generator: generator), new Dense(4, 2, generator: generator) };
            var layout = ParameterLayout.Of(atoms);
            CollectionAssert.AreEqual(new long[] { 0, 12, 16, 24 }, layout.Blocks.Select(b => b.Offset).ToArray());
            Assert.AreEqual(26, layout.Length);
            using var buffer = new ParameterBuffer(layout, ScalarType.Float32);
            var (weight, bias) = buffer.Of(atoms[1]);
            CollectionAssert.AreEqual(new long[] { 2, 4 }, weight.shape);
            // A GEMM into the view (β = 0, as the step computes its gradient) lands in the flat buffer at the block's place.
            var p = ones(5, 2);
            var x = arange(20, dtype: ScalarType.Float32).view(5, 4);
            weight.addmm_(p.t(), x, beta: 0, alpha: 1);
            bias.fill_(7);
            Assert.IsTrue(buffer.Flat.narrow(0, 16, 8).view(2, 4).equal(p.t().mm(x)).all().item<bool>());
            Assert.IsTrue(buffer.Flat.narrow(0, 24, 2).eq(7).all().item<bool>());
            Assert.AreEqual(0, buffer.Flat.narrow(0, 0, 16).abs().sum().item<float>(), "the other blocks are untouched");
        }
    }
}
