using System;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Interop;

namespace MLNetRiemannian.Tests.Interop
{
    [TestClass]
    public sealed class OpenMpWaitPolicyTests
    {
        [TestMethod]
        public void LibtorchSeesAPassiveWaitPolicyUnlessTheUserChoseOne()
        {
            _ = TorchSharp.torch.ones(1); // libtorch (and its OpenMP runtime) is loaded by now
            string? chosen = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
            Assert.AreEqual(chosen ?? "PASSIVE", OpenMpWaitPolicy.Current);
        }
    }
}
