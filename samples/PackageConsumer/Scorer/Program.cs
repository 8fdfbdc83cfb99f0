// A user's scoring app on MLNetRiemannian.Scoring alone: load a model zip that the Trainer app saved and score the same
// hold-out; prove that no TorchSharp or libtorch was loaded.
//   dotnet run -- MODEL.zip      prints the accuracy; exit 0 when no torch code was loaded
using Microsoft.ML;
using Microsoft.ML.Data;

var mlContext = new MLContext(seed: 1);
var data = mlContext.Data.LoadFromTextFile<Digit>(Path.Combine(AppContext.BaseDirectory, "digits.csv"), separatorChar: ',');
var split = mlContext.Data.TrainTestSplit(data, testFraction: 0.25, seed: 1);
var model = mlContext.Model.Load(args[0], out _);
var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(split.TestSet));

bool torchAssembly = AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name!.StartsWith("TorchSharp", StringComparison.Ordinal));
bool torchLibrary = File.ReadLines("/proc/self/maps").Any(l => l.Contains("libtorch") || l.Contains("LibTorchSharp"));
Console.WriteLine($"scoring-accuracy: {metrics.MicroAccuracy:F4}");
Console.WriteLine($"torch-loaded: {torchAssembly || torchLibrary}");
return torchAssembly || torchLibrary ? 1 : 0;

/// <summary>One row of digits.csv: 64 pixel counts, then the digit.</summary>
public sealed class Digit
{
    [LoadColumn(0, 63), VectorType(64)] public float[] Pixels { get; set; } = new float[64];
    [LoadColumn(64)] public string Label { get; set; } = "";
}
