using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using static TorchSharp.torch;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// The scaling benchmark's clock. Every call to time is registered first; <see cref="Run"/> makes the untimed
    /// warm-up calls, then times the calls in rounds, each call once per round while it has repetitions left. Load from
    /// other processes (the machine is shared) then falls on all sizes and on the reference GEMM alike, instead of on
    /// whichever sizes happened to run while it lasted. Each call runs in a dispose scope of its own, so it allocates and
    /// frees as the training step does.
    /// </summary>
    internal sealed class ScalingClock
    {
        private readonly List<(Action Call, int WarmUps, double[] Milliseconds)> _calls = new();

        /// <summary>Registers <paramref name="call"/>; the returned array receives its times in ms when <see cref="Run"/> has run.</summary>
        public double[] Add(Action call, int warmUps, int repetitions)
        {
            var milliseconds = new double[repetitions];
            _calls.Add((call, warmUps, milliseconds));
            return milliseconds;
        }

        /// <summary>The warm-up calls, then the timed rounds.</summary>
        public void Run()
        {
            foreach (var (call, warmUps, _) in _calls)
                for (int w = 0; w < warmUps; w++) Time(call);
            int rounds = _calls.Max(c => c.Milliseconds.Length);
            for (int round = 0; round < rounds; round++)
                foreach (var (call, _, milliseconds) in _calls)
                    if (round < milliseconds.Length) milliseconds[round] = Time(call);
        }

        /// <summary>FLOP per nanosecond at the median time.</summary>
        public static double Gflops(double flops, double[] milliseconds) => flops / (ScoringTimers.Median(milliseconds) * 1e6);

        private static double Time(Action call)
        {
            using var scope = NewDisposeScope();
            long start = Stopwatch.GetTimestamp();
            call();
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
    }
}
