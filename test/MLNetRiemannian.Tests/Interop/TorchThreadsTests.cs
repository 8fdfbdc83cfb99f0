using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Interop;
using MLNetRiemannian.Model;
using MLNetRiemannian.Tests.Reference;
using MLNetRiemannian.Trainers;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Interop
{
    /// <summary>
    /// src/MLNetRiemannian/Interop/TorchThreads.cs: libtorch's thread count is process-wide, so concurrent fits that ask
    /// for different NumberOfThreads must not see each other's count; each must give the model it gives alone, and the
    /// process's count must be as before once they are done.
    /// </summary>
    [TestClass]
    public sealed class TorchThreadsTests
    {
        [TestMethod]
        public void ConcurrentFitsWithDifferentThreadCountsAreEachBitIdenticalToTheSameFitAlone()
        {
            int before = get_num_threads();
            int?[] counts = { 1, 2, null };
            var alone = counts.Select(c => Weights(Fit(c, out _))).ToArray();
            Assert.AreEqual(before, get_num_threads(), "the process's count after sequential fits");
            // So that this test can fail: on this network 1 and 2 threads give different bits (11,645 of 19,210 parameters
            // differed when this was written), so a fit that ran with the other's count would not match itself alone.
            if (before > 1) CollectionAssert.AreNotEqual(alone[0], alone[1], "1 and 2 threads give different bits");

            var logs = new ConcurrentBag<string>();
            using var start = new Barrier(counts.Length);
            var together = counts.Select(c => Task.Run(() =>
            {
                start.SignalAndWait();
                var model = Fit(c, out var log);
                foreach (var line in log) logs.Add(line);
                return Weights(model);
            })).ToArray();
            Task.WaitAll(together);

            for (int i = 0; i < counts.Length; i++)
                CollectionAssert.AreEqual(alone[i], together[i].Result, $"NumberOfThreads {counts[i]?.ToString() ?? "null"}: concurrent against alone");
            Assert.AreEqual(before, get_num_threads(), "the process's count after concurrent fits");
            Assert.IsTrue(logs.Any(l => l.Contains("take turns") && l.Contains("Waited")),
                "a fit that waited for another thread count says so:\n" + string.Join("\n", logs));
        }

        [TestMethod]
        public void AScopeWaitsOnlyForAnotherCountAndRestoresTheProcesssCount()
        {
            int before = get_num_threads();
            int other = before == 1 ? 2 : 1;
            using (var first = TorchThreads.Enter(before, () => { }))
            using (var same = TorchThreads.Enter(null, () => { }))
            {
                Assert.AreEqual(before, same.Count, "null joins the running fits at the process's count");
                var waiting = Task.Run(() => { using var s = TorchThreads.Enter(other, () => { }); return s.Count; });
                Assert.IsFalse(waiting.Wait(300), "another count waits while fits run");
                same.Dispose();
                Assert.IsFalse(waiting.Wait(300), "... until the last of them has left");
                first.Dispose();
                Assert.IsTrue(waiting.Wait(5000));
                Assert.AreEqual(other, waiting.Result);
            }
            Assert.AreEqual(before, get_num_threads());
        }

        [TestMethod]
        public void AWaitingFitCanBeAbandoned()
        {
            int other = get_num_threads() == 1 ? 2 : 1;
            using var running = TorchThreads.Enter(null, () => { });
            int checks = 0;
            Assert.ThrowsExactly<OperationCanceledException>(() => TorchThreads.Enter(other, () => { if (++checks == 3) throw new OperationCanceledException(); }));
            Assert.AreEqual(3, checks);
        }

        [TestMethod]
        public void ASmallNetworkTrainsOnOneThreadAndALargeOneOnTheProcesssCount()
        {
            int before = get_num_threads();
            // On one core there is nothing to tell apart.
            if (before == 1) set_num_threads(2);
            try
            {
                int process = get_num_threads();
                // 64-256-10: 19,210 parameters, at most Defaults.SingleThreadParameters; 64-1024-10: 76,810, above it.
                Assert.AreEqual(1, ThreadsDuringFit(256, null, out var log), "a small network, NumberOfThreads left open");
                Assert.IsTrue(log.Any(l => l.Contains("on 1 libtorch thread")), "the log says so:\n" + string.Join("\n", log));
                Assert.AreEqual(process, ThreadsDuringFit(1024, null, out log), "a larger network keeps the process's count");
                Assert.IsFalse(log.Any(l => l.Contains("libtorch thread")));
                Assert.AreEqual(process, ThreadsDuringFit(256, process, out log), "NumberOfThreads set wins");
                Assert.AreEqual(process, get_num_threads(), "the process's count after the fits");
            }
            finally
            {
                set_num_threads(before);
            }
        }

        // libtorch's thread count seen from inside a one-epoch fit (its progress callback runs on the fitting thread).
        private static int ThreadsDuringFit(int hidden, int? threads, out List<string> log)
        {
            int seen = 0;
            Fit(new RiemannianMlpMulticlassTrainer.Options
            {
                HiddenLayerSizes = new[] { hidden }, NumberOfEpochs = 1, BatchSize = 256, Seed = 1, NumberOfThreads = threads,
                Progress = new Trainers.MulticlassTrainerTests.SynchronousProgress(_ => seen = get_num_threads()),
            }, out log);
            return seen;
        }

        private static RiemannianMlpModelParameters Fit(int? threads, out List<string> log) => Fit(new RiemannianMlpMulticlassTrainer.Options
        {
            HiddenLayerSizes = new[] { 256 }, NumberOfEpochs = 2, BatchSize = 256, Seed = 1, NumberOfThreads = threads,
        }, out log);

        // The digits, featurized, fitted with these options; the log's lines above Trace.
        private static RiemannianMlpModelParameters Fit(RiemannianMlpMulticlassTrainer.Options options, out List<string> log)
        {
            var ml = new MLContext(seed: 1);
            var lines = new List<string>();
            ml.Log += (_, e) => { if (e.Kind != ChannelMessageKind.Trace) lock (lines) lines.Add(e.Message); };
            var raw = SampleData.Digits(ml);
            var data = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.Concatenate("Features", "Pixels"))
                .Append(ml.Transforms.NormalizeMinMax("Features")).Fit(raw).Transform(raw);
            var model = ml.MulticlassClassification.Trainers.RiemannianMlp(options).Fit(data).Model;
            log = lines;
            return model;
        }

        private static float[] Weights(RiemannianMlpModelParameters model) =>
            Enumerable.Range(0, model.LayerSizes.Count - 1).SelectMany(l => model.GetWeights(l).ToArray().Concat(model.GetBias(l).ToArray())).ToArray();
    }
}
