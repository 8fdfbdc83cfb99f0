using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using Mono.Cecil;
using Mono.Cecil.Cil;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Tests
{
    /// <summary>
    /// The folders point one way (docs/method.md, STYLE): Numerics → Geometry → Optimization → Training → the trainers.
    /// This reads both compiled assemblies with Mono.Cecil and lists every type a lower layer's code names — in its
    /// signatures, fields, base types, generic constraints, attributes, locals, instructions and catch clauses, closures
    /// included — that belongs to a higher layer; and, because a constant is copied into the code that uses it and leaves
    /// no reference behind, it reads the lower folders' sources for a higher namespace's name. The fit loop (Training) may
    /// name the model's history records (<see cref="TrainingHistoryRecords"/>), which it fills directly; <c>Interop</c>
    /// (native-library and ML.NET bridges) is a ground floor every layer may use.
    /// </summary>
    [TestClass]
    public sealed class LayeringTests
    {
        private static readonly string[] Layers = { "Numerics", "Geometry", "Optimization", "Training" };

        /// <summary>Namespaces of MLNetRiemannian beside the chain: usable from any layer.</summary>
        private static readonly string[] GroundFloor = { "Interop" };

        /// <summary>The model's records the fit loop fills (the history and outcome the ML.NET-facing model carries): all of Model that Training may name.</summary>
        private static readonly string[] TrainingHistoryRecords =
        {
            "MLNetRiemannian.Model.EpochDiagnostics", "MLNetRiemannian.Model.LayerDiagnostics", "MLNetRiemannian.Model.TrainingOutcome", "MLNetRiemannian.Model.TrainingStopReason",
        };

        [TestMethod]
        public void NoLowerLayerNamesATypeOfAHigherOne()
        {
            var violations = Violations();
            Assert.AreEqual(0, violations.Count, "Lower layers naming higher ones:\n  " + string.Join("\n  ", violations));
        }

        [TestMethod]
        public void NoLowerLayersSourceNamesAHigherNamespace()
        {
            // A constant (Defaults' are) is copied into the code that reads it and leaves no reference in the assembly: the
            // sources' using directives and qualified names say it instead.
            string root = RepositoryRoot();
            var found = new List<string>();
            var folders = Layers.Select(l => (Layer: l, Path: Path.Combine(root, "src", "MLNetRiemannian", l)))
                .Append((Layer: "Geometry", Path: Path.Combine(root, "src", "MLNetRiemannian.Scoring", "Geometry")));
            int files = 0;
            foreach (var (layer, folder) in folders.Where(f => Directory.Exists(f.Path)))
            {
                foreach (var file in Directory.GetFiles(folder, "*.cs"))
                {
                    files++;
                    var lines = File.ReadAllLines(file);
                    for (int i = 0; i < lines.Length; i++)
                    {
                        string code = lines[i].Split("//")[0];
                        foreach (Match match in QualifiedName.Matches(code))
                        {
                            string target = match.Groups[1].Value;
                            if (Allowed(layer, target, code)) continue;
                            found.Add($"{Path.GetRelativePath(root, file)}:{i + 1} ({layer}) names {target}: {lines[i].Trim()}");
                        }
                    }
                }
            }
            Assert.IsTrue(files > 40, $"only {files} source files read under {root}/src");
            Assert.AreEqual(0, found.Count, "Lower layers' sources naming higher namespaces:\n  " + string.Join("\n  ", found));
        }

        /// <summary>A using directive of, or a name qualified by, one of MLNetRiemannian's folders.</summary>
        private static readonly Regex QualifiedName = new(@"(?:\busing\s+(?:static\s+)?MLNetRiemannian\.|(?<![\w.])(?:MLNetRiemannian\.)?)(Numerics|Geometry|Optimization|Training|Trainers|Data|Model|Theory|Interop)\b(?=\s*[.;])");

        private static bool Allowed(string layer, string target, string code)
        {
            if (GroundFloor.Contains(target)) return true;
            int source = Array.IndexOf(Layers, layer), index = Array.IndexOf(Layers, target);
            if (index >= 0 && index <= source) return true;
            // The fit loop's using of Model is checked type by type in the compiled code (TrainingHistoryRecords).
            return layer == "Training" && target == "Model";
        }

        private static string RepositoryRoot()
        {
            for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory != null; directory = directory.Parent)
                if (File.Exists(Path.Combine(directory.FullName, "MLNetRiemannian.sln"))) return directory.FullName;
            throw new AssertFailedException($"No MLNetRiemannian.sln above {AppContext.BaseDirectory}.");
        }

        [TestMethod]
        public void TheReaderSeesReferencesBetweenLayers()
        {
            // Must not pass by seeing nothing: references that certainly exist, down the chain, are found.
            var seen = References().ToList();
            Assert.IsTrue(seen.Any(r => r.From.StartsWith("MLNetRiemannian.Optimization.RiemannianSgd") && r.To.StartsWith("MLNetRiemannian.Geometry.")),
                "the optimizer's references to Geometry were not seen");
            Assert.IsTrue(seen.Any(r => r.From.StartsWith("MLNetRiemannian.Training.FitLoop") && r.To == "MLNetRiemannian.Optimization.RiemannianSgd"),
                "the fit loop's reference to the optimizer was not seen");
            Assert.IsTrue(seen.Any(r => r.From.StartsWith("MLNetRiemannian.Training.FitLoop") && r.To.StartsWith("MLNetRiemannian.Model.")),
                "the fit loop's references to the model's records were not seen");
        }

        private static List<string> Violations()
        {
            var found = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var (from, fromLayer, to) in References())
            {
                int source = Array.IndexOf(Layers, fromLayer);
                string? target = LayerOf(to);
                if (source < 0 || target is null || GroundFloor.Contains(target)) continue;
                if (fromLayer == "Training" && TrainingHistoryRecords.Contains(to)) continue;
                int index = Array.IndexOf(Layers, target);
                if (index < 0 || index > source) found.Add($"{from} ({fromLayer}) → {to} ({target})");
            }
            return found.ToList();
        }

        /// <summary>Every (referencing type, its layer, referenced type) pair of the training assembly's code within MLNetRiemannian.</summary>
        private static IEnumerable<(string From, string FromLayer, string To)> References()
        {
            foreach (var location in new[] { typeof(RiemannianMlpTrainerOptions).Assembly.Location, typeof(MLNetRiemannian.Model.RiemannianMlpModelParameters).Assembly.Location })
            foreach (var reference in ReferencesIn(location))
                yield return reference;
        }

        private static IEnumerable<(string From, string FromLayer, string To)> ReferencesIn(string assembly)
        {
            using var module = ModuleDefinition.ReadModule(assembly);
            foreach (var type in module.GetTypes())
            {
                var outer = type;
                while (outer.DeclaringType is not null) outer = outer.DeclaringType;
                string? layer = LayerOf(outer.FullName);
                if (layer is null) continue;
                foreach (var referenced in Named(type).SelectMany(Flatten).Select(t => t.FullName).Distinct())
                    if (referenced.StartsWith("MLNetRiemannian.", StringComparison.Ordinal))
                        yield return (type.FullName, layer, referenced);
            }
        }

        /// <summary>The folder (namespace below MLNetRiemannian) of a full type name, or null outside it.</summary>
        private static string? LayerOf(string fullName)
        {
            if (!fullName.StartsWith("MLNetRiemannian.", StringComparison.Ordinal)) return null;
            var parts = fullName.Split('.');
            return parts.Length > 2 ? parts[1] : null;
        }

        /// <summary>The types <paramref name="type"/>'s own definition names: base, interfaces, fields, properties, events, methods' signatures, locals and instructions.</summary>
        private static IEnumerable<TypeReference> Named(TypeDefinition type)
        {
            if (type.BaseType is not null) yield return type.BaseType;
            foreach (var i in type.Interfaces) yield return i.InterfaceType;
            foreach (var t in Attributes(type.CustomAttributes)) yield return t;
            foreach (var t in Constraints(type.GenericParameters)) yield return t;
            foreach (var f in type.Fields) yield return f.FieldType;
            foreach (var p in type.Properties) yield return p.PropertyType;
            foreach (var e in type.Events) yield return e.EventType;
            foreach (var member in type.Fields.Cast<ICustomAttributeProvider>().Concat(type.Properties).Concat(type.Events).Concat(type.Methods))
                foreach (var t in Attributes(member.CustomAttributes)) yield return t;
            foreach (var m in type.Methods)
            {
                yield return m.ReturnType;
                foreach (var p in m.Parameters)
                {
                    yield return p.ParameterType;
                    foreach (var t in Attributes(p.CustomAttributes)) yield return t;
                }
                foreach (var t in Constraints(m.GenericParameters)) yield return t;
                if (!m.HasBody) continue;
                foreach (var v in m.Body.Variables) yield return v.VariableType;
                foreach (var handler in m.Body.ExceptionHandlers)
                    if (handler.CatchType is not null) yield return handler.CatchType;
                foreach (var instruction in m.Body.Instructions)
                {
                    switch (instruction.Operand)
                    {
                        case TypeReference t:
                            yield return t;
                            break;
                        case MethodReference method:
                            yield return method.DeclaringType;
                            yield return method.ReturnType;
                            foreach (var p in method.Parameters) yield return p.ParameterType;
                            if (method is GenericInstanceMethod generic)
                                foreach (var a in generic.GenericArguments) yield return a;
                            break;
                        case FieldReference field:
                            yield return field.DeclaringType;
                            yield return field.FieldType;
                            break;
                    }
                }
            }
        }

        /// <summary>Attributes' types and the types their arguments name (<c>typeof</c> in an attribute).</summary>
        private static IEnumerable<TypeReference> Attributes(IEnumerable<CustomAttribute> attributes)
        {
            foreach (var attribute in attributes)
            {
                yield return attribute.AttributeType;
                foreach (var argument in attribute.ConstructorArguments.Concat(attribute.Properties.Select(p => p.Argument)).Concat(attribute.Fields.Select(f => f.Argument)))
                    if (argument.Value is TypeReference named) yield return named;
            }
        }

        /// <summary>The constraints of generic parameters.</summary>
        private static IEnumerable<TypeReference> Constraints(IEnumerable<GenericParameter> parameters) =>
            parameters.SelectMany(p => p.Constraints.Select(c => c.ConstraintType));

        /// <summary>A type and the types it is built from (element types, generic arguments).</summary>
        private static IEnumerable<TypeReference> Flatten(TypeReference type)
        {
            switch (type)
            {
                case GenericInstanceType generic:
                    foreach (var t in Flatten(generic.ElementType)) yield return t;
                    foreach (var a in generic.GenericArguments)
                        foreach (var t in Flatten(a)) yield return t;
                    break;
                case TypeSpecification specification:
                    foreach (var t in Flatten(specification.ElementType)) yield return t;
                    break;
                case GenericParameter:
                    break;
                default:
                    // A nested type belongs to its outermost declaring type's folder.
                    var outer = type;
                    while (outer.DeclaringType is not null) outer = outer.DeclaringType;
                    yield return outer;
                    break;
            }
        }
    }
}
