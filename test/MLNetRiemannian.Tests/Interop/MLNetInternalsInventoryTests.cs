using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using Mono.Cecil;
using MLNetRiemannian.Model;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Tests.Interop
{
    /// <summary>
    /// The two assemblies compile against ML.NET's internals (src/MLNetRiemannian.Scoring/Interop/MLNetInternals.cs) and
    /// run against whichever verified Microsoft.ML the app restored. This reads the compiled assemblies for every ML.NET
    /// type and member they bind to that is not public, checks that list against the committed one
    /// (Interop/BoundMLNetInternals.txt: a new internal use must be added there on purpose), and resolves each, with its
    /// signature, in the Microsoft.ML this test run loaded — so a new ML.NET fails here with a list, not in an app with a
    /// MissingMethodException. .ci/run runs it against every version MLNetVersionGuard lists.
    /// </summary>
    [TestClass]
    public sealed class MLNetInternalsInventoryTests
    {
        private static readonly Assembly[] Ours = { typeof(RiemannianMlpModelParameters).Assembly, typeof(RiemannianMlpTrainerOptions).Assembly };

        [TestMethod]
        public void EveryBoundInternalMemberExistsWithItsSignatureInTheLoadedMicrosoftML()
        {
            var (bound, missing) = Inventory();
            Console.WriteLine($"Microsoft.ML {LoadedVersion()}: {bound.Count} non-public ML.NET types and members bound:");
            foreach (var line in bound) Console.WriteLine("  " + line);
            Assert.AreEqual(0, missing.Count,
                $"Not found, with the signature compiled against, in the loaded Microsoft.ML {LoadedVersion()}:\n  " + string.Join("\n  ", missing));
        }

        [TestMethod]
        public void TheBoundInternalsAreTheCommittedList()
        {
            var (bound, _) = Inventory();
            var committed = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Interop", "BoundMLNetInternals.txt"))
                .Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
            var added = bound.Except(committed).ToList();
            var gone = committed.Except(bound).ToList();
            Assert.IsTrue(added.Count == 0 && gone.Count == 0,
                "test/MLNetRiemannian.Tests/Interop/BoundMLNetInternals.txt is out of date (a new ML.NET version is checked against it).\n" +
                $"Bound now but not listed:\n  {string.Join("\n  ", added)}\nListed but no longer bound:\n  {string.Join("\n  ", gone)}");
        }

        [TestMethod]
        public void EveryTypeOfOursLoadsAgainstTheLoadedMicrosoftML()
        {
            // A type implementing an internal interface that gained or changed a member fails to load (TypeLoadException);
            // GetTypes loads every one.
            foreach (var assembly in Ours)
            {
                try { Assert.IsTrue(assembly.GetTypes().Length > 0); }
                catch (ReflectionTypeLoadException e)
                {
                    Assert.Fail($"{assembly.GetName().Name}: " + string.Join("; ", e.LoaderExceptions.Select(x => x?.Message)));
                }
            }
        }

        [TestMethod]
        public void TheInventorySeesWhatTheSourceUses()
        {
            // The reader must not pass by finding nothing: members the source certainly binds to are in the list.
            var (bound, _) = Inventory();
            StringAssert.Contains(string.Join("\n", bound), "Microsoft.ML.ModelSaveContext::SetVersionInfo(Microsoft.ML.VersionInfo)");
            StringAssert.Contains(string.Join("\n", bound), "Microsoft.ML.Data.MulticlassPredictionTransformer`1");
            Assert.IsTrue(bound.Count > 20, $"only {bound.Count} bound internals found");
        }

        private static string LoadedVersion() =>
            typeof(MLContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];

        /// <summary>
        /// Each non-public ML.NET type or member our assemblies reference, as "assembly: kind full name" (sorted, distinct),
        /// and those that do not resolve in the Microsoft.ML assemblies beside the loaded one.
        /// </summary>
        private static (List<string> Bound, List<string> Missing) Inventory()
        {
            var resolver = new DefaultAssemblyResolver();
            resolver.AddSearchDirectory(Path.GetDirectoryName(typeof(MLContext).Assembly.Location)!);
            foreach (var assembly in Ours) resolver.AddSearchDirectory(Path.GetDirectoryName(assembly.Location)!);
            var bound = new SortedSet<string>(StringComparer.Ordinal);
            var missing = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var assembly in Ours)
            {
                using var module = ModuleDefinition.ReadModule(assembly.Location, new ReaderParameters { AssemblyResolver = resolver });
                string ours = assembly.GetName().Name!;
                foreach (var type in module.GetTypeReferences().Where(IsMLNet))
                {
                    var definition = TryResolve(type.Resolve);
                    if (definition is null) missing.Add($"{ours}: type {type.FullName}");
                    else if (!IsPublic(definition)) bound.Add($"{ours}: type {type.FullName}");
                }
                foreach (var member in module.GetMemberReferences().Where(m => IsMLNet(m.DeclaringType)))
                {
                    string kind = member is MethodReference ? "method" : "field";
                    var definition = TryResolve(member.Resolve);
                    // Name and signature as compiled (the declaring type's generic arguments are ours, so use the open type).
                    string name = $"{ours}: {kind} {Describe(member)}";
                    if (definition is null) missing.Add(name);
                    else if (!IsPublic(definition)) bound.Add(name);
                }
            }
            return (bound.ToList(), missing.ToList());
        }

        private static bool IsMLNet(TypeReference type)
        {
            var scope = type.GetElementType().Scope;
            return scope is AssemblyNameReference reference && reference.Name.StartsWith("Microsoft.ML", StringComparison.Ordinal);
        }

        private static T? TryResolve<T>(Func<T> resolve) where T : class
        {
            try { return resolve(); }
            catch (AssemblyResolutionException) { return null; }
        }

        private static string Describe(MemberReference member)
        {
            string declaring = member.DeclaringType.GetElementType().FullName;
            return member switch
            {
                MethodReference m => $"{m.ReturnType.FullName} {declaring}::{m.Name}({string.Join(",", m.Parameters.Select(p => p.ParameterType.FullName))})",
                FieldReference f => $"{f.FieldType.FullName} {declaring}::{f.Name}",
                _ => member.FullName,
            };
        }

        /// <summary>Usable from any assembly: public all the way out (protected members of public types count as public API).</summary>
        private static bool IsPublic(IMemberDefinition member)
        {
            bool visible = member switch
            {
                TypeDefinition t => t.IsPublic || t.IsNestedPublic,
                MethodDefinition m => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly,
                FieldDefinition f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
                _ => true,
            };
            return visible && (member.DeclaringType is null || IsPublic(member.DeclaringType));
        }
    }
}
