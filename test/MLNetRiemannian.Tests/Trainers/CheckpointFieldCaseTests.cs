using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Model;
using MLNetRiemannian.Tests.Reference;
using MLNetRiemannian.Trainers;
using MassKind = MLNetRiemannian.Trainers.MassKind;

namespace MLNetRiemannian.Tests.Trainers
{
    /// <summary>
    /// The c24 field case (data/field-cases/README.md) and its kin: a checkpoint states what it was trained on and the
    /// options the user set, resumes under any culture, and a Fit that cannot use it says why before training.
    /// </summary>
    [TestClass]
    public sealed class CheckpointFieldCaseTests : TemporaryFolderTest
    {
        public TestContext TestContext { get; set; } = null!;

        [TestMethod]
        public void AResumeOnOtherRowsIsRefusedNamingWhatDiffers()
        {
            var ml = new MLContext(seed: 1);
            var rows = Orders.Rows();
            List<Orders.Row> Train() => rows.Take(8).Select(Copy).ToList();
            List<Orders.Row> Validation() => rows.Skip(8).Take(8).Select(Copy).ToList();
            string path = Path.Combine(Folder, "run.ckpt");
            RiemannianMlpModelParameters Fit(List<Orders.Row> train, List<Orders.Row> validation, bool meanVariance = false)
            {
                var (t, v) = Orders.Featurize(ml, train, validation, meanVariance);
                return Trainer(ml, path, validation: v, weighted: true).Fit(t).Model;
            }

            var first = Fit(Train(), Validation());
            // The same rows again resume after the last epoch and return the same model, bit for bit: the digests are stable.
            var again = Fit(Train(), Validation());
            CollectionAssert.AreEqual(first.GetWeights(0).ToArray(), again.GetWeights(0).ToArray());

            void Refused(List<Orders.Row> train, List<Orders.Row> validation, string expected, bool meanVariance = false)
            {
                var e = Assert.ThrowsExactly<InvalidOperationException>(() => Fit(train, validation, meanVariance));
                TestContext.WriteLine(e.Message);
                StringAssert.Contains(e.Message, $"{expected} (SHA-256 of their values, in order): ");
            }
            // The field case: F1 of row 0 raised by 5 (the min-max map follows it), and another normalizer.
            var raised = Train();
            raised[0].F[0] += 5;
            Refused(raised, Validation(), "the training features");
            Refused(Train(), Validation(), "the training features", meanVariance: true);
            var weighted = Train();
            weighted[3].Weight = 2;
            Refused(weighted, Validation(), "the example weights");
            var validation = Validation();
            validation[2].F[4] -= 1;
            Refused(Train(), validation, "the validation rows");
            // A label moved to another class, from a row that is not its class's first and to a class met before it, so
            // that MapValueToKey orders the classes as before.
            var relabeled = Train();
            int moved = Enumerable.Range(0, relabeled.Count).Last(i => relabeled.FindIndex(r => r.Tier == relabeled[i].Tier) < i);
            relabeled[moved].Tier = relabeled.Take(moved).Select(r => r.Tier).First(t => t != relabeled[moved].Tier);
            Refused(relabeled, Validation(), "the training labels");
        }

        public sealed class SparseRow
        {
            [VectorType(64)] public float[] Features = Array.Empty<float>();
            public string Tier = "";
        }

        [TestMethod]
        public void ACheckpointOfCompressedRowsIsRefusedOnOtherValues()
        {
            // The c24 rows' six values placed in 64 slots, at an offset that follows the row: 6 of 64 slots stored, so the
            // features are cached as compressed rows and the digest reads their offsets, columns and values.
            var ml = new MLContext(seed: 1);
            var messages = new List<string>();
            ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
            var rows = Orders.Rows().Take(64).ToList();
            IDataView Sparse(int shiftRow)
            {
                var sparse = rows.Select((r, i) =>
                {
                    var f = new float[64];
                    int at = (i + (i == shiftRow ? 1 : 0)) % 10 * 6;
                    r.F.CopyTo(f, at);
                    return new SparseRow { Features = f, Tier = r.Tier };
                }).ToList();
                var view = ml.Data.LoadFromEnumerable(sparse);
                return ml.Transforms.Conversion.MapValueToKey("Label", "Tier").Fit(view).Transform(view);
            }
            string path = Path.Combine(Folder, "run.ckpt");
            Trainer(ml, path).Fit(Sparse(-1));
            Assert.IsTrue(messages.Any(m => m.Contains("Features cached as compressed rows")), "the features were cached dense");
            // Row 5's values one slot group further: the same values and non-zero counts, in other columns.
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => Trainer(ml, path).Fit(Sparse(5)));
            TestContext.WriteLine(e.Message);
            StringAssert.Contains(e.Message, "the training features (SHA-256 of their values, in order): ");
        }

