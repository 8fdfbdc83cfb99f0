using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace MLNetRiemannian.ScoringHost
{
    /// <summary>
    /// What this process has loaded, managed and native, checked against the training-only stack: TorchSharp's
    /// assemblies, the trainer assembly MLNetRiemannian, and libtorch's native libraries (libtorch*.so,
    /// libLibTorchSharp.so, libc10.so).
    /// </summary>
    internal static class LoadedLibraries
    {
        // Matched case-insensitively within a mapped file's name.
        private static readonly string[] TrainingOnlyNativeNames = { "libtorch", "LibTorchSharp", "libc10" };

        /// <summary>
        /// Prints <c>assembly=</c> for every loaded assembly (by simple name, sorted), <c>mapped-files=</c> with the
        /// number of distinct files in /proc/self/maps, and <c>forbidden=</c> for each training-only assembly or native
        /// library among them. Returns true when there is none.
        /// </summary>
        public static bool Report()
        {
            var assemblies = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name ?? "(unnamed)")
                .OrderBy(name => name, StringComparer.Ordinal).ToList();
            foreach (string name in assemblies) Console.WriteLine($"assembly={name}");
            var mapped = MappedFiles();
            Console.WriteLine($"mapped-files={mapped.Count}");
            var forbidden = assemblies.Where(IsTrainingOnlyAssembly).Concat(mapped.Where(IsTrainingOnlyNativeLibrary)).ToList();
            foreach (string item in forbidden) Console.WriteLine($"forbidden={item}");
            return forbidden.Count == 0;
        }

        // The trainer assembly is not referenced, so it can only arrive if a zip named it as loader: that zip is stale.
        private static bool IsTrainingOnlyAssembly(string name) =>
            name.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase) || name == "MLNetRiemannian";

        private static bool IsTrainingOnlyNativeLibrary(string path) =>
            TrainingOnlyNativeNames.Any(part => Path.GetFileName(path).Contains(part, StringComparison.OrdinalIgnoreCase));

        /// <summary>The distinct files mapped into this process; throws where /proc/self/maps does not exist.</summary>
        private static List<string> MappedFiles()
        {
            const string maps = "/proc/self/maps";
            if (!File.Exists(maps))
                throw new PlatformNotSupportedException($"{maps} does not exist: the native-library check needs Linux.");
            // Each line: address, permissions, offset, device, inode, then the path (which may contain spaces) if any.
            return File.ReadLines(maps)
                .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
                .Where(fields => fields.Length == 6 && fields[5].TrimStart().StartsWith('/'))
                .Select(fields => fields[5].Trim())
                .Distinct(StringComparer.Ordinal)
                .ToList();
        }
    }
}
