using System;
using System.Runtime.InteropServices;
using TorchSharp;

namespace MLNetRiemannian.Interop
{
    /// <summary>
    /// The MLNetRiemannian package depends on TorchSharp's managed bindings only and leaves the choice of libtorch (CPU
    /// for one platform or all, or a CUDA build) to the app, as Microsoft.ML.TorchSharp does. Training loads it first,
    /// so that an app without one is told which packages to add instead of meeting TorchSharp's own message.
    /// </summary>
    internal static class LibTorch
    {
        /// <summary>The libtorch version TorchSharp 0.107 is built for; its packages carry this version.</summary>
        internal const string Version = "2.10.0";

        /// <summary>Loads libtorch's CPU backend, or throws <see cref="InvalidOperationException"/> naming the packages to add.</summary>
        public static void EnsureLoaded()
        {
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception e) when (e is NotSupportedException or DllNotFoundException or TypeInitializationException)
            {
                throw new InvalidOperationException(Advice(RuntimeInformation.RuntimeIdentifier, (e.InnerException ?? e).Message), e);
            }
        }

        internal static string Advice(string runtimeIdentifier, string torchSharpMessage)
        {
            string firstLine = torchSharpMessage.Split('\n')[0].Trim();
            return $"RiemannianMlp trains with libtorch, which TorchSharp could not load ({firstLine}). The MLNetRiemannian package leaves " +
                $"the choice of libtorch to the app: add one package of version {Version}, e.g. `dotnet add package libtorch-cpu-{runtimeIdentifier} " +
                $"--version {Version}` for this platform ({runtimeIdentifier}), libtorch-cpu for every platform, or a CUDA build. If the app " +
                "already references one, the inner exception says why it did not load. Scoring a saved model needs no libtorch " +
                "(the MLNetRiemannian.Scoring package).";
        }
    }
}
