using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.ML;

namespace MLNetRiemannian.Interop
{
    /// <summary>
    /// The library binds to Microsoft.ML internals (see MLNetInternals.cs), which change between versions without
    /// notice. This guard fails fast, with a message, when a Microsoft.ML other than the verified ones is loaded. ML.NET
    /// keeps its assembly version at 1.0.0.0 in every release, so the package version is read from the informational
    /// version ("6.0.0+commit").
    /// </summary>
    /// <remarks>
    /// A version is verified when the whole test suite, including the inventory of the internal members the two
    /// assemblies bind to (test/MLNetRiemannian.Tests/Interop/MLNetInternalsInventoryTests.cs), passes against it; the
    /// packages are built against the oldest. An app that must run an unverified version at its own risk sets the
    /// <see cref="AllowUnverifiedSwitch"/> AppContext switch.
    /// </remarks>
    internal static class MLNetVersionGuard
    {
        /// <summary>The Microsoft.ML package versions the whole test suite passed against, oldest first.</summary>
        internal static readonly IReadOnlyList<string> Verified = new[] { "5.0.1", "6.0.0" };

        /// <summary>AppContext switch that lets an unverified Microsoft.ML load (a missing internal member then fails at its first use).</summary>
        internal const string AllowUnverifiedSwitch = "MLNetRiemannian.AllowUnverifiedMicrosoftML";

        private static volatile bool _checked;

        /// <summary>Throws <see cref="NotSupportedException"/> unless the loaded Microsoft.ML is a verified one.</summary>
        public static void EnsureSupported()
        {
            if (_checked) return;
            var assembly = typeof(MLContext).Assembly;
            bool allowed = AppContext.TryGetSwitch(AllowUnverifiedSwitch, out bool allow) && allow;
            Check(assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion, assembly.Location, allowed);
            _checked = true;
        }

        internal static void Check(string? informationalVersion, string where, bool allowUnverified = false)
        {
            string loaded = informationalVersion?.Split('+')[0] ?? "(unknown)";
            if (Verified.Contains(loaded) || allowUnverified) return;
            throw new NotSupportedException(
                $"MLNetRiemannian supports Microsoft.ML {string.Join(" and ", Verified)}, but Microsoft.ML {loaded} is loaded from '{where}'. " +
                $"Reference one of those versions (the trainer uses ML.NET internals that can differ between versions), or update MLNetRiemannian. " +
                $"To try this version anyway, call AppContext.SetSwitch(\"{AllowUnverifiedSwitch}\", true) before the first use.");
        }
    }
}
