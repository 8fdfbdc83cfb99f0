using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Tests.Reference;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Tests.Integration
{
    /// <summary>
    /// Issue 3's end to end check, once per task: train here, save ML.NET's model zip, then load and score it in a
    /// fresh process (test/MLNetRiemannian.TestHost, run with <c>dotnet</c>, referencing only the library and calling no
    /// RegisterAssembly). Its batch (Transform) and PredictionEngine scores must equal this process's bit for bit, and
    /// its Evaluate must clear the floors on rows held out of training (every fourth row of the committed file).
    /// </summary>
    [TestClass]
    public sealed class FreshProcessRoundTripTests
    {
        public TestContext TestContext { get; set; } = null!;

        [TestMethod]
        public void DigitsMulticlassModelScoresBitIdenticallyInAFreshProcess()
        {
            var ml = new MLContext(seed: 1);
            var (train, test) = HoldOut<SampleData.DigitRow>(ml, SampleData.Digits(ml));
            var model = ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Transforms.Concatenate("Features", "Pixels"))
                .Append(ml.Transforms.NormalizeMinMax("Features"))
                .Append(ml.MulticlassClassification.Trainers.RiemannianMlp(Fast(new RiemannianMlpMulticlassTrainer.Options(), epochs: 15)))
                .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
                .Fit(train);
            var scored = model.Transform(test);
            var expected = ml.Data.CreateEnumerable<MulticlassOutput>(scored, reuseRowObject: false)
                .Select(p => new Expected(p.Score, null, p.PredictedLabel)).ToList();

            var host = RunFreshProcess(ml, model, train.Schema, "digits", "digits.csv", headerLines: 0);

            AssertSameScores(expected, host.Rows);
            AssertMetric(ml.MulticlassClassification.Evaluate(scored).MicroAccuracy, host, floor: 0.95, "micro-accuracy");
            // Model Builder's consumption code: rank row 0's scores and name them by Score's slot names.
            VBuffer<ReadOnlyMemory<char>> slotNames = default;
            scored.Schema["Score"].GetSlotNames(ref slotNames);
            var ranked = slotNames.DenseValues().Select(s => s.ToString()).Zip(expected[0].Score)
                .OrderByDescending(p => p.Second).Select(p => p.First).Take(3).ToArray();
            var topThree = host.Printed["top3"].Split(',');
            Assert.AreEqual(3, topThree.Distinct().Count(), $"top3={host.Printed["top3"]}");
            Assert.IsTrue(topThree.All(label => label.Length == 1 && label[0] is >= '0' and <= '9'), $"top3={host.Printed["top3"]}");
            Assert.AreEqual(expected[0].PredictedLabel, topThree[0], "the most probable class of row 0");
            CollectionAssert.AreEqual(ranked, topThree, "the fresh process ranks row 0's classes as this process does");
        }

        [TestMethod]
        public void BreastCancerBinaryModelScoresBitIdenticallyInAFreshProcess()
        {
            var ml = new MLContext(seed: 1);
            var (train, test) = HoldOut<SampleData.TumorRow>(ml, SampleData.BreastCancer(ml));
            var model = ml.Transforms.Concatenate("Features", "Measurements")
                .Append(ml.Transforms.NormalizeMinMax("Features"))
                .Append(ml.BinaryClassification.Trainers.RiemannianMlp(Fast(new RiemannianMlpBinaryTrainer.Options(), epochs: 20)))
                .Fit(train);
            var scored = model.Transform(test);
            var expected = ml.Data.CreateEnumerable<BinaryOutput>(scored, reuseRowObject: false)
                .Select(p => new Expected(new[] { p.Score }, p.Probability, p.PredictedLabel.ToString())).ToList();

            var host = RunFreshProcess(ml, model, train.Schema, "cancer", "breast_cancer.csv", headerLines: 1);

            AssertSameScores(expected, host.Rows);
            AssertMetric(ml.BinaryClassification.Evaluate(scored).Accuracy, host, floor: 0.95, "accuracy");
        }

        [TestMethod]
        public void BostonHousingRegressionModelScoresBitIdenticallyInAFreshProcess()
        {
            var ml = new MLContext(seed: 1);
            var (train, test) = HoldOut<SampleData.HouseRow>(ml, SampleData.BostonHousing(ml));
            var model = ml.Transforms.Concatenate("Features", "Attributes")
                .Append(ml.Transforms.NormalizeMeanVariance("Features"))
                .Append(ml.Regression.Trainers.RiemannianMlp(Fast(new RiemannianMlpRegressionTrainer.Options(), epochs: 20)))
                .Fit(train);
            var scored = model.Transform(test);
            var expected = ml.Data.CreateEnumerable<RegressionOutput>(scored, reuseRowObject: false)
                .Select(p => new Expected(new[] { p.Score }, null, null)).ToList();

            var host = RunFreshProcess(ml, model, train.Schema, "boston", "boston_house_prices.csv", headerLines: 2);

            AssertSameScores(expected, host.Rows);
            AssertMetric(ml.Regression.Evaluate(scored).RSquared, host, floor: 0.5, "R²");
        }

        /// <summary>
        /// One hidden layer of 32 and one libtorch thread. Layers this small gain nothing from a second thread, and on a
        /// busy 2-core machine GNU OpenMP's spin-waiting barriers stretched the digits fit from 2.5 s to about 90 s
        /// (measured; OMP_WAIT_POLICY=PASSIVE cures it too). Scores do not depend on it: both processes score with the
        /// model's managed forward pass.
        /// </summary>
        private static TOptions Fast<TOptions>(TOptions options, int epochs) where TOptions : RiemannianMlpTrainerOptions
        {
            options.HiddenLayerSizes = new[] { 32 };
            options.NumberOfEpochs = epochs;
            options.NumberOfThreads = 1;
            return options;
        }

        /// <summary>Every <see cref="HostProcess.HoldOutEvery"/>th row (0, 4, 8, ...) is held out; the same rule picks the host's file lines.</summary>
        private static (IDataView Train, IDataView Test) HoldOut<TRow>(MLContext ml, IDataView all) where TRow : class, new()
        {
            var rows = ml.Data.CreateEnumerable<TRow>(all, reuseRowObject: false).ToList();
            return (ml.Data.LoadFromEnumerable(rows.Where((_, i) => i % HostProcess.HoldOutEvery != 0).ToList()),
                    ml.Data.LoadFromEnumerable(rows.Where((_, i) => i % HostProcess.HoldOutEvery == 0).ToList()));
        }

        /// <summary>Saves the model, writes the held-out lines of the committed file verbatim, and scores them in a new process.</summary>
        private HostResult RunFreshProcess(MLContext ml, ITransformer model, DataViewSchema inputSchema, string task, string dataFile, int headerLines)
        {
            var directory = Directory.CreateTempSubdirectory("mlnetriemannian-fresh-");
            try
            {
                string zip = Path.Combine(directory.FullName, "model.zip");
                ml.Model.Save(model, inputSchema, zip);
                string data = Path.Combine(directory.FullName, dataFile);
                HostProcess.WriteHeldOutLines(dataFile, headerLines, data);
                string output = Path.Combine(directory.FullName, "scores.tsv");

                var clock = Stopwatch.StartNew();
                var (exitCode, stdout, stderr) = HostProcess.Run(HostProcess.DllPath("MLNetRiemannianTestHost"), null, "score", zip, task, data, output);
                TestContext.WriteLine($"TestHost {task}: exit {exitCode} after {clock.Elapsed.TotalSeconds:F1} s\n{stdout}{stderr}");
                Assert.AreEqual(0, exitCode, $"the TestHost failed.\nstdout:\n{stdout}\nstderr:\n{stderr}");
                var printed = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(line => line.Split('=', 2)).Where(pair => pair.Length == 2).ToDictionary(pair => pair[0], pair => pair[1]);
                var rows = File.ReadAllLines(output).Select(line => line.Split('\t').Select(field => field.Split('=', 2))
                    .ToDictionary(pair => pair[0], pair => pair[1])).ToList();
                return new HostResult(rows, printed);
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        }

        private static void AssertSameScores(IReadOnlyList<Expected> expected, IReadOnlyList<Dictionary<string, string>> rows)
        {
            Assert.AreEqual(expected.Count, rows.Count, "rows scored by the fresh process");
            for (int i = 0; i < expected.Count; i++)
            {
                var scoreBits = expected[i].Score.Select(BitConverter.SingleToInt32Bits).ToArray();
                foreach (string path in new[] { "", "engine." })
                {
                    CollectionAssert.AreEqual(scoreBits, ParseBits(rows[i][path + "score"]), $"row {i}: {path}score");
                    if (expected[i].Probability is float probability)
                        CollectionAssert.AreEqual(new[] { BitConverter.SingleToInt32Bits(probability) }, ParseBits(rows[i][path + "probability"]), $"row {i}: {path}probability");
                    if (expected[i].PredictedLabel is string label)
                        Assert.AreEqual(label, rows[i][path + "label"], $"row {i}: {path}label");
                }
                Assert.AreEqual(expected[i].Probability is null, !rows[i].ContainsKey("probability"), $"row {i}: Probability column present");
                Assert.AreEqual(expected[i].PredictedLabel is null, !rows[i].ContainsKey("label"), $"row {i}: PredictedLabel column present");
            }
        }

        // Identical scores over identical rows must evaluate identically; the floor is issue 3's.
        private void AssertMetric(double inProcess, HostResult host, double floor, string name)
        {
            double fresh = double.Parse(host.Printed["metric"], CultureInfo.InvariantCulture);
            TestContext.WriteLine($"held-out {name}: {fresh:F4} in the fresh process, {inProcess:F4} here");
            Assert.AreEqual(inProcess, fresh, $"{name} evaluated in the fresh process");
            Assert.IsTrue(fresh >= floor, $"held-out {name} {fresh:F4} < {floor}");
        }

        private static int[] ParseBits(string hex) =>
            hex.Split(',').Select(h => int.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();

        private sealed record Expected(float[] Score, float? Probability, string? PredictedLabel);

        private sealed record HostResult(IReadOnlyList<Dictionary<string, string>> Rows, IReadOnlyDictionary<string, string> Printed);

        private sealed class MulticlassOutput
        {
            public float[] Score { get; set; } = Array.Empty<float>();
            public string PredictedLabel { get; set; } = "";
        }

        private sealed class BinaryOutput
        {
            public float Score { get; set; }
            public float Probability { get; set; }
            public bool PredictedLabel { get; set; }
        }

        private sealed class RegressionOutput
        {
            public float Score { get; set; }
        }
    }
}
