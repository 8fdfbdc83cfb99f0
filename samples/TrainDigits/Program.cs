// Trains RiemannianMlp the way a Model Builder console app trains any ML.NET trainer: load, split, a pipeline of
// MapValueToKey → Concatenate → NormalizeMinMax → trainer → MapKeyToValue, Fit, Evaluate on the hold-out, Save.
// ScoreDigits (the sibling project) loads the saved model.zip in a fresh process and predicts.
//
//   dotnet run -c Release --project samples/TrainDigits [-- --out PATH]
//   dotnet run -c Release --project samples/TrainDigits -- --data fashion-mnist [--data-dir DIR] [--epochs N]
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Transforms;
using MLNetRiemannian.Model;
using MLNetRiemannian.Samples;
using MLNetRiemannian.Trainers;

const string Usage =
    "Usage: TrainDigits [--data digits|fashion-mnist] [--data-dir DIR] [--epochs N] [--out PATH]\n" +
    "  --data digits         (default) the committed UCI digits, samples/data/digits.csv; 25% held out\n" +
    "  --data fashion-mnist  Fashion-MNIST from Debian's dataset-fashion-mnist: 60,000 training, 10,000 test images\n" +
    "  --data-dir DIR        where the Fashion-MNIST IDX files are (default " + FashionMnist.DefaultDirectory + ")\n" +
    "  --epochs N            passes over the training data (default: the trainer's automatic choice for digits, 10 for Fashion-MNIST)\n" +
    "  --out PATH            where to save the model (default model.zip in the current directory)";

string data = "digits", dataDirectory = FashionMnist.DefaultDirectory, outPath = "model.zip";
int? epochs = null;
for (int i = 0; i < args.Length; i++)
{
    string option = args[i];
    if (option is "-h" or "--help") { Console.WriteLine(Usage); return 0; }
    if (option is not ("--data" or "--data-dir" or "--out" or "--epochs")) { Console.Error.WriteLine($"Unknown option '{option}'.\n{Usage}"); return 2; }
    if (++i == args.Length) { Console.Error.WriteLine($"Option '{option}' needs a value.\n{Usage}"); return 2; }
    switch (option)
    {
        case "--data": data = args[i]; break;
        case "--data-dir": dataDirectory = args[i]; break;
        case "--out": outPath = args[i]; break;
        default:
            if (!int.TryParse(args[i], out int n) || n < 1) { Console.Error.WriteLine($"--epochs must be a positive integer; got '{args[i]}'."); return 2; }
            epochs = n;
            break;
    }
}

var mlContext = new MLContext(seed: 1);
// The trainer reports through ML.NET's log: one line for the network it built, one for what the model is made of (the
// parameters' moving average), then one line per epoch.
mlContext.Log += (_, e) =>
{
    if (e.Kind == ChannelMessageKind.Info && (e.RawMessage.StartsWith("RiemannianMlp:") || e.RawMessage.StartsWith("The model is") || e.RawMessage.StartsWith("Epoch ")))
        Console.WriteLine("  " + e.RawMessage);
};

// 1. Load the data: a training view and a hold-out view, both with columns Pixels (float vector) and Label (text).
IDataView trainData, testData;
switch (data)
{
    case "digits":
        var digits = mlContext.Data.LoadFromTextFile<ModelInput>(Path.Combine(AppContext.BaseDirectory, "data", "digits.csv"), separatorChar: ',', hasHeader: false);
        var split = mlContext.Data.TrainTestSplit(digits, testFraction: 0.25, seed: 1);
        (trainData, testData) = (split.TrainSet, split.TestSet);
        Console.WriteLine("UCI optical digits (samples/data/digits.csv): 8x8 images, 10 classes; 25% held out (seed 1).");
        break;
    case "fashion-mnist":
        try
        {
            (trainData, testData) = FashionMnist.Load(mlContext, dataDirectory);
        }
        catch (FileNotFoundException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        // The automatic epoch count (about 1,000 steps, at least 5) would stop at 5 passes over 60,000 rows.
        epochs ??= 10;
        Console.WriteLine($"Fashion-MNIST ({dataDirectory}): 28x28 images, 10 classes; the 60,000 training images, evaluated on the 10,000 test images.");
        break;
    default:
        Console.Error.WriteLine($"Unknown data set '{data}'.\n{Usage}");
        return 2;
}

// 2. The pipeline. Classes are ordered by value ("0".."9"; Fashion-MNIST's names alphabetically), not by first
// occurrence, so the confusion table reads in order whatever the split. The data preparation is fitted once more on
// its own only to show the hold-out accuracy after every epoch (the trainer's "validation" figure): with
// EarlyStoppingPatience = 0 the trainer never stops early or picks an epoch by it, so training is that of the defaults.
var dataPrep = mlContext.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
    .Append(mlContext.Transforms.Concatenate("Features", "Pixels"))
    .Append(mlContext.Transforms.NormalizeMinMax("Features"));
var trainer = mlContext.MulticlassClassification.Trainers.RiemannianMlp(new RiemannianMlpMulticlassTrainer.Options
{
    LabelColumnName = "Label",
    FeatureColumnName = "Features",
    NumberOfEpochs = epochs,
    ValidationSet = dataPrep.Fit(trainData).Transform(testData),
    EarlyStoppingPatience = 0,
});
var pipeline = dataPrep
    .Append(trainer)
    .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

// 3. Train.
Console.WriteLine("Training RiemannianMlp (\"validation\" below is the hold-out set, for monitoring only):");
var clock = Stopwatch.StartNew();
var model = pipeline.Fit(trainData);
clock.Stop();
var history = model.OfType<MulticlassPredictionTransformer<RiemannianMlpModelParameters>>().Single().Model.History;
var epochSeconds = history.Select(e => e.Seconds).Order().ToArray();
Console.WriteLine($"Training took {clock.Elapsed.TotalSeconds:F1} s: {history.Count} epochs, {epochSeconds.Average():F2} s per epoch " +
                  $"on average, median {epochSeconds[epochSeconds.Length / 2]:F2} s (the first epoch includes start-up).");

// 4. Evaluate on the hold-out rows.
var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(testData), labelColumnName: "Label");
long holdOutRows = metrics.ConfusionMatrix.Counts.Sum(row => (long)row.Sum());
Console.WriteLine();
Console.WriteLine($"Hold-out ({holdOutRows} rows): micro-accuracy {metrics.MicroAccuracy:F4}, macro-accuracy {metrics.MacroAccuracy:F4}, " +
                  $"log-loss {metrics.LogLoss:F4}, log-loss reduction {metrics.LogLossReduction:F4}");
Console.WriteLine(metrics.ConfusionMatrix.GetFormattedConfusionTable());

// 5. Save: the input schema and the fitted chain, loadable by any process that references MLNetRiemannian.
string savedTo = Path.GetFullPath(outPath);
mlContext.Model.Save(model, trainData.Schema, savedTo);
Console.WriteLine($"Saved the model to {savedTo}.");
if (data == "digits")
    Console.WriteLine($"Score a digit with it in a fresh process: dotnet run -c Release --project samples/ScoreDigits -- {outPath}");
return 0;
