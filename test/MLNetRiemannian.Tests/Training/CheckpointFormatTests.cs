using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Optimization;
using MLNetRiemannian.Training;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Training
{
    /// <summary>
    /// The checkpoint's optimizer section: version 3 saves each layer's typed state as is, and version 2's positional
    /// list (written here by hand, byte for byte as version 2 wrote it) still reads into the same typed state.
    /// </summary>
    [TestClass]
    public sealed class CheckpointFormatTests
    {
        // One 3→2 layer: weight [2, 3], bias [2]; the adaptive mass's r [2], c [4].
        private static readonly double[] Weight = { 1, 2, 3, 4, 5, 6 }, Bias = { 7, 8 }, Rows = { 0.5, 0.25 }, Columns = { 1, 2, 3, 4 };

        [TestMethod]
        public void AVersion2AdaptiveStateReadsIntoTheTypedLayerState()
        {
            using var checkpoint = LoadVersion2(new[] { Weight, Bias, Rows, Columns }, steps: 37, rate: 0.08);
            var state = checkpoint.Optimizer;
            Assert.AreEqual(37, state.Steps);
            Assert.AreEqual(0.08, state.LearningRate);
            var layer = state.Layers.Single();
            CollectionAssert.AreEqual(Weight, layer.MomentumWeight!.data<double>().ToArray());
            CollectionAssert.AreEqual(new long[] { 2, 3 }, layer.MomentumWeight.shape);
            CollectionAssert.AreEqual(Bias, layer.MomentumBias!.data<double>().ToArray());
            CollectionAssert.AreEqual(Rows, layer.SecondMomentRows!.data<double>().ToArray());
            CollectionAssert.AreEqual(Columns, layer.SecondMomentColumns!.data<double>().ToArray());
        }

        [TestMethod]
        public void Float32TensorsOfVersionsBefore4AreReadFromTheirWidenedValues()
        {
            // Version 4 stores Float32 values as they are (4 bytes); the versions before widened them to 8.
            using var checkpoint = LoadVersion2(new[] { Weight, Bias }, steps: 5, rate: 0.2, parameterType: ScalarType.Float32);
            Assert.AreEqual(ScalarType.Float32, checkpoint.Parameters[0].dtype);
            CollectionAssert.AreEqual(Weight.Select(x => (float)x).ToArray(), checkpoint.Parameters[0].data<float>().ToArray());
            CollectionAssert.AreEqual(Bias.Select(x => (float)x).ToArray(), checkpoint.Parameters[1].data<float>().ToArray());
        }

        [TestMethod]
        public void AVersion2HeavyBallStateReadsAsMomentumAlone()
        {
            using var checkpoint = LoadVersion2(new[] { Weight, Bias }, steps: 5, rate: 0.2);
            var layer = checkpoint.Optimizer.Layers.Single();
            CollectionAssert.AreEqual(Weight, layer.MomentumWeight!.data<double>().ToArray());
            Assert.IsNull(layer.SecondMomentRows);
            Assert.IsNull(layer.SecondMomentColumns);
        }

        [TestMethod]
        public void Version3KeepsEveryPartAndItsAbsence()
        {
            string path = Path.GetTempFileName();
            try
            {
                using (var written = Make(new OptimizerState
                {
                    Steps = 12, LearningRate = 0.04,
                    Layers = new[] { new LayerOptimizerState(T(Weight, 2, 3), T(Bias, 2), null, T(Columns, 4)) },
                }))
                    written.Save(path);
                using var read = Checkpoint.Load(path);
                var layer = read.Optimizer.Layers.Single();
                Assert.AreEqual((12L, 0.04), (read.Optimizer.Steps, read.Optimizer.LearningRate));
                CollectionAssert.AreEqual(Weight, layer.MomentumWeight!.data<double>().ToArray());
                Assert.IsNull(layer.SecondMomentRows);
                CollectionAssert.AreEqual(Columns, layer.SecondMomentColumns!.data<double>().ToArray());
            }
            finally
            {
                File.Delete(path);
            }
        }

        [TestMethod]
        public void Version5KeepsTheInputScalesStateAndVersion4ReadsWithoutOne()
        {
            string path = Path.GetTempFileName();
            try
            {
                using (var written = Make(new OptimizerState
                {
                    Steps = 12, LearningRate = 0.04, Layers = new[] { new LayerOptimizerState(T(Weight, 2, 3), T(Bias, 2), null, null) },
                    Diagonals = new[] { new DiagonalOptimizerState(T(Columns, 4), null) },
                }))
                    written.Save(path);
                using var read = Checkpoint.Load(path);
                var diagonal = read.Optimizer.Diagonals.Single();
                CollectionAssert.AreEqual(Columns, diagonal.Momentum!.data<double>().ToArray());
                Assert.IsNull(diagonal.SecondMoment);
            }
            finally
            {
                File.Delete(path);
            }

            // A version 4 checkpoint (written before the input scale existed) holds no diagonal state: it reads as none.
            using var old = LoadRaw(version: 4, PayloadBefore6(version: 4));
            Assert.AreEqual(0, old.Optimizer.Diagonals.Count);
            CollectionAssert.AreEqual(Bias, old.Optimizer.Layers.Single().MomentumBias!.data<double>().ToArray());
            Assert.AreEqual(2, old.Parameters.Count);
        }

        [TestMethod]
        public void Version6KeepsTheParametersAverageAndVersion5ReadsWithoutOne()
        {
            string path = Path.GetTempFileName();
            try
            {
                using (var written = Make(new OptimizerState { Steps = 12, LearningRate = 0.04, Layers = new[] { new LayerOptimizerState(null, null, null, null) } }))
                {
                    written.State.Averaged.Add(T(Weight, 2, 3));
                    written.State.Averaged.Add(T(Bias, 2));
                    written.Save(path);
                }
                using var read = Checkpoint.Load(path);
                Assert.AreEqual(2, read.State.Averaged.Count);
                CollectionAssert.AreEqual(Weight, read.State.Averaged[0].data<double>().ToArray());
                CollectionAssert.AreEqual(new long[] { 2, 3 }, read.State.Averaged[0].shape);
                CollectionAssert.AreEqual(Bias, read.State.Averaged[1].data<double>().ToArray());
            }
            finally
            {
                File.Delete(path);
            }

            // A version 5 checkpoint (written before averaging existed) ends with its history: it reads with no average.
            using var old = LoadRaw(version: 5, PayloadBefore6(version: 5));
            Assert.AreEqual(0, old.State.Averaged.Count);
            Assert.AreEqual(2, old.Parameters.Count);
        }

        [TestMethod]
        public void ALargeModelsCheckpointIsStreamedWithLittleMemoryBesideItAndReadsBackExactly()
        {
            // Issue 19's c31 case, scaled down: a checkpoint held 3–4 Float64 copies of the weights in one MemoryStream and
            // overflowed it for a 75 M-weight model. Streamed, writing takes far less than 10 % of the model's Float32 size.
            using var scope = NewDisposeScope();
            var generator = new Generator(3);
            Tensor Layer() => randn(2_000, 2_000, generator: generator);      // 4 M Float32 weights, 16 MB
            var parameters = new List<Tensor> { Layer(), randn(2_000, generator: generator) };
            long modelBytes = parameters.Sum(t => t.numel()) * sizeof(float);
            var state = new TrainingState { Epoch = 2, TotalSteps = 40 };
            state.LastGood.AddRange(parameters.Select(t => t.clone()));
            state.BestParameters.AddRange(parameters.Select(t => t.clone()));
            using var checkpoint = new Checkpoint
            {
                Fingerprint = new List<(string, string)> { ("the task", "BinaryClassification") }, Parameters = parameters, State = state,
                Optimizer = new OptimizerState { Steps = 40, LearningRate = 0.1, Layers = new[] { new LayerOptimizerState(Layer(), randn(2_000, generator: generator), null, null) } },
                GeneratorState = new byte[] { 4, 5, 6 },
            };
            string path = Path.GetTempFileName();
            try
            {
                checkpoint.Save(path); // warm the buffer pool and the file system
                long managed = GC.GetAllocatedBytesForCurrentThread(), native = MLNetRiemannian.Interop.GlibcAllocator.InUseBytes();
                checkpoint.Save(path);
                managed = GC.GetAllocatedBytesForCurrentThread() - managed;
                native = MLNetRiemannian.Interop.GlibcAllocator.InUseBytes() - native;
                TestContext.WriteLine($"model {modelBytes:N0} bytes; file {new FileInfo(path).Length:N0}; allocated while writing: managed {managed:N0}, native {native:N0}");
                Assert.IsTrue(managed < 0.1 * modelBytes, $"managed bytes allocated writing: {managed:N0}");
                Assert.IsTrue(native < 0.1 * modelBytes, $"native bytes in use after writing: {native:N0}");

                using var read = Checkpoint.Load(path);
                Assert.IsTrue(read.Parameters[0].eq(parameters[0]).all().item<bool>());
                Assert.IsTrue(read.State.BestParameters[1].eq(parameters[1]).all().item<bool>());
                Assert.AreEqual(ScalarType.Float32, read.Optimizer.Layers[0].MomentumWeight!.dtype);
                CollectionAssert.AreEqual(new byte[] { 4, 5, 6 }, read.GeneratorState);
            }
            finally
            {
                File.Delete(path);
            }
        }

        public TestContext TestContext { get; set; } = null!;

        /// <summary>
        /// The payload of a version 4 or 5 checkpoint, byte for byte as those versions wrote it: one 3→2 layer with its
        /// momentum, no snapshots, an empty history; version 5 adds the diagonal modules' count (0) after the layers.
        /// </summary>
        private static byte[] PayloadBefore6(int version)
        {
            var payload = new MemoryStream();
            using (var w = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(0); // fingerprint entries
                w.Write(1); w.Write(12L); w.Write(0.04); // epoch, total steps, η
                w.Write(double.NaN); w.Write(0); w.Write(0); w.Write(false); w.Write(double.NaN); // best, since best, best epoch, early stopped, best loss
                w.Write(2); Tensor(w, Weight, ScalarType.Float64, 2, 3); Tensor(w, Bias, ScalarType.Float64, 2);
                w.Write(0); w.Write(0); // last good, best parameters
                w.Write(12L); w.Write(0.04); w.Write(1); // the optimizer's steps, η and one layer
                w.Write(true); Tensor(w, Weight, ScalarType.Float64, 2, 3); w.Write(true); Tensor(w, Bias, ScalarType.Float64, 2); w.Write(false); w.Write(false);
                if (version >= 5) w.Write(0); // diagonal modules
                w.Write(3); w.Write(new byte[] { 1, 2, 3 }); // generator state
                w.Write(0); // history
            }
            return payload.ToArray();
        }

        private static Tensor T(double[] values, params long[] shape) => tensor(values, shape, ScalarType.Float64);

        private static Checkpoint Make(OptimizerState optimizer) => new()
        {
            Fingerprint = new List<(string, string)>(), Parameters = new List<Tensor> { T(Weight, 2, 3), T(Bias, 2) },
            State = new TrainingState { Epoch = 1, TotalSteps = 12 }, Optimizer = optimizer, GeneratorState = new byte[] { 1, 2, 3 },
        };

        /// <summary>A version 2 checkpoint of one 3→2 layer holding <paramref name="state"/> as its positional list.</summary>
        private static Checkpoint LoadVersion2(double[][] state, long steps, double rate, ScalarType parameterType = ScalarType.Float64)
        {
            var payload = new MemoryStream();
            using (var w = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(0); // fingerprint entries
                w.Write(1); w.Write(steps); w.Write(rate); // epoch, total steps, η
                w.Write(double.NaN); w.Write(0); w.Write(0); w.Write(false); // best, since best, best epoch, early stopped
                // Parameters; versions before 4 stored every dtype's values widened to Float64.
                w.Write(2); Tensor(w, Weight, parameterType, 2, 3); Tensor(w, Bias, parameterType, 2);
                w.Write(0); w.Write(0); // last good, best parameters
                long[][] shapes = { new long[] { 2, 3 }, new long[] { 2 }, new long[] { 2 }, new long[] { 4 } };
                w.Write(state.Length);
                for (int i = 0; i < state.Length; i++) { w.Write(true); Tensor(w, state[i], ScalarType.Float64, shapes[i]); }
                w.Write(steps);
                w.Write(3); w.Write(new byte[] { 1, 2, 3 }); // generator state
                w.Write(0); // history
            }
            return LoadRaw(version: 2, payload.ToArray());
        }

        /// <summary>A checkpoint file of <paramref name="version"/> around <paramref name="bytes"/> (the payload), loaded.</summary>
        private static Checkpoint LoadRaw(int version, byte[] bytes)
        {
            string path = Path.GetTempFileName();
            try
            {
                using (var file = File.Create(path))
                using (var o = new BinaryWriter(file))
                {
                    o.Write(Encoding.ASCII.GetBytes("RMLPCKPT")); o.Write(version); o.Write((long)bytes.Length); o.Write(bytes); o.Write(SHA256.HashData(bytes));
                }
                return Checkpoint.Load(path);
            }
            finally
            {
                File.Delete(path);
            }
        }

        private static void Tensor(BinaryWriter w, double[] values, ScalarType dtype, params long[] shape)
        {
            w.Write((int)dtype);
            w.Write(shape.Length);
            foreach (long s in shape) w.Write(s);
            foreach (double x in values) w.Write(x);
        }
    }
}
