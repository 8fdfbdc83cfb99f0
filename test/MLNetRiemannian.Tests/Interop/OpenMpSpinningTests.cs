using System;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Interop;

namespace MLNetRiemannian.Tests.Interop
{
    [TestClass]
    public sealed class OpenMpSpinningTests
    {
        [TestMethod]
        public void LibtorchSeesABoundedSpinCountUnlessTheUserChoseOne()
        {
            _ = TorchSharp.torch.ones(1); // libtorch (and its OpenMP runtime) is loaded by now
            string? chosen = Environment.GetEnvironmentVariable("GOMP_SPINCOUNT");
            bool policyChosen = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null;
            Assert.AreEqual(chosen ?? (policyChosen ? null : OpenMpSpinning.SpinCount), OpenMpSpinning.Current);
        }
    }
}
