// Trains a 64-32-10 network on the UCI optical digits with the layerwise Riemannian step (paper.md Algorithm 1)
// and prints the hold-out accuracy after every epoch.
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Optimization;
using static TorchSharp.torch;

string path = Path.Combine(AppContext.BaseDirectory, "data", "digits.csv");
var rows = File.ReadAllLines(path).Select(l => l.Split(',').Select(float.Parse).ToArray()).ToArray();
var x = tensor(rows.SelectMany(r => r.Take(64)).ToArray(), new long[] { rows.Length, 64 }) / 16; // pixel counts 0..16
var y = tensor(rows.Select(r => (long)r[64]).ToArray(), new long[] { rows.Length });

// A fixed 25% hold-out.
var generator = new Generator(2026);
var order = randperm(rows.Length, generator: generator);
int holdOut = rows.Length / 4;
var (testX, testY) = (x.index_select(0, order.narrow(0, 0, holdOut)), y.index_select(0, order.narrow(0, 0, holdOut)));
var (trainX, trainY) = (x.index_select(0, order.narrow(0, holdOut, rows.Length - holdOut)), y.index_select(0, order.narrow(0, holdOut, rows.Length - holdOut)));
Console.WriteLine($"UCI optical digits: {trainX.shape[0]} training rows, {holdOut} hold-out rows, 64 features, 10 classes");

var init = new Generator(1);
using var network = new Sequential(new Dense(64, 32, new ScalarMass(1), generator: init), new ReLU(32), new Dense(32, 10, new ScalarMass(1), generator: init));
using var optimizer = new RiemannianSgd(network, new SoftmaxCrossEntropyLoss(), new IdentityMetric(), learningRate: 1, momentum: 0.9);

const int batchSize = 32;
var clock = Stopwatch.StartNew();
for (int epoch = 1; epoch <= 10; epoch++)
{
    double lossSum = 0;
    int steps = 0;
    var shuffle = randperm(trainX.shape[0], generator: init);
    for (long start = 0; start < shuffle.shape[0]; start += batchSize, steps++)
    {
        using var scope = NewDisposeScope();
        var batch = shuffle.narrow(0, start, Math.Min(batchSize, shuffle.shape[0] - start));
        lossSum += optimizer.Step(trainX.index_select(0, batch), trainY.index_select(0, batch));
    }
    double accuracy;
    using (no_grad())
    using (NewDisposeScope())
        accuracy = network.Forward(testX).argmax(1).eq(testY).to_type(ScalarType.Float64).mean().item<double>();
    Console.WriteLine($"epoch {epoch,2}: training loss {lossSum / steps:F4}, hold-out accuracy {accuracy:P2}, {clock.Elapsed.TotalSeconds:F1} s");
}
