using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Data;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Data
{
    /// <summary>src/MLNetRiemannian/Data/HoldOut.cs: a stratified hold-out order, counted by hand.</summary>
    [TestClass]
    public sealed class HoldOutTests
    {
        [TestMethod]
        public void EveryPrefixHoldsEachClassInItsShareWithinOneRow()
        {
            using var scope = NewDisposeScope();
            // 1,000 rows of three classes, 70 % / 25 % / 5 %, in a shuffled order.
            var raw = Enumerable.Range(0, 1000).Select(i => i < 700 ? 0L : i < 950 ? 1L : 2L).ToArray();
            var labels = tensor(raw).index_select(0, randperm(1000, generator: new Generator(5)));
            var order = HoldOut.Order(1000, labels, new Generator(1)).data<long>().ToArray();

            CollectionAssert.AreEquivalent(Enumerable.Range(0, 1000).Select(i => (long)i).ToArray(), order, "a permutation");
            var label = labels.data<long>().ToArray();
            int[] sizes = { 700, 250, 50 };
            foreach (int held in new[] { 1, 37, 100, 200, 500, 999 })
                for (int c = 0; c < 3; c++)
                {
                    int inPrefix = order.Take(held).Count(i => label[i] == c);
                    Assert.IsTrue(Math.Abs(inPrefix - held * sizes[c] / 1000.0) <= 1.0, $"class {c}: {inPrefix} of the first {held} rows");
                }
        }

        [TestMethod]
        public void TheSameGeneratorGivesTheSameOrderAndAnotherSeedAnother()
        {
            using var scope = NewDisposeScope();
            var labels = tensor(Enumerable.Range(0, 300).Select(i => (float)(i % 2)).ToArray()); // binary labels as Float32 0/1
            var a = HoldOut.Order(300, labels, new Generator(3)).data<long>().ToArray();
            var b = HoldOut.Order(300, labels, new Generator(3)).data<long>().ToArray();
            var c = HoldOut.Order(300, labels, new Generator(4)).data<long>().ToArray();
            CollectionAssert.AreEqual(a, b);
            CollectionAssert.AreNotEqual(a, c);
            Assert.AreEqual(30, a.Take(60).Count(i => i % 2 == 0), "binary: half of 60");
        }

        [TestMethod]
        public void RegressionIsARandomPermutation()
        {
            using var scope = NewDisposeScope();
            var order = HoldOut.Order(50, null, new Generator(2)).data<long>().ToArray();
            CollectionAssert.AreEquivalent(Enumerable.Range(0, 50).Select(i => (long)i).ToArray(), order);
            CollectionAssert.AreEqual(randperm(50, generator: new Generator(2)).data<long>().ToArray(), order);
        }
    }
}
