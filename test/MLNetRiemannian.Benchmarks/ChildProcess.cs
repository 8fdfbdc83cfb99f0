using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using MLNetRiemannian.Interop;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// This benchmark program started again with a hidden child command, so that a child's memory and timings are those
    /// of a process doing one job from its start (<c>compare</c>, <c>scoring</c> and <c>tables</c> run every trainer so).
    /// </summary>
    internal static class ChildProcess
    {
        /// <summary>
        /// How to start this program with <paramref name="arguments"/>: under <c>dotnet MLNetRiemannian.Benchmarks.dll</c> the
        /// host is dotnet itself and the dll comes first; under the apphost it is this program. Unless the caller chose
        /// how OpenMP threads wait, the child gets the bound MLNetRiemannian sets for libtorch (<see cref="OpenMpWaiting"/>).
        /// </summary>
        public static ProcessStartInfo StartInfo(IEnumerable<string> arguments, bool redirectOutput)
        {
            string host = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown.");
            var start = new ProcessStartInfo(host) { RedirectStandardOutput = redirectOutput, RedirectStandardError = redirectOutput, UseShellExecute = false };
            if (!CallerChoseOpenMpWaiting) start.Environment["GOMP_SPINCOUNT"] = OpenMpSpinning.SpinCount;
            if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
            foreach (string argument in arguments) start.ArgumentList.Add(argument);
            return start;
        }

        /// <summary>
        /// The OpenMP environment the children run with, for the reports. If the caller did not set how OpenMP threads wait,
        /// every child gets <c>GOMP_SPINCOUNT</c> = the bound MLNetRiemannian sets for libtorch (<see cref="OpenMpSpinning"/>), so
        /// that LightGBM's libgomp threads, in a child that never loads MLNetRiemannian, wait alike. With libgomp's default
        /// spinning, the same LightGbm fit on the digits once took 37 s and 0.85 s the run after, on a shared 2-core machine.
        /// </summary>
        public static string OpenMpWaiting => CallerChoseOpenMpWaiting
            ? $"GOMP_SPINCOUNT={Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") ?? "unset"}, OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "unset"} (the caller's)"
            : $"GOMP_SPINCOUNT={OpenMpSpinning.SpinCount}";

        private static bool CallerChoseOpenMpWaiting =>
            Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is not null || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null;
    }
}
