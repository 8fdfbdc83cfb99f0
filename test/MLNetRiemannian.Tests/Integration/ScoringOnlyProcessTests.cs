using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace MLNetRiemannian.Tests.Integration
{
    /// <summary>
    /// Issue 8's scoring-only app: each committed model zip (data/models, saved by the trainer since the split, so it
    /// names MLNetRiemannian.Scoring as its loader) is scored in a fresh process of test/MLNetRiemannian.ScoringHost,
    /// which references MLNetRiemannian.Scoring alone. The held-out rows must clear issue 3's floors, and neither the
    /// host's own check nor its printed assembly list may show TorchSharp, the trainer assembly or libtorch.
    /// </summary>
    [TestClass]
    public sealed class ScoringOnlyProcessTests
    {
        private const string HostKey = "MLNetRiemannianScoringHost";

        public TestContext TestContext { get; set; } = null!;

        [TestMethod]
        [DataRow("digits", "digits.csv", 0, 0.95, DisplayName = "digits (multiclass): micro-accuracy >= 0.95")]
        [DataRow("cancer", "breast_cancer.csv", 1, 0.95, DisplayName = "breast cancer (binary): accuracy >= 0.95")]
        [DataRow("boston", "boston_house_prices.csv", 2, 0.5, DisplayName = "Boston housing (regression): R² >= 0.5")]
        public void CommittedModelScoresWithoutTorchSharpOrLibtorch(string task, string dataFile, int headerLines, double floor)
        {
            var printed = RunHost(task, dataFile, headerLines, environment: null, expectedExitCode: 0);

            double metric = double.Parse(printed["metric"].Single(), CultureInfo.InvariantCulture);
            Assert.IsTrue(metric >= floor, $"held-out metric {metric:F4} < {floor}");
            var assemblies = printed["assembly"].ToList();
            CollectionAssert.Contains(assemblies, "MLNetRiemannian.Scoring", "the loader assembly the zip names");
            CollectionAssert.Contains(assemblies, "Microsoft.ML.Data", "the printed list is the process's assemblies");
            CollectionAssert.DoesNotContain(assemblies, "MLNetRiemannian", "the trainer assembly");
            var torchSharp = assemblies.Where(name => name.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.AreEqual(0, torchSharp.Count, $"TorchSharp assemblies loaded: {string.Join(", ", torchSharp)}");
            Assert.IsTrue(int.Parse(printed["mapped-files"].Single(), CultureInfo.InvariantCulture) > 0, "the host read /proc/self/maps");
            Assert.IsFalse(printed["forbidden"].Any(), $"training-only libraries loaded: {string.Join(", ", printed["forbidden"])}");
        }

        /// <summary>
        /// The check above is only worth something if it can fail: preload libc10.so (libtorch's core library, which this
        /// test project's output holds because it references the trainer) into the host and expect it reported.
        /// </summary>
        [TestMethod]
        public void HostReportsAPreloadedLibtorchLibrary()
        {
            string? libc10 = Directory.EnumerateFiles(AppContext.BaseDirectory, "libc10.so", SearchOption.AllDirectories).FirstOrDefault();
            Assert.IsNotNull(libc10, $"libc10.so is not in {AppContext.BaseDirectory}");

            var printed = RunHost("boston", "boston_house_prices.csv", headerLines: 2,
                new Dictionary<string, string> { ["LD_PRELOAD"] = libc10 }, expectedExitCode: 3);

            Assert.IsTrue(printed["forbidden"].Any(path => Path.GetFileName(path) == "libc10.so"),
                $"forbidden: {string.Join(", ", printed["forbidden"])}");
        }

        [TestMethod]
        public void HostOutputFolderHoldsNoTorchSharpOrLibtorch()
        {
            string folder = Path.GetDirectoryName(HostProcess.DllPath(HostKey))!;
            var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(Path.GetFileName).OfType<string>().ToList();

            CollectionAssert.Contains(files, "MLNetRiemannian.Scoring.dll");
            var trainingOnly = files.Where(name => name.StartsWith("libtorch", StringComparison.Ordinal) || name.StartsWith("libc10", StringComparison.Ordinal)
                || name.Contains("TorchSharp", StringComparison.Ordinal) || name == "MLNetRiemannian.dll").ToList();
            Assert.AreEqual(0, trainingOnly.Count, $"training-only files in {folder}: {string.Join(", ", trainingOnly)}");
        }

        /// <summary>Scores the held-out rows of <paramref name="dataFile"/> with the committed model for <paramref name="task"/>.</summary>
        private ILookup<string, string> RunHost(string task, string dataFile, int headerLines, IReadOnlyDictionary<string, string>? environment, int expectedExitCode)
        {
            var directory = Directory.CreateTempSubdirectory("mlnetriemannian-scoring-only-");
            try
            {
                string data = Path.Combine(directory.FullName, dataFile);
                HostProcess.WriteHeldOutLines(dataFile, headerLines, data);
                string zip = Path.Combine(AppContext.BaseDirectory, "data", "models", task + ".zip");
                var (exitCode, stdout, stderr) = HostProcess.Run(HostProcess.DllPath(HostKey), environment, "score", zip, task, data);
                TestContext.WriteLine($"ScoringHost {task}: exit {exitCode}\n{stdout}{stderr}");
                Assert.AreEqual(expectedExitCode, exitCode, $"ScoringHost exit code.\nstdout:\n{stdout}\nstderr:\n{stderr}");
                return HostProcess.Printed(stdout);
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        }
    }
}
