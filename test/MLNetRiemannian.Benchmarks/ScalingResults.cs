using System.Collections.Generic;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// One layer size and batch shape: medians of the Woodbury direction and of the dense solve (null above the dense
    /// limit), their ratio, and the Woodbury direction's FLOP count, rate and fraction of the measured GEMM rate.
    /// </summary>
    internal sealed record ScalingRow(int Inputs, int Outputs, long N, int Batch, int D, double WoodburyMs, double? DenseMs, double? Ratio,
        double Flops, double Gflops, double FractionOfGemm, double? DenseGflops, double[] WoodburyRepetitionsMs, double[]? DenseRepetitionsMs);

    /// <summary>‖u_Woodbury − u_dense‖ / ‖u_dense‖ for one problem solved both ways in one precision.</summary>
    internal sealed record ScalingAgreement(long N, int Batch, int D, string Precision, double RelativeDifference);

    /// <summary>The least-squares slope of log(Woodbury ms) against log(n) over <c>[FromN, ToN]</c> at fixed B and d.</summary>
    internal sealed record ScalingSlope(int Batch, int D, long FromN, long ToN, double Slope);

    /// <summary>
    /// The machine's own FLOP rates, timed in the same rounds as the solves: a square <c>mm</c>, and
    /// <c>linalg.cholesky</c> at the largest inner size B·d and at the largest dense n; medians.
    /// </summary>
    internal sealed record ScalingRates(int GemmSize, double GemmGflops, int InnerCholeskySize, double InnerCholeskyGflops,
        int DenseCholeskySize, double DenseCholeskyGflops, double[] GemmRepetitionsMs);

    /// <summary>Everything scaling.json holds.</summary>
    internal sealed record ScalingResults(MachineInfo Machine, ScalingPlan Plan, int Threads, bool MallocTuning, string TorchSharp, ScalingRates Rates,
        IReadOnlyList<ScalingAgreement> Agreement, IReadOnlyList<ScalingRow> Rows, IReadOnlyList<ScalingSlope> Slopes,
        int InnerJitterRetries, int InnerDoublePrecisionFallbacks, IReadOnlyList<TargetResult> Targets);
}
