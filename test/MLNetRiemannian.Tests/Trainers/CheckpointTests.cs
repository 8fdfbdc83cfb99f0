using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Model;
using MLNetRiemannian.Optimization;
using MLNetRiemannian.Tests.Reference;
using MLNetRiemannian.Trainers;
using MLNetRiemannian.Training;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Trainers
{
    /// <summary>
    /// Checkpoints (<see cref="RiemannianMlpTrainerOptions.CheckpointPath"/>): written atomically at epoch ends, and a
    /// <c>Fit</c> that finds one continues bit-identically to the uninterrupted run; damaged or mismatched ones are refused.
    /// </summary>
    [TestClass]
    public sealed class CheckpointTests : TemporaryFolderTest
    {
        public TestContext TestContext { get; set; } = null!;

        [TestMethod]
        [DataRow(0, false, DisplayName = "exact output factor")]
        [DataRow(3, false, DisplayName = "sampled output factor of rank 3, drawn from the generator")]
        [DataRow(0, true, DisplayName = "exact output factor, learned input scale")]
        public void ResumingAfterEpochTwoIsBitIdenticalToAnUninterruptedRun(int outputRank, bool inputScale)
        {
            var ml = new MLContext(seed: 1);
            var data = Digits(ml);
            string whole = Path.Combine(Folder, "whole.ckpt"), split = Path.Combine(Folder, "split.ckpt");

            var uninterrupted = Trainer(ml, epochs: 4, whole, outputRank: outputRank, inputScale: inputScale).Fit(data).Model;
            // The interrupted run plans 4 epochs too (the learning-rate schedule spans them) and is stopped after epoch 2.
            using var stop = new System.Threading.CancellationTokenSource();
            var firstHalf = Trainer(ml, epochs: 4, split, outputRank: outputRank, stop: stop.Token, progress: new StopAfter(2, stop), inputScale: inputScale).Fit(data).Model;
            Assert.AreEqual(2, firstHalf.History.Count);
            var resumed = Trainer(ml, epochs: 4, split, outputRank: outputRank, inputScale: inputScale).Fit(data).Model;

            // The returned models: every weight and bias bit for bit, and the history's numbers (not its timings).
            Assert.AreEqual(4, resumed.History.Count);
            for (int l = 0; l + 1 < uninterrupted.LayerSizes.Count; l++)
            {
                CollectionAssert.AreEqual(Bits(uninterrupted.GetWeights(l)), Bits(resumed.GetWeights(l)), $"weights of layer {l}");
                CollectionAssert.AreEqual(Bits(uninterrupted.GetBias(l)), Bits(resumed.GetBias(l)), $"biases of layer {l}");
            }
            for (int e = 0; e < 4; e++)
            {
                var (a, b) = (uninterrupted.History[e], resumed.History[e]);
                Assert.AreEqual(a.Epoch, b.Epoch);
                Assert.AreEqual(a.TrainingLoss, b.TrainingLoss, 0, $"epoch {a.Epoch} loss");
                Assert.AreEqual(a.TrainingMetric, b.TrainingMetric, 0, $"epoch {a.Epoch} training metric");
                Assert.AreEqual(a.ValidationMetric, b.ValidationMetric, $"epoch {a.Epoch} validation metric");
                TestContext.WriteLine($"epoch {a.Epoch}: loss {a.TrainingLoss:R}, validation accuracy {a.ValidationMetric:R}");
            }
            Assert.AreEqual(uninterrupted.Outcome?.KeptEpoch, resumed.Outcome?.KeptEpoch);
            Assert.AreEqual(inputScale, resumed.InputScale is not null);
            if (inputScale)
            {
                Assert.IsTrue(uninterrupted.InputScale!.Factors.ToArray().Any(f => f != 1), "s was trained, so the comparison can fail");
                CollectionAssert.AreEqual(Bits(uninterrupted.InputScale!.Factors), Bits(resumed.InputScale!.Factors), "the learned input scale");
            }

            // The optimizer's state at the end of epoch 4 too: both runs wrote a checkpoint there.
            using var scope = NewDisposeScope();
            using var x = Checkpoint.Load(whole);
            using var y = Checkpoint.Load(split);
            Assert.AreEqual(4, x.State.Epoch);
            Assert.AreEqual(x.State.Epoch, y.State.Epoch);
            Assert.AreEqual(x.State.TotalSteps, y.State.TotalSteps);
            Assert.AreEqual(x.Optimizer.LearningRate, y.Optimizer.LearningRate, 0);
            Assert.AreEqual((x.State.Best, x.State.SinceBest, x.State.BestEpoch), (y.State.Best, y.State.SinceBest, y.State.BestEpoch));
            CollectionAssert.AreEqual(x.GeneratorState, y.GeneratorState, "generator state");
            AssertSame(x.Parameters, y.Parameters, "parameters");
            AssertSame(x.State.LastGood, y.State.LastGood, "last-good snapshot");
            AssertSame(x.State.BestParameters, y.State.BestParameters, "best parameters");
            // The default averages the parameters (dense digits): the average is saved, and it is not the parameters.
            Assert.AreEqual(x.Parameters.Count, x.State.Averaged.Count, "the parameters' moving average is saved");
            Assert.IsTrue(x.State.Averaged.Zip(x.Parameters).Any(p => !p.First.eq(p.Second).all().item<bool>()), "the average differs from the parameters, so the comparison can fail");
            AssertSame(x.State.Averaged, y.State.Averaged, "the parameters' moving average");
            Assert.AreEqual(x.Optimizer.Steps, y.Optimizer.Steps);
            Assert.AreEqual(x.Optimizer.Layers.Count, y.Optimizer.Layers.Count);
            for (int l = 0; l < x.Optimizer.Layers.Count; l++)
                foreach (var ((name, a), (_, b)) in x.Optimizer.Layers[l].Parts.Zip(y.Optimizer.Layers[l].Parts))
                {
                    Assert.IsNotNull(a, $"layer {l}'s {name}: the adaptive mass keeps an average and moments for every layer");
                    Assert.IsTrue(a.abs().max().item<float>() > 0, "a non-zero state tensor, so the comparison can fail");
                    AssertSame(new() { a }, new() { b! }, $"layer {l}'s {name}");
                }
            Assert.AreEqual(inputScale ? 1 : 0, x.Optimizer.Diagonals.Count);
            Assert.AreEqual(x.Optimizer.Diagonals.Count, y.Optimizer.Diagonals.Count);
            for (int d = 0; d < x.Optimizer.Diagonals.Count; d++)
                foreach (var ((name, a), (_, b)) in x.Optimizer.Diagonals[d].Parts.Zip(y.Optimizer.Diagonals[d].Parts))
                {
                    Assert.IsTrue(a!.abs().max().item<float>() > 0, $"the input scale's {name} is non-zero, so the comparison can fail");
                    AssertSame(new() { a }, new() { b! }, $"the input scale's {name}");
                }
        }

        [TestMethod]
        public void ACheckpointIsWrittenWholeWithNoTemporaryFileLeft()
        {
            var ml = new MLContext(seed: 1);
            string path = Path.Combine(Folder, "run.ckpt");
            var model = Trainer(ml, epochs: 3, path, every: 2).Fit(Digits(ml)).Model;

            CollectionAssert.AreEqual(new[] { "run.ckpt" }, Directory.GetFiles(Folder).Select(Path.GetFileName).ToArray());
            // A write killed half-way leaves its temporary file; the next completed write of the same checkpoint removes it
            // (another checkpoint's leftovers are not its to remove).
            string killed = Path.Combine(Folder, ".run.ckpt.0123456789abcdef0123456789abcdef.tmp"), other = Path.Combine(Folder, ".other.ckpt.0123.tmp");
            File.WriteAllBytes(killed, new byte[] { 1, 2, 3 });
            File.WriteAllBytes(other, new byte[] { 1, 2, 3 });
            Trainer(ml, epochs: 4, path, every: 2).Fit(Digits(ml));
            CollectionAssert.AreEquivalent(new[] { "run.ckpt", ".other.ckpt.0123.tmp" }, Directory.GetFiles(Folder).Select(Path.GetFileName).ToArray());
            File.Delete(other);
            using var scope = NewDisposeScope();
            using var checkpoint = Checkpoint.Load(path);
            Assert.AreEqual(4, checkpoint.State.Epoch, "the 4-epoch run resumed from epoch 2's checkpoint and wrote epoch 4's");
            Assert.AreEqual(4, checkpoint.State.History.Count);
            Assert.AreEqual(model.History[1].TrainingLoss, checkpoint.State.History[1].Loss, 0);
        }

        [TestMethod]
        public void ADamagedOrTruncatedCheckpointIsRefused()
        {
            var ml = new MLContext(seed: 1);
            var data = Digits(ml);
            string path = Path.Combine(Folder, "run.ckpt");
            Trainer(ml, epochs: 1, path).Fit(data);
            byte[] bytes = File.ReadAllBytes(path);

            var flipped = (byte[])bytes.Clone();
            flipped[bytes.Length / 2] ^= 0x10;
            File.WriteAllBytes(path, flipped);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => Trainer(ml, epochs: 2, path).Fit(data));
            StringAssert.Contains(e.Message, "SHA-256 checksum does not match");

            File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - 100).ToArray());
            e = Assert.ThrowsExactly<InvalidDataException>(() => Trainer(ml, epochs: 2, path).Fit(data));
            StringAssert.Contains(e.Message, "truncated");

            File.WriteAllBytes(path, new byte[] { 1, 2, 3 });
            e = Assert.ThrowsExactly<InvalidDataException>(() => Trainer(ml, epochs: 2, path).Fit(data));
            StringAssert.Contains(e.Message, "not a RiemannianMlp checkpoint");

            string missing = Path.Combine(Folder, "missing", "run.ckpt");
            var d = Assert.ThrowsExactly<DirectoryNotFoundException>(() => Trainer(ml, epochs: 1, missing).Fit(data));
            StringAssert.Contains(d.Message, Path.Combine(Folder, "missing") + "', does not exist");
        }

        [TestMethod]
        public void AResumeWithOtherDataOrOptionsNamesWhatDiffers()
        {
            var ml = new MLContext(seed: 1);
            var data = Digits(ml);
            string path = Path.Combine(Folder, "run.ckpt");
            Trainer(ml, epochs: 1, path).Fit(data);

            void Refused(RiemannianMlpMulticlassTrainer trainer, IDataView rows, string expected)
            {
                var e = Assert.ThrowsExactly<InvalidOperationException>(() => trainer.Fit(rows));
                TestContext.WriteLine(e.Message);
                StringAssert.Contains(e.Message, expected);
            }
            // The digits' 64 pixels reach the first layer encoded (their width is the encoding's, the same in both fits).
            Refused(Trainer(ml, 2, path, hidden: 8), data, "the layer sizes: ");
            Refused(Trainer(ml, 2, path, hidden: 8), data, "-16-10 in the checkpoint but ");
            Refused(Trainer(ml, 2, path, hidden: 8), data, "-8-10 now");
            Refused(Trainer(ml, 2, path, learningRate: 0.05), data, $"LearningRate: {Defaults.AdaptiveMassLearningRate:R} in the checkpoint but 0.05 now");
            Refused(Trainer(ml, 2, path, momentum: 0.5), data, "Momentum: 0.9 in the checkpoint but 0.5 now");
            Refused(Trainer(ml, 2, path, seed: 2), data, "the seed: 1 in the checkpoint but 2 now");
            Refused(Trainer(ml, 2, path, outputRank: 3), data, "OutputRank: 0 in the checkpoint but 3 now");
            Refused(Trainer(ml, 2, path, weightDecay: 0.01), data, "WeightDecay: 0 in the checkpoint but 0.01 now");
            Refused(Trainer(ml, 2, path, labelSmoothing: 0.1), data, "LabelSmoothing: 0 in the checkpoint but 0.1 now");
            Refused(Trainer(ml, 2, path), ml.Data.TakeRows(data, 1000), "the training row count: 1438 in the checkpoint but 800 now");
            // Other rows of the same count (here the same rows in another order) are told apart by the rows themselves.
            Refused(Trainer(ml, 2, path), ml.Data.ShuffleRows(data, seed: 5), "the training features (SHA-256 of their values, in order): ");
            // Parameter averaging is written only while on: turned off, or on where it was off, a resume would not continue the run.
            Refused(Trainer(ml, 2, path, averaging: 0), data, $"ParameterAveragingDecay: {Defaults.ParameterAveragingDecay:R} in the checkpoint but off now");
            string withoutAverage = Path.Combine(Folder, "without-average.ckpt");
            Trainer(ml, epochs: 1, withoutAverage, averaging: 0).Fit(data);
            Refused(Trainer(ml, 2, withoutAverage, averaging: 0.5), data, "ParameterAveragingDecay: absent in the checkpoint (written with it off, or before it existed) but 0.5 now (turn ParameterAveragingDecay off to resume that run)");
        }

        private static RiemannianMlpMulticlassTrainer Trainer(MLContext ml, int epochs, string path, int every = 1, int hidden = 16,
            double? learningRate = null, double momentum = 0.9, int seed = 1, int outputRank = 0,
            System.Threading.CancellationToken stop = default, IProgress<EpochSummary>? progress = null, double weightDecay = 0, double labelSmoothing = 0,
            bool? inputScale = null, double? averaging = null) =>
            ml.MulticlassClassification.Trainers.RiemannianMlp(new RiemannianMlpMulticlassTrainer.Options
            {
                HiddenLayerSizes = new[] { hidden }, NumberOfEpochs = epochs, LearningRate = learningRate, Momentum = momentum, Seed = seed,
                ValidationSetFraction = 0.2, EarlyStoppingPatience = 3, CheckpointPath = path, CheckpointEveryEpochs = every,
                OutputRank = outputRank, StopToken = stop, Progress = progress, WeightDecay = weightDecay, LabelSmoothing = labelSmoothing,
                LearnInputScale = inputScale, ParameterAveragingDecay = averaging,
            });

        /// <summary>Cancels <paramref name="stop"/> when epoch <paramref name="epoch"/> has been reported (after its checkpoint is due).</summary>
        internal sealed class StopAfter(int epoch, System.Threading.CancellationTokenSource stop) : IProgress<EpochSummary>
        {
            public void Report(EpochSummary value)
            {
                if (value.Epoch == epoch) stop.Cancel();
            }
        }

        private static int[] Bits(ReadOnlySpan<float> values) => values.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();

        private static void AssertSame(System.Collections.Generic.List<Tensor> expected, System.Collections.Generic.List<Tensor> actual, string what)
        {
            Assert.AreEqual(expected.Count, actual.Count, what);
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.AreEqual(expected[i].dtype, actual[i].dtype, what);
                CollectionAssert.AreEqual(expected[i].shape, actual[i].shape, what);
                CollectionAssert.AreEqual(expected[i].to_type(ScalarType.Float64).data<double>().ToArray(), actual[i].to_type(ScalarType.Float64).data<double>().ToArray(), $"{what} {i}");
            }
        }

        /// <summary>Digits with a key label and min-max scaled pixels as "Features".</summary>
        private static IDataView Digits(MLContext ml)
        {
            var raw = SampleData.Digits(ml);
            return ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.Concatenate("Features", "Pixels"))
                .Append(ml.Transforms.NormalizeMinMax("Features")).Fit(raw).Transform(raw);
        }
    }
}
