using System;
using System.Diagnostics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// The scaling benchmark's clock: untimed warm-up calls, then timed repetitions, each in a dispose scope of its own
    /// (so every repetition allocates and frees as the training step does), and the GEMM and Cholesky FLOP rates
    /// that the solves are compared with.
    /// </summary>
    internal static class ScalingClock
    {
        /// <summary>Milliseconds of each timed call of <paramref name="solve"/>, after <paramref name="warmUps"/> untimed calls.</summary>
        public static double[] Milliseconds(Action solve, int warmUps, int repetitions)
        {
            var times = new double[repetitions];
            for (int r = -warmUps; r < repetitions; r++)
            {
                using var scope = NewDisposeScope();
                long start = Stopwatch.GetTimestamp();
                solve();
                if (r >= 0) times[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            return times;
        }

        /// <summary>GFLOP/s of a plain <c>mm</c> of two random <paramref name="size"/>-square matrices, the median of the repetitions.</summary>
        public static double GemmGflops(int size, ScalarType dtype, int repetitions)
        {
            using var a = randn(size, size, dtype);
            using var b = randn(size, size, dtype);
            return Gflops(ScalingFlops.Gemm(size, size, size), Milliseconds(() => a.mm(b), 1, repetitions));
        }

        /// <summary>GFLOP/s of <c>linalg.cholesky</c> of a random <paramref name="size"/>-square positive definite matrix <c>A Aᵀ/size + I</c>.</summary>
        public static double CholeskyGflops(int size, ScalarType dtype, int repetitions)
        {
            using var a = randn(size, size, dtype);
            using var spd = a.mm(a.t()).div_(size);
            spd.diagonal().add_(1);
            return Gflops(ScalingFlops.Cholesky(size), Milliseconds(() => linalg.cholesky(spd), 1, repetitions));
        }

        /// <summary>FLOP per nanosecond at the median time.</summary>
        public static double Gflops(double flops, double[] milliseconds) => flops / (ScoringTimers.Median(milliseconds) * 1e6);
    }
}
