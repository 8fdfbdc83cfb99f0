// Publicizer: writes a copy of an assembly whose non-public types and members are public, for use as a
// COMPILE-TIME reference only. At run time the real assembly is loaded and the consuming assembly's
// [IgnoresAccessChecksTo] attributes let CoreCLR skip the access checks the compiler no longer made.
//
// Usage: Publicizer <input.dll> <output.dll> [<input.dll> <output.dll> ...]
//
// What changes: every type (nested too) and every method (so property and event accessors), field and constructor
// that is private, internal, private protected or protected internal becomes public.
// What does not, and why:
//  - protected members and nested types stay protected: derived classes already reach them, and a public copy would
//    force every override of an ML.NET protected virtual to be written 'public override' instead of the usual
//    'protected override' (CS0507).
//  - compiler-generated types (closures, anonymous types, the [Embedded] attribute polyfills such as
//    System.Runtime.CompilerServices.NullableAttribute that Core and Data both carry: two public copies would be
//    ambiguous to the compiler) and members whose names contain '<' (backing fields, lambdas, local functions).
//  - explicit interface implementations (names containing '.', e.g. 'Microsoft.ML.Runtime.IHostEnvironment.Register'):
//    no C# name reaches them, public or not; they stay as the compiler wrote them.
//  - fields named like an event or property of their type (the backing field of a field-like event such as
//    MLContext.Log): public, 'mlContext.Log += ...' would be ambiguous between the event and the field (CS0229).
//  - static constructors (only the runtime calls them).
// Overrides stay consistent: the new access depends on the old access only, and in Microsoft.ML 5.0.1 every override
// in Core and Data has the same access as the method it overrides (checked by name and arity: 997 overrides, no
// difference), so a publicized virtual and all its overrides become public together. What the compiler then asks of
// us: an override of a publicized member must be declared 'public override' (CS0507 for 'protected' or
// 'private protected override'), even though the real member is internal; CoreCLR accepts the wider access.
using System;
using System.IO;
using System.Linq;
using Mono.Cecil;

if (args.Length == 0 || args.Length % 2 != 0)
{
    Console.Error.WriteLine("usage: Publicizer <input.dll> <output.dll> [<input.dll> <output.dll> ...]");
    return 2;
}

for (int i = 0; i < args.Length; i += 2)
{
    string input = args[i], output = args[i + 1];
    int changed = 0;
    // Read from memory so the input is not held open; stay in deferred mode so custom attributes are copied as raw
    // blobs (reading them would mean resolving enum types from other assemblies). The resolver, for whatever Cecil
    // must still resolve, looks beside the input, where the sibling ML.NET assemblies are.
    using var resolver = new DefaultAssemblyResolver();
    resolver.AddSearchDirectory(Path.GetDirectoryName(Path.GetFullPath(input))!);
    using (var module = ModuleDefinition.ReadModule(new MemoryStream(File.ReadAllBytes(input)), new ReaderParameters { AssemblyResolver = resolver }))
    {
        foreach (TypeDefinition type in module.GetTypes())
        {
            changed += Publicize(type);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        // Write beside the target and then move: an interrupted run must not leave a truncated file that is newer
        // than its input and would therefore be skipped by the incremental build.
        string temporary = output + ".tmp";
        module.Write(temporary);
        File.Move(temporary, output, overwrite: true);
    }

    Console.WriteLine($"Publicizer: {Path.GetFileName(input)} -> {output} ({changed} types and members made public)");
}

return 0;

static int Publicize(TypeDefinition type)
{
    int changed = 0;
    if (IsCompilerGenerated(type))
    {
        return 0;
    }

    if (type.IsNested ? !type.IsNestedPublic && !type.IsNestedFamily : !type.IsPublic)
    {
        type.Attributes = (type.Attributes & ~TypeAttributes.VisibilityMask)
            | (type.IsNested ? TypeAttributes.NestedPublic : TypeAttributes.Public);
        changed++;
    }

    foreach (MethodDefinition method in type.Methods)
    {
        bool skip = (method.IsConstructor && method.IsStatic) || method.Name.Contains('<') || IsExplicitImplementation(method.Name);
        if (!skip && !method.IsPublic && !method.IsFamily)
        {
            method.Attributes = (method.Attributes & ~MethodAttributes.MemberAccessMask) | MethodAttributes.Public;
            changed++;
        }
    }

    foreach (FieldDefinition field in type.Fields)
    {
        bool skip = field.Name.Contains('<')
            || type.Events.Any(e => e.Name == field.Name)
            || type.Properties.Any(p => p.Name == field.Name);
        if (!skip && !field.IsPublic && !field.IsFamily)
        {
            field.Attributes = (field.Attributes & ~FieldAttributes.FieldAccessMask) | FieldAttributes.Public;
            changed++;
        }
    }

    return changed;
}

// Closures, state machines, anonymous types, <PrivateImplementationDetails> and the [Embedded] polyfill attributes.
static bool IsCompilerGenerated(TypeDefinition type) =>
    type.Name.Contains('<')
    || type.CustomAttributes.Any(a => a.AttributeType.FullName == "System.Runtime.CompilerServices.CompilerGeneratedAttribute");

// ".ctor"/".cctor" start with '.'; an explicit implementation is "Namespace.IInterface.Member" (or "...get_Member").
static bool IsExplicitImplementation(string name) => name.IndexOf('.', 1) > 0;
