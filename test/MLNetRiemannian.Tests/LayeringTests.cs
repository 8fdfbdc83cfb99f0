using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using Mono.Cecil;
using Mono.Cecil.Cil;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Tests
{
    /// <summary>
    /// The folders point one way (docs/method.md, STYLE): Numerics → Geometry → Optimization → Training → the trainers.
    /// This reads the compiled training assembly with Mono.Cecil and lists every type a lower layer's code names — in its
    /// signatures, fields, base types, locals and instructions, closures included — that belongs to a higher layer.
    /// The fit loop (Training) may name the model's history records (<c>Model</c>: the epoch summaries, diagnostics and
    /// outcome the ML.NET-facing model carries), which it fills directly; <c>Interop</c> (native-library and ML.NET
    /// bridges) is a ground floor every layer may use.
    /// </summary>
    [TestClass]
    public sealed class LayeringTests
    {
        private static readonly string[] Layers = { "Numerics", "Geometry", "Optimization", "Training" };

        /// <summary>Namespaces of MLNetRiemannian beside the chain: usable from any layer.</summary>
        private static readonly string[] GroundFloor = { "Interop" };

        [TestMethod]
        public void NoLowerLayerNamesATypeOfAHigherOne()
        {
            var violations = Violations();
            Assert.AreEqual(0, violations.Count, "Lower layers naming higher ones:\n  " + string.Join("\n  ", violations));
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
                if (fromLayer == "Training" && target == "Model") continue;
                int index = Array.IndexOf(Layers, target);
                if (index < 0 || index > source) found.Add($"{from} ({fromLayer}) → {to} ({target})");
            }
            return found.ToList();
        }

        /// <summary>Every (referencing type, its layer, referenced type) pair of the training assembly's code within MLNetRiemannian.</summary>
        private static IEnumerable<(string From, string FromLayer, string To)> References()
        {
            using var module = ModuleDefinition.ReadModule(typeof(RiemannianMlpTrainerOptions).Assembly.Location);
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
            foreach (var f in type.Fields) yield return f.FieldType;
            foreach (var p in type.Properties) yield return p.PropertyType;
            foreach (var e in type.Events) yield return e.EventType;
            foreach (var m in type.Methods)
            {
                yield return m.ReturnType;
                foreach (var p in m.Parameters) yield return p.ParameterType;
                if (!m.HasBody) continue;
                foreach (var v in m.Body.Variables) yield return v.VariableType;
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
