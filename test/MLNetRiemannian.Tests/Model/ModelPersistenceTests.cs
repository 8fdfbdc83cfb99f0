using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;

namespace MLNetRiemannian.Tests.Model
{
    /// <summary>Saving into ML.NET's model zip and loading back: bit-identical, evaluable, and loud about damage.</summary>
    [TestClass]
    public sealed class ModelPersistenceTests
    {
        // Offsets in RiemannianMlp.bin (see RiemannianMlpFormat): version, payload length, task, activation, size count.
        private const int ActivationOffset = 4 + 8 + 4;
        private const int FirstSizeOffset = ActivationOffset + 4 + 4;
        private const int ChecksumBytes = 32;

        public TestContext TestContext { get; set; } = null!;

        [TestMethod]
        [DataRow(PredictionTask.MulticlassClassification)]
        [DataRow(PredictionTask.BinaryClassification)]
        [DataRow(PredictionTask.Regression)]
        public void SavedModelLoadsBackBitIdenticalAndEvaluates(PredictionTask task)
        {
            var mlContext = new MLContext(seed: 1);
            var rows = ModelFixtures.Rows(60);
            var data = ModelFixtures.KeyedData(mlContext, rows);
            var model = ModelFixtures.Model(mlContext, task, ActivationKind.Gelu);
            var transformer = PredictionTransformerFactory.Create(mlContext, model, data.Schema, "Features", "Label");
            string path = TempPath();
            mlContext.Model.Save(transformer, data.Schema, path);

            var loaded = mlContext.Model.Load(path, out var inputSchema);
            Assert.AreEqual(data.Schema["Features"].Type, inputSchema["Features"].Type);
            var loadedModel = ((ISingleFeaturePredictionTransformer<RiemannianMlpModelParameters>)loaded).Model;
            Assert.AreEqual(task, loadedModel.Task);
            Assert.AreEqual(model.Activation, loadedModel.Activation);
            Assert.AreEqual(model.OutputMetric, loadedModel.OutputMetric);
            CollectionAssert.AreEqual(model.LayerSizes.ToArray(), loadedModel.LayerSizes.ToArray());
            CollectionAssert.AreEqual(model.History.ToArray(), loadedModel.History.ToArray());
            Assert.AreEqual(model.LabelStandardization, loadedModel.LabelStandardization);
            Assert.AreEqual(new TrainingOutcome(TrainingStopReason.StopRequested, 3, 7, 1), loadedModel.Outcome);
            Assert.AreEqual(task == PredictionTask.Regression, loadedModel.LabelStandardization is not null);
            for (int l = 0; l < model.LayerSizes.Count - 1; l++)
            {
                CollectionAssert.AreEqual(Bits(model.GetWeights(l)), Bits(loadedModel.GetWeights(l)), $"weights {l}");
                CollectionAssert.AreEqual(Bits(model.GetBias(l)), Bits(loadedModel.GetBias(l)), $"bias {l}");
            }

            var before = transformer.Transform(data);
            var after = loaded.Transform(data);
            foreach (var column in task == PredictionTask.BinaryClassification ? new[] { "Score", "Probability" } : new[] { "Score" })
                CollectionAssert.AreEqual(ScoreBits(before, column), ScoreBits(after, column), $"{column} changed by save and load");

            switch (task)
            {
                case PredictionTask.MulticlassClassification:
                    var multiclass = mlContext.MulticlassClassification.Evaluate(after, "Label");
                    Assert.AreEqual(ReferenceAccuracy(model, rows), multiclass.MicroAccuracy, 1e-12);
                    Assert.AreEqual(3, multiclass.ConfusionMatrix.NumberOfClasses);
                    break;
                case PredictionTask.BinaryClassification:
                    var binary = mlContext.BinaryClassification.Evaluate(after, nameof(ModelFixtures.Row.Positive));
                    Assert.AreEqual(ReferenceAccuracy(model, rows), binary.Accuracy, 1e-12);
                    Assert.IsTrue(binary.LogLoss > 0 && !double.IsNaN(binary.AreaUnderRocCurve), $"log-loss {binary.LogLoss}, AUC {binary.AreaUnderRocCurve}");
                    break;
                default:
                    var regression = mlContext.Regression.Evaluate(after, nameof(ModelFixtures.Row.Target));
                    double rmse = Math.Sqrt(rows.Average(r => Math.Pow(ModelFixtures.ReferenceForward(model, r.Features)[0] - r.Target, 2)));
                    Assert.AreEqual(rmse, regression.RootMeanSquaredError, 1e-5 * rmse);
                    break;
            }
        }

