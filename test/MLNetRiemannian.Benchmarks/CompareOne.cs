using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.ML;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// <c>compare-one --trainer T --seed S --epochs N --dataset D --data-dir DIR --evaluate E --set S --rows FILE [--parts]</c>, the
    /// hidden child command of <c>compare</c>: one trainer, one seed, in a process of its own, so that its peak memory
    /// and its timings are its own. Prints a progress line per measurement (every quarter epoch) and writes its
    /// <see cref="CompareRun"/> rows to FILE.
    /// </summary>
    internal static class CompareOne
    {
        public const string Command = "compare-one";

        /// <summary>The flag that has the RiemannianMlp trainers print the fit loop's cost by part (<see cref="CompareRiemannianMlp.PrintParts"/>).</summary>
        public const string PartsFlag = "--parts";

        /// <summary>The trainers that train RiemannianMlp's network epoch by epoch.</summary>
        private static readonly string[] NetworkTrainers = { "RiemannianMlp-Identity", "RiemannianMlp-GaussNewton", "Adam", "AdamSchedule", "SgdMomentum" };

        /// <summary>Measurements of the network trainers per epoch: after each quarter of the epoch's steps.</summary>
        public const int MeasurementsPerEpoch = 4;

        /// <summary>Every trainer <c>compare</c> runs, in the report's order.</summary>
        public static IReadOnlyList<string> Trainers { get; } = NetworkTrainers.Concat(BaselineMLNet.Trainers).ToArray();

        /// <summary>Runs the child command; <paramref name="args"/> follow the command name.</summary>
        public static int Run(string[] args)
        {
            string trainer = StepTiming.Option(args, "--trainer", "");
            int seed = int.Parse(StepTiming.Option(args, "--seed", "1"));
            int epochs = int.Parse(StepTiming.Option(args, "--epochs", "1"));
            string rowsFile = StepTiming.Option(args, "--rows", "");
            if (!Trainers.Contains(trainer) || rowsFile.Length == 0)
                throw new ArgumentException($"usage: {Command} --trainer {string.Join("|", Trainers)} --seed S --epochs N --dataset D --data-dir DIR --evaluate E --set S --rows FILE");
            string evaluate = StepTiming.Option(args, "--evaluate", CompareData.EvaluateTest);
            var data = CompareData.Load(StepTiming.Option(args, "--dataset", ScoringData.Digits), StepTiming.Option(args, "--data-dir", ""), seed, evaluate);
            var settings = CompareOptionSettings.Parse(StepTiming.Option(args, "--set", ""));

            var runs = new List<CompareRun>();
            void Record(double epoch, double seconds, double accuracy)
            {
                var run = new CompareRun(trainer, seed, epoch, seconds, accuracy, ProcessMemory.Read().PeakMB);
                runs.Add(run);
                Console.WriteLine($"  {trainer}, seed {seed}{(epoch > 0 ? $", epoch {epoch:0.##}" : "")}: {evaluate} accuracy {accuracy:F4} after {seconds:F2} s of training, " +
                                  $"peak RSS {run.PeakMemoryMB:F0} MB");
            }

            if (BaselineMLNet.Trainers.Contains(trainer))
            {
                var (seconds, accuracy) = BaselineMLNet.Fit(data, trainer);
                Record(0, seconds, accuracy);
            }
            else
            {
                TrainNetwork(data, trainer, seed, epochs, settings, args.Contains(PartsFlag), Record);
            }
            File.WriteAllText(rowsFile, JsonSerializer.Serialize(runs, ScoringReport.Json));
            return 0;
        }

        // The clock covers what RiemannianMlp's Fit does before its first epoch (reading the rows into tensors, building
        // the network) and the training steps; the evaluation after each quarter epoch runs with no clock running.
        private static void TrainNetwork(CompareData data, string trainer, int seed, int epochs, IReadOnlyList<CompareOptionSetting> settings, bool parts,
            Action<double, double, double> record)
        {
            var clock = Stopwatch.StartNew();
            using var network = Create(trainer, data.Train, seed, epochs, settings, parts);
            double setupSeconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"  {trainer}, seed {seed}: {setupSeconds:F2} s before the first step (reading the rows into tensors, building the network and optimizer)");
            using var test = CompareData.ReadTensors(data.Test);
            var prepared = network.PrepareInput(test.Features);
            using var encoded = ReferenceEquals(prepared, test.Features) ? null : prepared;
            var testFeatures = prepared.ToDense();
            network.Train(epochs, MeasurementsPerEpoch,
                (epoch, trainingSeconds) => record(epoch, setupSeconds + trainingSeconds, CompareNetwork.Accuracy(network.Network, testFeatures, test.Labels)));
        }

        private static ICompareEpochTrainer Create(string trainer, IDataView train, int seed, int epochs, IReadOnlyList<CompareOptionSetting> settings, bool parts) => trainer switch
        {
            "RiemannianMlp-Identity" => new CompareRiemannianMlp(train, OutputMetricKind.Identity, seed, epochs, settings) { PrintParts = parts },
            "RiemannianMlp-GaussNewton" => new CompareRiemannianMlp(train, OutputMetricKind.GaussNewton, seed, epochs, settings) { PrintParts = parts },
            "Adam" => new BaselineOptimizer(train, BaselineKind.Adam, seed),
            "AdamSchedule" => new BaselineOptimizer(train, BaselineKind.AdamSchedule, seed),
            _ => new BaselineOptimizer(train, BaselineKind.SgdMomentum, seed),
        };
    }
}