        [TestMethod]
        [DataRow("de-DE", OutputMetricKind.GaussNewton, DisplayName = "de-DE, Gauss-Newton ε = 0,1")]
        [DataRow("tr-TR", OutputMetricKind.GaussNewton, DisplayName = "tr-TR, Gauss-Newton ε = 0,1")]
        [DataRow("tr-TR", OutputMetricKind.Identity, DisplayName = "tr-TR, the schedule's warm-up %2")]
        public void ACheckpointMadeUnderTheInvariantCultureResumesUnderAnother(string culture, OutputMetricKind metric)
        {
            var ml = new MLContext(seed: 1);
            var (train, _) = Orders.Featurize(ml, Orders.Rows().Take(8));
            string path = Path.Combine(Folder, "run.ckpt");
            RiemannianMlpModelParameters Fit(CultureInfo under)
            {
                var before = CultureInfo.CurrentCulture;
                CultureInfo.CurrentCulture = under;
                try
                {
                    return Trainer(ml, path, outputMetric: metric).Fit(train).Model;
                }
                finally
                {
                    CultureInfo.CurrentCulture = before;
                }
            }

            var first = Fit(CultureInfo.InvariantCulture);
            Assert.AreEqual(1, first.History.Count);
            // The same Fit under another culture resumes after the checkpoint's last epoch: the same model, bit for bit.
            var resumed = Fit(CultureInfo.GetCultureInfo(culture));
            for (int l = 0; l + 1 < first.LayerSizes.Count; l++)
            {
                CollectionAssert.AreEqual(first.GetWeights(l).ToArray(), resumed.GetWeights(l).ToArray(), $"weights of layer {l}");
                CollectionAssert.AreEqual(first.GetBias(l).ToArray(), resumed.GetBias(l).ToArray(), $"biases of layer {l}");
            }
            Assert.AreEqual(first.History[0].TrainingLoss, resumed.History[0].TrainingLoss, 0);
        }

        [TestMethod]
        public void AChangedMassKindIsNamedItselfNotAsTheSizesItMoves()
        {
            var ml = new MLContext(seed: 1);
            var (train, _) = Orders.Featurize(ml, Orders.Rows());
            string path = Path.Combine(Folder, "run.ckpt");
            Trainer(ml, path).Fit(train);
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => Trainer(ml, path, massKind: MassKind.Fixed).Fit(train));
            TestContext.WriteLine(e.Message);
            StringAssert.Contains(e.Message, "MassKind: Adaptive in the checkpoint but Fixed now");
        }

        [TestMethod]
        public void FewerEpochsThanTheCheckpointHoldsAreRefused()
        {
            var ml = new MLContext(seed: 1);
            var (train, _) = Orders.Featurize(ml, Orders.Rows().Take(64));
            string path = Path.Combine(Folder, "run.ckpt");
            Assert.AreEqual(3, Trainer(ml, path, epochs: 3).Fit(train).Model.History.Count);
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => Trainer(ml, path, epochs: 2).Fit(train));
            TestContext.WriteLine(e.Message);
            StringAssert.Contains(e.Message, "it holds 3 epochs, more than NumberOfEpochs asks for (2)");
            StringAssert.Contains(e.Message, "delete the checkpoint");
            // As many or more continue that run.
            Assert.AreEqual(4, Trainer(ml, path, epochs: 4).Fit(train).Model.History.Count);
        }

        [TestMethod]
        [OSCondition(OperatingSystems.Linux)]
        [System.Runtime.Versioning.SupportedOSPlatform("linux")]
        public void AFolderThatCannotBeWrittenIsRefusedBeforeTraining()
        {
            var ml = new MLContext(seed: 1);
            var (train, _) = Orders.Featurize(ml, Orders.Rows().Take(64));
            // A folder without write permission; root ignores permissions, so then a read-only file system's folder.
            string folder = Path.Combine(Folder, "read-only");
            Directory.CreateDirectory(folder);
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            if (Writable(folder))
            {
                File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                folder = "/sys";
                if (!Directory.Exists(folder) || Writable(folder)) Assert.Inconclusive("No folder this process cannot write to.");
            }
            try
            {
                int epochs = 0;
                var options = Options(Path.Combine(folder, "run.ckpt"), epochs: 2);
                options.Progress = new MulticlassTrainerTests.SynchronousProgress(_ => epochs++);
                var e = Assert.ThrowsExactly<UnauthorizedAccessException>(() => ml.MulticlassClassification.Trainers.RiemannianMlp(options).Fit(train));
                TestContext.WriteLine(e.Message);
                StringAssert.Contains(e.Message, $"CheckpointPath '{Path.Combine(folder, "run.ckpt")}' cannot be written");
                StringAssert.Contains(e.Message, "Choose a writable folder");
                Assert.AreEqual(0, epochs, "refused before the first epoch");
            }
            finally
            {
                if (folder != "/sys") File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        private static bool Writable(string folder)
        {
            try
            {
                string probe = Path.Combine(folder, "probe");
                File.WriteAllText(probe, "");
                File.Delete(probe);
                return true;
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                return false;
            }
        }

        private static Orders.Row Copy(Orders.Row r) => new() { F = r.F.ToArray(), Tier = r.Tier, Weight = r.Weight };

        private static RiemannianMlpMulticlassTrainer.Options Options(string path, int epochs = 1, IDataView? validation = null, bool weighted = false,
            OutputMetricKind outputMetric = OutputMetricKind.Identity, MassKind massKind = MassKind.Adaptive) => new()
        {
            HiddenLayerSizes = new[] { 32 }, NumberOfEpochs = epochs, Seed = 1, CheckpointPath = path, ValidationSet = validation,
            ExampleWeightColumnName = weighted ? "Weight" : null, OutputMetric = outputMetric, MassKind = massKind,
        };

        private static RiemannianMlpMulticlassTrainer Trainer(MLContext ml, string path, int epochs = 1, IDataView? validation = null, bool weighted = false,
            OutputMetricKind outputMetric = OutputMetricKind.Identity, MassKind massKind = MassKind.Adaptive) =>
            ml.MulticlassClassification.Trainers.RiemannianMlp(Options(path, epochs, validation, weighted, outputMetric, massKind));
    }
}