        [TestMethod]
        public void AFlippedBitInTheWeightsFailsTheLoad()
        {
            string path = SavedMulticlassModel();
            RewriteModelStream(path, bytes => { bytes[FirstSizeOffset + 3 * 4 + 17] ^= 0x10; return bytes; });
            AssertLoadFails(path, "is corrupt: its SHA-256 checksum does not match its contents");
        }

        [TestMethod]
        public void ATruncatedStreamFailsTheLoad()
        {
            string path = SavedMulticlassModel();
            RewriteModelStream(path, bytes => bytes.AsSpan(0, bytes.Length - 50).ToArray());
            AssertLoadFails(path, "is truncated: it holds");
            RewriteModelStream(path, bytes => bytes.AsSpan(0, 7).ToArray());
            AssertLoadFails(path, "is truncated: it holds 7 bytes, fewer than its 12-byte header");
        }

        [TestMethod]
        public void AMissingStreamFailsTheLoad()
        {
            string path = SavedMulticlassModel();
            RewriteModelStream(path, _ => null);
            AssertLoadFails(path, "has no 'RiemannianMlp.bin' stream");
        }

        [TestMethod]
        public void ANewerFormatVersionAsksForANewerPackage()
        {
            string path = SavedMulticlassModel();
            RewriteModelStream(path, bytes => { BinaryPrimitives.WriteInt32LittleEndian(bytes, 8); return Reseal(bytes); });
            AssertLoadFails(path, "has format version 8, but this MLNetRiemannian reads version 7");
        }

        [TestMethod]
        public void AVersion3RegressionModelLoadsWithoutStandardizationAndScoresAsWhenMade()
        {
            var (mlContext, loaded, model) = LoadFixture("boston-v3.zip", version: 3);
            Assert.IsNull(model.LabelStandardization, "a model from before version 4 learned the label as given");
            Assert.AreEqual(40, model.History.Count);
            Assert.IsTrue(model.History.All(e => e.ZeroWeightBatches == 0));
            Assert.IsNull(model.Outcome, "a model from before version 4 does not say how its training ended");
            Assert.IsNull(model.InputScaling, "a model from before version 5 takes its features as given");
            Assert.AreEqual(0.7902, HeldOutBostonR2(mlContext, loaded), 1e-4);
        }

        [TestMethod]
        public void AVersion5RegressionModelLoadsWithoutAnInputScaleAndScoresAsWhenMade()
        {
            var (mlContext, loaded, model) = LoadFixture("boston-v5.zip", version: 5);
            Assert.IsNotNull(model.InputScaling, "version 5 keeps its robust input scaling");
            Assert.IsNull(model.InputScale, "a model from before version 6 has no learned input scale");
            Assert.AreEqual(0.8210, HeldOutBostonR2(mlContext, loaded), 1e-4);
        }

        /// <summary>Loads the committed zip <paramref name="name"/> (data/models), checking that its stream is still format <paramref name="version"/>.</summary>
        private static (MLContext Context, TransformerChain<ITransformer> Loaded, RiemannianMlpModelParameters Model) LoadFixture(string name, int version)
        {
            string path = Path.Combine(AppContext.BaseDirectory, "data", "models", name);
            using (var zip = ZipFile.OpenRead(path))
            using (var stream = zip.Entries.Single(e => e.FullName.EndsWith("RiemannianMlp.bin", StringComparison.Ordinal)).Open())
            {
                var bytes = new byte[4];
                stream.ReadExactly(bytes);
                Assert.AreEqual(version, BinaryPrimitives.ReadInt32LittleEndian(bytes), $"the fixture must stay a version {version} stream");
            }
            var mlContext = new MLContext(seed: 1);
            var loaded = (TransformerChain<ITransformer>)mlContext.Model.Load(path, out _);
            return (mlContext, loaded, ((ISingleFeaturePredictionTransformer<RiemannianMlpModelParameters>)loaded.LastTransformer).Model);
        }

