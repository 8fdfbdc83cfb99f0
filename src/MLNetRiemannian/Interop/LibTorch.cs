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
    /// <remarks>
    /// Loading libtorch takes 0.2–0.3 s of a fresh process (its shared libraries and TorchSharp's probing), about a
    /// quarter of a small table's whole fit. A trainer therefore starts the load on a thread-pool thread when it is
    /// created (<see cref="BeginLoading"/>), so that it overlaps the work a pipeline does before the trainer's fit (the
    /// featurizers' fits, reading the rows); <see cref="EnsureLoaded"/> waits for it. The load happens once per process,
    /// whichever thread asks first; a failure is kept and reported by <see cref="EnsureLoaded"/> on the fit's thread.
    /// </remarks>
    internal static class LibTorch
    {
        /// <summary>The libtorch version TorchSharp 0.107 is built for; its packages carry this version.</summary>
        internal const string Version = "2.10.0";

        /// <summary>libtorch's CPU library, as a P/Invoke names it (the platform's prefix and suffix are added when probing).</summary>
        internal const string CpuLibrary = "torch_cpu";

        // The one load of the process: null when libtorch loaded, else what TorchSharp threw. Kept as a value rather
        // than as a faulted task, so that a trainer created and never fitted leaves no unobserved exception behind.
        private static readonly Lazy<System.Threading.Tasks.Task<Exception?>> Load =
            new(() => System.Threading.Tasks.Task.Run(TryLoad), System.Threading.LazyThreadSafetyMode.ExecutionAndPublication);

        /// <summary>Starts loading libtorch's CPU backend on a thread-pool thread, unless that has begun; returns at once.</summary>
        public static void BeginLoading() => _ = Load.Value;

        /// <summary>Loads libtorch's CPU backend (or waits for the load <see cref="BeginLoading"/> started), or throws
        /// <see cref="InvalidOperationException"/> naming the packages to add.</summary>
        public static void EnsureLoaded()
        {
            var failure = Load.Value.GetAwaiter().GetResult();
            if (failure is not null)
                throw new InvalidOperationException(Advice(RuntimeInformation.RuntimeIdentifier, (failure.InnerException ?? failure).Message), failure);
        }

        private static Exception? TryLoad()
        {
            // Asked first, as a P/Invoke would find it: among the app's own native libraries (its libtorch package's),
            // then on the system's library path. Without this question TorchSharp falls back to copying a libtorch it
            // finds in the NuGet package cache (about 480 MB for linux-x64) into the app's folder, which then fails to
            // load on Debian 12 (libstdc++ too old for it) before the advice below is given.
            if (!NativeLibrary.TryLoad(CpuLibrary, typeof(torch).Assembly, null, out _))
                return new DllNotFoundException($"no '{CpuLibrary}' library among the app's native libraries or on the system's library path");
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
                return null;
            }
            catch (Exception e) when (e is NotSupportedException or DllNotFoundException or TypeInitializationException)
            {
                return e;
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
