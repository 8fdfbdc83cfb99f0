namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// What the scaling sweep measures: one dense layer of <see cref="Outputs"/> outputs and each of
    /// <see cref="InputSizes"/> inputs (n = out·(in + 1)), at every batch size B and factor row count d; the dense
    /// solve only up to <see cref="DenseLimit"/> parameters (its n × n metric grows as n², its factorization as n³).
    /// </summary>
    internal sealed record ScalingPlan(bool Quick, int Outputs, int[] InputSizes, int[] Batches, int[] Ds, long DenseLimit,
        int WoodburyRepetitions, int DenseRepetitions, int GemmSize)
    {
        /// <summary>n from 1,000 to 1,000,000 (8,000 among them), B ∈ {16, 32, 64, 128}, d ∈ {1, 10}; about two minutes on 2 cores.</summary>
        public static readonly ScalingPlan Full = new(false, 100, new[] { 9, 19, 39, 79, 159, 319, 639, 1279, 2559, 4999, 9999 },
            new[] { 16, 32, 64, 128 }, new[] { 1, 10 }, 8_000, 15, 3, 1024);

        /// <summary>A few seconds: n up to 4,000, two batch sizes.</summary>
        public static readonly ScalingPlan QuickPlan = new(true, 100, new[] { 9, 19, 39 }, new[] { 16, 64 }, new[] { 1, 10 }, 4_000, 3, 1, 512);

        /// <summary>The agreement check's layer (n = 1,000) and batch shape: B·d = 320 rows, fewer than n as in training.</summary>
        public const int CheckInputs = 9, CheckBatch = 32, CheckD = 10;
    }
}
