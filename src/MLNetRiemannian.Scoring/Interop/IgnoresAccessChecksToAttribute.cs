namespace System.Runtime.CompilerServices
{
    /// <summary>
    /// Tells the runtime to skip visibility checks when this assembly uses non-public types and members of the named
    /// assembly.
    /// </summary>
    /// <remarks>
    /// The runtime recognises this attribute by its full name, in any assembly, but no reference assembly declares
    /// it, so every assembly that needs it declares its own copy, as here. CoreCLR honours it (for calls, field access,
    /// implementing internal interfaces and overriding internal virtual methods); .NET Framework and the C# compiler
    /// do not. The compiler is therefore given publicized copies of the ML.NET assemblies instead
    /// (build/MLNetRiemannian.Publicize.targets), and this attribute makes the real ones accept the result at run time.
    /// The assemblies it is applied to are listed, with the reasons, in <c>Interop/MLNetInternals.cs</c>.
    /// </remarks>
    [AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
    internal sealed class IgnoresAccessChecksToAttribute : Attribute
    {
        /// <summary>Creates the attribute for one assembly.</summary>
        /// <param name="assemblyName">The simple name of the assembly whose access checks are skipped, e.g. "Microsoft.ML.Core".</param>
        public IgnoresAccessChecksToAttribute(string assemblyName)
        {
            AssemblyName = assemblyName;
        }

        /// <summary>The simple name of the assembly whose access checks are skipped.</summary>
        public string AssemblyName { get; }
    }
}
