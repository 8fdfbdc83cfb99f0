using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Interop;

namespace MLNetRiemannian.Tests.Interop
{
    /// <summary>
    /// src/MLNetRiemannian/Interop/LibTorch.cs: the package leaves libtorch to the app, so a Fit without one must name the
    /// packages to add. (build/check-packages.sh runs a real app without libtorch and checks its first Fit says this.)
    /// </summary>
    [TestClass]
    public sealed class LibTorchTests
    {
        [TestMethod]
        public void TheAdviceNamesThePlatformsPackageTheVersionAndTheAlternatives()
        {
            string advice = LibTorch.Advice("linux-x64",
                "This application or script uses TorchSharp but doesn't contain a reference to libtorch-cpu-linux-x64, Version=2.10.0.0.\n\nConsider ...");
            StringAssert.Contains(advice, "dotnet add package libtorch-cpu-linux-x64 --version 2.10.0");
            StringAssert.Contains(advice, "libtorch-cpu for every platform");
            StringAssert.Contains(advice, "CUDA");
            StringAssert.Contains(advice, "doesn't contain a reference to libtorch-cpu-linux-x64", "TorchSharp's first line is kept");
            Assert.IsFalse(advice.Contains("Consider"), "only TorchSharp's first line");
            StringAssert.Contains(LibTorch.Advice("win-x64", "x"), "libtorch-cpu-win-x64");
        }

        [TestMethod]
        public void LibTorchLoadsHere()
        {
            LibTorch.EnsureLoaded(); // the tests reference TorchSharp-cpu: no exception
        }
    }
}
