// Models saved before the scoring code moved to MLNetRiemannian.Scoring name this assembly, MLNetRiemannian, as their
// loader and "RiemannianMlpModel" as their loader signature. ML.NET's Model.Load loads the named assembly and registers
// the [LoadableClass] attributes of that assembly alone, so the model class is registered here too, under the old name;
// its Create reads the unchanged stream. Such a zip therefore loads in any app that references the trainer package;
// an app that references only MLNetRiemannian.Scoring needs the model saved again (load it with the trainer package
// and save it: the new zip names MLNetRiemannian.Scoring).
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLNetRiemannian.Model;

[assembly: LoadableClass(typeof(RiemannianMlpModelParameters), null, typeof(SignatureLoadModel),
    "Riemannian MLP (saved before MLNetRiemannian.Scoring)", RiemannianMlpModelParameters.PreSplitLoaderSignature)]
