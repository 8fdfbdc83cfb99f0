// The ML.NET assemblies whose internals this library uses. The compiler sees them publicized
// (build/MLNetRiemannian.Publicize.targets, enabled by PublicizeMicrosoftML in the project file); at run time the real
// assemblies load and CoreCLR skips their access checks for this assembly because of these attributes. Without them
// the build still succeeds and loading our model type fails ("attempting to implement an inaccessible interface").
// Why each:
//
//   Microsoft.ML.Core: the model's save and load (ModelSaveContext.SetVersionInfo / SaveBinaryStream / Writer,
//     ModelLoadContext, VersionInfo, [LoadableClass], SignatureLoadModel), scoring through ML.NET's scorers
//     (IValueMapper, IPredictorProducing<T>, PredictionKind), and the host (IHostEnvironmentInternal, the short
//     IChannel.Info overloads in HostExtensions).
//   Microsoft.ML.Data: the trainer's output, MulticlassPredictionTransformer<T> (internal constructors; gives Score
//     slot names and a key-typed PredictedLabel), and ModelParametersBase<T> (private protected members).
//
// Binding to internal signatures is why the Microsoft.ML dependency is pinned to exactly one version
// (Directory.Packages.props); a new Microsoft.ML version means re-reading the uses listed above.
using System.Runtime.CompilerServices;

[assembly: IgnoresAccessChecksTo("Microsoft.ML.Core")]
[assembly: IgnoresAccessChecksTo("Microsoft.ML.Data")]
