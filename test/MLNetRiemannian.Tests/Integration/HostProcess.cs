using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Tests.Reference;

namespace MLNetRiemannian.Tests.Integration
{
    /// <summary>
    /// Runs a host app (test/MLNetRiemannian.TestHost, test/MLNetRiemannian.ScoringHost) as a fresh <c>dotnet</c> process
    /// from its own bin folder, and prepares the held-out rows it scores.
    /// </summary>
    internal static class HostProcess
    {
        /// <summary>
        /// Data lines 0, 4, 8, ... of a samples/data file are held out of training; the committed models
        /// (data/models, made by the benchmarks' <c>make-models</c>) follow the same rule.
        /// </summary>
        public const int HoldOutEvery = 4;

        // A cold start of a host (runtime, ML.NET, model load, scoring) took 0.2 to 0.3 s here; this only catches a hang.
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

        /// <summary>
        /// The host's dll, recorded at build time by the test project (target RecordMLNetRiemannianTestHostPath) as
        /// <c>[AssemblyMetadata(<paramref name="key"/>, path)]</c>.
        /// </summary>
        public static string DllPath(string key)
        {
            string? path = typeof(HostProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == key)?.Value;
            Assert.IsTrue(File.Exists(path), $"{key} not built at '{path}': build MLNetRiemannian.sln or the test project first.");
            return path!;
        }

        /// <summary>Writes the header lines and the held-out data lines of the committed <paramref name="dataFile"/>, verbatim.</summary>
        public static void WriteHeldOutLines(string dataFile, int headerLines, string destination)
        {
            var lines = File.ReadAllLines(SampleData.DataPath(dataFile));
            File.WriteAllLines(destination, lines.Take(headerLines).Concat(lines.Skip(headerLines).Where((_, i) => i % HoldOutEvery == 0)));
        }

        /// <summary>The <c>key=value</c> lines a host printed, grouped by key, in order.</summary>
        public static ILookup<string, string> Printed(string stdout) =>
            stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(line => line.Split('=', 2)).Where(pair => pair.Length == 2).ToLookup(pair => pair[0], pair => pair[1]);

        /// <summary>Runs <paramref name="dll"/> with <paramref name="arguments"/>; fails the test if it does not finish in time.</summary>
        /// <param name="environment">Extra environment variables for the process (none by default).</param>
        public static (int ExitCode, string Stdout, string Stderr) Run(string dll, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
        {
            var start = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(dll);
            foreach (string argument in arguments) start.ArgumentList.Add(argument);
            foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{Path.GetFileName(dll)} did not finish within {Timeout.TotalSeconds} s.\nstdout:\n{stdout.Result}\nstderr:\n{stderr.Result}");
            }
            process.WaitForExit(); // drains the redirected streams
            return (process.ExitCode, stdout.Result, stderr.Result);
        }

        // The host that runs this test when it is a `dotnet` process, else the CLI's (DOTNET_HOST_PATH), else PATH's.
        private static string DotnetHost() =>
            Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath!
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } cli && File.Exists(cli) ? cli
            : "dotnet";
    }
}
