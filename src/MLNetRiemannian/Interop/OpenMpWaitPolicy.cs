using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MLNetRiemannian.Interop
{
    /// <summary>
    /// libtorch's OpenMP threads spin while they wait for work. When another process wants the same cores (a test
    /// runner, a web server, a second training), the spinning threads and the real work take turns and a fit slows
    /// down by one to two orders of magnitude (measured: a digits fit, 2.3 s alone, took 90 s beside a build on two
    /// cores). A passive wait policy costs little on the millisecond-scale GEMMs of a step and removes that cliff.
    /// </summary>
    /// <remarks>
    /// libgomp reads <c>OMP_WAIT_POLICY</c> once, when libtorch loads, and .NET's
    /// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach the native environment, so this
    /// sets it with libc's <c>setenv</c> as soon as this assembly loads, before any tensor exists. A value the user set
    /// is left alone.
    /// </remarks>
    internal static class OpenMpWaitPolicy
    {
        [ModuleInitializer]
        [SuppressMessage("Usage", "CA2255", Justification = "Must run before libtorch is loaded, which the first tensor does.")]
        internal static void SetPassiveUnlessChosen()
        {
            if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null) return;
            try
            {
                setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
            }
            catch (DllNotFoundException) { }
            catch (EntryPointNotFoundException) { }
        }

        /// <summary>The policy libtorch will see (for tests and diagnostics).</summary>
        internal static string? Current => Marshal.PtrToStringAnsi(getenv("OMP_WAIT_POLICY"));

        [DllImport("libc", EntryPoint = "setenv")]
        private static extern int setenv(string name, string value, int overwrite);

        [DllImport("libc", EntryPoint = "getenv")]
        private static extern IntPtr getenv(string name);
    }
}
