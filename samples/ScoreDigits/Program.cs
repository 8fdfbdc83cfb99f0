// Loads the model.zip that TrainDigits saved, in a process of its own, and predicts one digit the way
// Model Builder's generated consumption code does: a PredictionEngine<ModelInput, ModelOutput>, and the class
// names of the scores read from the Score column's slot names.
//
//   dotnet run -c Release --project samples/ScoreDigits [-- PATH]     (default ./model.zip)
using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetRiemannian.Samples;

string modelPath = args.Length > 0 ? args[0] : "model.zip";
if (!File.Exists(modelPath))
{
    Console.Error.WriteLine($"No model at '{Path.GetFullPath(modelPath)}'. Train one first: dotnet run -c Release --project samples/TrainDigits");
    return 1;
}

var mlContext = new MLContext();
ITransformer model = mlContext.Model.Load(modelPath, out DataViewSchema inputSchema);
// A Fashion-MNIST model (TrainDigits --data fashion-mnist writes model.zip too) wants 784 pixels, not 64; ML.NET's
// normalizer would only fail deep inside Predict, so say it here.
if (inputSchema.GetColumnOrNull("Pixels")?.Type is not VectorDataViewType { Size: 64 })
{
    Console.Error.WriteLine($"'{modelPath}' does not take 8x8 digits (its Pixels column is {inputSchema.GetColumnOrNull("Pixels")?.Type.ToString() ?? "missing"}). " +
                            "Train a digits model: dotnet run -c Release --project samples/TrainDigits");
    return 1;
}
using var engine = mlContext.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model);

// The first row of digits.csv (a 0); any 64 pixel counts in 0..16 will do.
var digits = mlContext.Data.LoadFromTextFile<ModelInput>(Path.Combine(AppContext.BaseDirectory, "data", "digits.csv"), separatorChar: ',');
var input = mlContext.Data.CreateEnumerable<ModelInput>(digits, reuseRowObject: false).First();
ModelOutput output = engine.Predict(input);

Console.WriteLine($"Model: {Path.GetFullPath(modelPath)}");
Console.WriteLine("Input (first row of samples/data/digits.csv, pixel counts 0..16):");
for (int row = 0; row < 8; row++)
    Console.WriteLine("  " + string.Concat(input.Pixels.Skip(8 * row).Take(8).Select(p => " .:-=+*#%@"[(int)Math.Round(p / 16 * 9)])));
Console.WriteLine($"Actual label: {input.Label}, predicted label: {output.PredictedLabel}");
Console.WriteLine("Top 3:");
foreach (var (label, score) in Labels(engine.OutputSchema).Zip(output.Score).OrderByDescending(p => p.Second).Take(3))
    Console.WriteLine($"  {label,-5} {(score >= 1e-4f ? score.ToString("F4") : score.ToString("0.00E+0"))}");
return 0;

// As Model Builder's consumption code: the class of each score is the Score column's slot name.
static string[] Labels(DataViewSchema schema)
{
    var slotNames = new VBuffer<ReadOnlyMemory<char>>();
    schema["Score"].GetSlotNames(ref slotNames);
    return slotNames.DenseValues().Select(name => name.ToString()).ToArray();
}