        /// <summary>R² on the held-out Boston lines (data line index a multiple of 4), as data/models/README.md records them when made.</summary>
        private static double HeldOutBostonR2(MLContext mlContext, ITransformer loaded)
        {
            var held = mlContext.Data.LoadFromEnumerable(File.ReadLines(Tests.Reference.SampleData.DataPath("boston_house_prices.csv")).Skip(2)
                .Where((_, i) => i % 4 == 0).Select(line => line.Split(',').Select(float.Parse).ToArray())
                .Select(v => new Tests.Reference.SampleData.HouseRow { Attributes = v[..11].Append(v[12]).ToArray(), Label = v[13] }).ToList());
            return mlContext.Regression.Evaluate(loaded.Transform(held)).RSquared;
        }

        [TestMethod]
        public void NonFiniteWeightsOrBiasesAreRefusedNamingTheLayer()
        {
            // The fixture is 4-5-3: layer 0's 20 weights and 5 biases come first, then layer 1's 15 weights and 3 biases.
            int layer0Weights = FirstSizeOffset + 3 * 4;
            int layer1Biases = layer0Weights + (20 + 5 + 15) * 4;
            string path = SavedMulticlassModel();
            RewriteModelStream(path, bytes => { BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(layer0Weights + 7 * 4), float.NaN); return Reseal(bytes); });
            AssertLoadFails(path, "is corrupt: layer 0's 5 x 4 weights hold the non-finite value NaN at index 7");

