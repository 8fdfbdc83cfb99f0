using Microsoft.VisualStudio.TestTools.UnitTesting;
[assembly: Parallelize(Workers = 1, Scope = ExecutionScope.ClassLevel)]
namespace MLNetRiemannian.Tests
{
    [TestClass]
    public sealed class SmokeTests
    {
        [TestMethod]
        public void TorchLoads() => Assert.AreEqual(3.0f, TorchSharp.torch.ones(3).sum().item<float>());
    }
}
