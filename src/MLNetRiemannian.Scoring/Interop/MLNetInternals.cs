// The ML.NET assemblies whose internals this library uses. The compiler sees them publicized
// (build/MLNetRiemannian.Publicize.targets, enabled by PublicizeMicrosoftML in the project file); at run time the real
// assemblies load and CoreCLR skips their access checks for this assembly because of these attributes. Without them
// the build still succeeds and loading our model type fails ("attempting to implement an inaccessible interface").
//
// Both MLNetRiemannian.Scoring (where this file lives) and MLNetRiemannian (which links it, with
// IgnoresAccessChecksToAttribute.cs, from src/MLNetRiemannian.Scoring/Interop/) compile it: the runtime reads the
// attribute from the assembly whose code makes the call. Why each:
//
//   Microsoft.ML.Core: the model's save and load (ModelSaveContext.SetVersionInfo / SaveBinaryStream / Writer,
//     ModelLoadContext, VersionInfo, [LoadableClass], SignatureLoadModel) and scoring through ML.NET's scorers
//     (IValueMapper, IPredictorProducing<T>, PredictionKind), in MLNetRiemannian.Scoring; the host
//     (IHostEnvironmentInternal, the short IChannel.Info overloads in HostExtensions), in MLNetRiemannian.
//   Microsoft.ML.Data: the ONNX form of the model for ConvertToOnnx (IBindableCanSaveOnnx, OnnxContext, OnnxNode; and
//     ISingleCanSaveOnnx, which OneVersusAll's exporter asks of each binary model), in
//     MLNetRiemannian.Scoring's Model/RiemannianMlpModelParameters.cs and Onnx/RiemannianMlpOnnxNodes.cs; the trainer's
//     output, MulticlassPredictionTransformer<T> and its binary and regression siblings (internal constructors; give
//     Score slot names and a key-typed PredictedLabel), built in MLNetRiemannian.Scoring's
//     Model/PredictionTransformerFactory.cs; MLContext.CancelExecution, in MLNetRiemannian.
//
// Binding to internal signatures is why the packages admit only the Microsoft.ML versions verified against them
// (Interop/MLNetVersionGuard.cs, the range in Directory.Packages.props). Every internal type and member the two compiled
// assemblies bind to is listed in test/MLNetRiemannian.Tests/Interop/BoundMLNetInternals.txt, which a test keeps exact
// and resolves, signature and all, in the Microsoft.ML it runs against: a new version is checked against that list.
using System.Runtime.CompilerServices;

// MLNetRiemannian also sees MLNetRiemannian.Scoring's copy of the attribute class (InternalsVisibleTo); CS0436 says the
// compiler picks the assembly's own copy, which is the one intended.
#pragma warning disable CS0436
[assembly: IgnoresAccessChecksTo("Microsoft.ML.Core")]
[assembly: IgnoresAccessChecksTo("Microsoft.ML.Data")]
#pragma warning restore CS0436