            path = SavedMulticlassModel();
            RewriteModelStream(path, bytes => { BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(layer1Biases + 2 * 4), float.NegativeInfinity); return Reseal(bytes); });
            AssertLoadFails(path, "is corrupt: layer 1's 3 biases hold the non-finite value "); // -Infinity, spelled by the culture
        }

        [TestMethod]
        public void TheModelHeaderStaysReadableByOlderPackagesSoTheyReachTheFormatsOwnMessage()
        {
            // ML.NET's header (Microsoft.ML.Core, ModelHeader): ModelSignature at 0x40, ModelVerWritten at 0x48 and
            // ModelVerReadable at 0x4C. A reader refuses a header whose verReadable exceeds its own verWrittenCur with a
            // generic "model is too new"; every package so far has verWrittenCur 0x00010001 or more, so a verReadable of
            // 0x00010001 lets an older package reach RiemannianMlpFormat's "update the package" instead.
            string path = SavedMulticlassModel();
            using var zip = ZipFile.OpenRead(path);
            byte[]? header = null;
            foreach (var entry in zip.Entries.Where(e => e.FullName.EndsWith("Model.key", StringComparison.Ordinal)))
            {
                using var stream = entry.Open();
                var bytes = new byte[0x50];
                stream.ReadExactly(bytes);
                if (System.Text.Encoding.ASCII.GetString(bytes, 0x40, 8) == "RIEMNMLP") header = bytes;
            }
            Assert.IsNotNull(header, "no model header with the signature RIEMNMLP");
            Assert.AreEqual(0x00010007u, BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(0x48)), "verWritten: format version 7");
            Assert.AreEqual(0x00010001u, BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(0x4C)), "verReadable: the first version");
        }

        [TestMethod]
        public void AnIntactChecksumOverImpossibleContentsStillFailsTheLoad()
        {
            string path = SavedMulticlassModel();
            RewriteModelStream(path, bytes => { BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(ActivationOffset), 99); return Reseal(bytes); });
            AssertLoadFails(path, "it names an unknown activation, 99");

            path = SavedMulticlassModel();
            // A hidden width of 6 instead of 5: the weights no longer line up with the sizes.
            RewriteModelStream(path, bytes => { BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(FirstSizeOffset + 4), 6); return Reseal(bytes); });
            AssertLoadFails(path, "is corrupt:");
        }

        [TestMethod]
        public void AnImpossibleTrainingOutcomeFailsTheLoad()
        {
            // The outcome ends the payload: bool, then int32 reason, epoch, step and kept epoch (RiemannianMlpFormat).
            int KeptEpoch(byte[] bytes) => bytes.Length - ChecksumBytes - 4;
            string path = SavedMulticlassModel();
            RewriteModelStream(path, bytes => { BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(KeptEpoch(bytes)), 4); return Reseal(bytes); });
            AssertLoadFails(path, "The training outcome TrainingOutcome { Reason = StopRequested, Epoch = 3, Step = 7, KeptEpoch = 4 } is impossible");

            path = SavedMulticlassModel();
            RewriteModelStream(path, bytes => { BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(KeptEpoch(bytes) - 12), 9); return Reseal(bytes); });
            AssertLoadFails(path, "it names an unknown training stop reason, 9");

            path = SavedMulticlassModel();
            RewriteModelStream(path, bytes => { BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(KeptEpoch(bytes)), -1); return Reseal(bytes); });
            var mlContext = new MLContext(seed: 1);
            var loaded = ((ISingleFeaturePredictionTransformer<RiemannianMlpModelParameters>)mlContext.Model.Load(path, out _)).Model;
            Assert.AreEqual(new TrainingOutcome(TrainingStopReason.StopRequested, 3, 7, null), loaded.Outcome, "−1 stands for no kept epoch");
        }

        private string SavedMulticlassModel()
        {
            var mlContext = new MLContext(seed: 1);
            var data = ModelFixtures.KeyedData(mlContext, ModelFixtures.Rows(20));
            var model = ModelFixtures.Model(mlContext, PredictionTask.MulticlassClassification);
            string path = TempPath();
            mlContext.Model.Save(PredictionTransformerFactory.Multiclass(mlContext, model, data.Schema, "Features", "Label"), data.Schema, path);
            return path;
        }

        private string TempPath() =>
            Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"riemannian-mlp-{Guid.NewGuid():N}.zip");

        /// <summary>Replaces the model's binary stream inside the zip by <paramref name="change"/>'s result (none when null).</summary>
        private static void RewriteModelStream(string zipPath, Func<byte[], byte[]?> change)
        {
            using var zip = ZipFile.Open(zipPath, ZipArchiveMode.Update);
            var entry = zip.Entries.Single(e => e.FullName.EndsWith("RiemannianMlp.bin", StringComparison.Ordinal));
            string name = entry.FullName;
            byte[] bytes;
            using (var stream = entry.Open())
            using (var copy = new MemoryStream())
            {
                stream.CopyTo(copy);
                bytes = copy.ToArray();
            }
            entry.Delete();
            var changed = change(bytes);
            if (changed is null) return;
            using var output = zip.CreateEntry(name).Open();
            output.Write(changed);
        }

        /// <summary>Recomputes the trailing SHA-256, as a deliberate (not accidental) edit would.</summary>
        private static byte[] Reseal(byte[] bytes)
        {
            int body = bytes.Length - ChecksumBytes;
            SHA256.HashData(bytes.AsSpan(0, body)).CopyTo(bytes.AsSpan(body));
            return bytes;
        }

        private static void AssertLoadFails(string path, string expectedMessage)
        {
            var mlContext = new MLContext(seed: 1);
            Exception? thrown = null;
            try { mlContext.Model.Load(path, out _); }
            catch (Exception e) { thrown = e; }
            Assert.IsNotNull(thrown, "the damaged model loaded");
            // ML.NET calls loaders through reflection (the transformer's, then the model's), so the model's exception
            // arrives wrapped in two TargetInvocationExceptions; their ToString shows it.
            var cause = thrown;
            while (cause is not null and not InvalidDataException) cause = cause.InnerException;
            Assert.IsNotNull(cause, $"no InvalidDataException in {thrown}");
            StringAssert.Contains(cause.Message, expectedMessage);
            StringAssert.Contains(thrown.ToString(), expectedMessage, "the outermost exception hides the cause");
        }

        private static double ReferenceAccuracy(RiemannianMlpModelParameters model, System.Collections.Generic.List<ModelFixtures.Row> rows)
        {
            int right = 0;
            foreach (var row in rows)
            {
                var z = ModelFixtures.ReferenceForward(model, row.Features);
                right += model.Task == PredictionTask.MulticlassClassification
                    ? (ModelFixtures.ClassNames[Array.IndexOf(z, z.Max())] == row.Class ? 1 : 0)
                    : (z[0] > 0) == row.Positive ? 1 : 0;
            }
            return (double)right / rows.Count;
        }

        private static int[] Bits(ReadOnlySpan<float> values) => values.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();

        private static int[] ScoreBits(IDataView scored, string column) => scored.Schema[column].Type is VectorDataViewType
            ? scored.GetColumn<float[]>(column).SelectMany(v => v).Select(BitConverter.SingleToInt32Bits).ToArray()
            : scored.GetColumn<float>(column).Select(BitConverter.SingleToInt32Bits).ToArray();
    }
}
