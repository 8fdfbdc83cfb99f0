using System;
using System.Reflection;
using Microsoft.ML;

namespace MLNetRiemannian.Interop
{
    /// <summary>
    /// The library binds to Microsoft.ML internals (see MLNetInternals.cs), which change between versions without
    /// notice. This guard fails fast, with a message, when another Microsoft.ML than the one compiled against is
    /// loaded. ML.NET keeps its assembly version at 1.0.0.0 in every release, so the package version is read from
    /// the informational version ("5.0.1+commit").
    /// </summary>
    internal static class MLNetVersionGuard
    {
        /// <summary>The exact Microsoft.ML package version this build was compiled and tested against.</summary>
        internal const string Expected = "5.0.1";
        private static volatile bool _checked;

        /// <summary>Throws <see cref="NotSupportedException"/> unless the loaded Microsoft.ML is the expected one.</summary>
        public static void EnsureSupported()
        {
            if (_checked) return;
            var assembly = typeof(MLContext).Assembly;
            Check(assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion, assembly.Location);
            _checked = true;
        }

        internal static void Check(string? informationalVersion, string where)
        {
            string loaded = informationalVersion?.Split('+')[0] ?? "(unknown)";
            if (loaded != Expected)
                throw new NotSupportedException(
                    $"MLNetRiemannian requires Microsoft.ML {Expected}, but Microsoft.ML {loaded} is loaded from '{where}'. " +
                    $"Reference Microsoft.ML {Expected} exactly: the trainer uses ML.NET internals that differ between versions.");
        }
    }
}
