// A user's app on the packages: train RiemannianMlp on the digits, evaluate on a hold-out, save, reload and score.
//   dotnet run -- MODEL.zip      exit 0 when the reloaded model scores as the trained one and above 90 % accuracy
using Microsoft.ML;
using Microsoft.ML.Data;

string modelPath = args.Length > 0 ? args[0] : "model.zip";
var mlContext = new MLContext(seed: 1);
var data = mlContext.Data.LoadFromTextFile<Digit>(Path.Combine(AppContext.BaseDirectory, "digits.csv"), separatorChar: ',');
var split = mlContext.Data.TrainTestSplit(data, testFraction: 0.25, seed: 1);

var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
    .Append(mlContext.Transforms.Concatenate("Features", "Pixels"))
    .Append(mlContext.Transforms.NormalizeMinMax("Features"))
    .Append(mlContext.MulticlassClassification.Trainers.RiemannianMlp(numberOfEpochs: 10))
    .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
ITransformer model;
try
{
    model = pipeline.Fit(split.TrainSet);
}
catch (InvalidOperationException e) when (e.Message.Contains("libtorch"))
{
    Console.WriteLine("fit-refused: " + e.Message);
    return 3;
}
var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(split.TestSet));
mlContext.Model.Save(model, split.TrainSet.Schema, modelPath);

var reloaded = mlContext.Model.Load(modelPath, out _);
var again = mlContext.MulticlassClassification.Evaluate(reloaded.Transform(split.TestSet));
var engine = mlContext.Model.CreatePredictionEngine<Digit, Prediction>(reloaded);
var first = mlContext.Data.CreateEnumerable<Digit>(split.TestSet, reuseRowObject: false).First();
string predicted = engine.Predict(first).PredictedLabel;

string mlnet = typeof(MLContext).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
    .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion.Split('+')[0];
Console.WriteLine($"microsoft-ml: {mlnet}");
Console.WriteLine($"accuracy: {metrics.MicroAccuracy:F4}");
Console.WriteLine($"reloaded-accuracy: {again.MicroAccuracy:F4}");
Console.WriteLine($"first-test-row: label {first.Label}, predicted {predicted}");
return metrics.MicroAccuracy > 0.9 && again.MicroAccuracy == metrics.MicroAccuracy ? 0 : 1;

/// <summary>One row of digits.csv: 64 pixel counts, then the digit.</summary>
public sealed class Digit
{
    [LoadColumn(0, 63), VectorType(64)] public float[] Pixels { get; set; } = new float[64];
    [LoadColumn(64)] public string Label { get; set; } = "";
}

/// <summary>The predicted digit.</summary>
public sealed class Prediction
{
    public string PredictedLabel { get; set; } = "";
}
