using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MLNetRiemannian.Interop
{
    /// <summary>
    /// Bounds how long libtorch's OpenMP threads spin before they sleep. By default libgomp spins for about 300,000
    /// iterations between parallel regions; when another process wants the same cores (a test runner, a web server,
    /// a second training) the spinning threads and the real work take turns and a fit slows down by one to two orders
    /// of magnitude (measured on 2 cores beside two busy processes: a digits fit took 40 s instead of 3 s). Spinning
    /// 1,000 iterations keeps that case at 3 s and costs little when the machine is idle (a 784-256-10 step at batch
    /// 32: 1.8 ms against 1.6 ms; a passive policy, which never spins, costs 3.7 ms).
    /// </summary>
    /// <remarks>
    /// libgomp reads its environment once, when libtorch loads, and .NET's
    /// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach the native environment, so this
    /// sets <c>GOMP_SPINCOUNT</c> with libc's <c>setenv</c> as soon as this assembly loads, before any tensor exists.
    /// Nothing is changed when the user set <c>GOMP_SPINCOUNT</c> or <c>OMP_WAIT_POLICY</c>.
    /// </remarks>
    internal static class OpenMpSpinning
    {
        internal const string SpinCount = "1000";

        [ModuleInitializer]
        [SuppressMessage("Usage", "CA2255", Justification = "Must run before libtorch is loaded, which the first tensor does.")]
        internal static void BoundSpinningUnlessChosen()
        {
            if (!OperatingSystem.IsLinux()
                || Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is not null
                || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null) return;
            try
            {
                setenv("GOMP_SPINCOUNT", SpinCount, 0);
            }
            catch (DllNotFoundException) { }
            catch (EntryPointNotFoundException) { }
        }

        /// <summary>The spin count libtorch's OpenMP runtime sees (for tests and diagnostics).</summary>
        internal static string? Current => Marshal.PtrToStringAnsi(getenv("GOMP_SPINCOUNT"));

        [DllImport("libc", EntryPoint = "setenv")]
        private static extern int setenv(string name, string value, int overwrite);

        [DllImport("libc", EntryPoint = "getenv")]
        private static extern IntPtr getenv(string name);
    }
}
