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

        private static Tensor T(double[] values, params long[] shape) => tensor(values, shape, ScalarType.Float64);

        private static Checkpoint Make(OptimizerState optimizer) => new()
        {
            Fingerprint = new List<(string, string)>(), Parameters = new List<Tensor> { T(Weight, 2, 3), T(Bias, 2) },
            State = new TrainingState { Epoch = 1, TotalSteps = 12 }, Optimizer = optimizer, GeneratorState = new byte[] { 1, 2, 3 },
        };

        /// <summary>A version 2 checkpoint of one 3→2 layer holding <paramref name="state"/> as its positional list.</summary>
        private static Checkpoint LoadVersion2(double[][] state, long steps, double rate)
        {
            var payload = new MemoryStream();
            using (var w = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(0); // fingerprint entries
                w.Write(1); w.Write(steps); w.Write(rate); // epoch, total steps, η
                w.Write(double.NaN); w.Write(0); w.Write(0); w.Write(false); // best, since best, best epoch, early stopped
                w.Write(2); Tensor(w, Weight, 2, 3); Tensor(w, Bias, 2); // parameters
                w.Write(0); w.Write(0); // last good, best parameters
                long[][] shapes = { new long[] { 2, 3 }, new long[] { 2 }, new long[] { 2 }, new long[] { 4 } };
                w.Write(state.Length);
                for (int i = 0; i < state.Length; i++) { w.Write(true); Tensor(w, state[i], shapes[i]); }
                w.Write(steps);
                w.Write(3); w.Write(new byte[] { 1, 2, 3 }); // generator state
                w.Write(0); // history
            }
            byte[] bytes = payload.ToArray();
            string path = Path.GetTempFileName();
            try
            {
                using (var file = File.Create(path))
                using (var o = new BinaryWriter(file))
                {
                    o.Write(Encoding.ASCII.GetBytes("RMLPCKPT")); o.Write(2); o.Write((long)bytes.Length); o.Write(bytes); o.Write(SHA256.HashData(bytes));
                }
                return Checkpoint.Load(path);
            }
            finally
            {
                File.Delete(path);
            }
        }

        private static void Tensor(BinaryWriter w, double[] values, params long[] shape)
        {
            w.Write((int)ScalarType.Float64);
            w.Write(shape.Length);
            foreach (long s in shape) w.Write(s);
            foreach (double x in values) w.Write(x);
        }
    }
}
