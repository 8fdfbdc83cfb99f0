using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>The scaling benchmark's log-log slopes, its targets (from the issue), and scaling.md.</summary>
    internal static class ScalingReport
    {
        private const long RatioSize = 8_000, LargestSize = 1_000_000;
        private const double MinimumRatio = 100, MaximumSlope = 1.1, MinimumGemmFraction = 0.5;

        /// <summary>
        /// Per (B, d): the slope over all n and, when the sweep spans more than a decade, over its last decade, where the
        /// n-proportional work (<c>X Xᵀ</c>, <c>K A</c>, <c>Kᵀ v</c>) weighs most against the n-free work (<c>R Rᵀ</c>, the Cholesky factorization of S).
        /// </summary>
        public static List<ScalingSlope> Slopes(IReadOnlyList<ScalingRow> rows)
        {
            var slopes = new List<ScalingSlope>();
            foreach (var curve in rows.GroupBy(r => (r.D, r.Batch)))
            {
                long largest = curve.Max(r => r.N), smallest = curve.Min(r => r.N);
                slopes.Add(Slope(curve.ToList()));
                if (smallest * 10 < largest) slopes.Add(Slope(curve.Where(r => r.N * 10 >= largest).ToList()));
            }
            return slopes;
        }

        /// <summary>The issue's three targets; <see cref="TargetResult.Holds"/> is null where the sweep did not reach the size.</summary>
        public static List<TargetResult> Targets(ScalingPlan plan, IReadOnlyList<ScalingRow> rows, IReadOnlyList<ScalingSlope> slopes, ScalingRates rates)
        {
            var targets = new List<TargetResult>();
            string ratioTarget = $"Woodbury at least {MinimumRatio}x faster than the dense solve at n = {RatioSize:N0}, every B and d";
            var atRatioSize = rows.Where(r => r.N == RatioSize && r.Ratio is not null).OrderBy(r => r.Ratio).ToList();
            targets.Add(atRatioSize.Count == 0
                ? new(ratioTarget, null, $"the dense solve stops at n = {plan.DenseLimit:N0} in this sweep")
                : new(ratioTarget, atRatioSize[0].Ratio >= MinimumRatio,
                    $"from {atRatioSize[0].Ratio:N0}x ({Shape(atRatioSize[0])}: {atRatioSize[0].WoodburyMs:F2} ms vs {atRatioSize[0].DenseMs:F0} ms) " +
                    $"to {atRatioSize[^1].Ratio:N0}x ({Shape(atRatioSize[^1])}: {atRatioSize[^1].WoodburyMs:F2} ms vs {atRatioSize[^1].DenseMs:F0} ms)"));

            string slopeTarget = $"Woodbury time grows at most linearly in n up to n = {LargestSize:N0} at fixed B·d (every log-log slope ≤ {MaximumSlope})";
            var steepest = slopes.OrderBy(s => s.Slope).Last();
            string slopeDetail = $"slopes from {slopes.Min(s => s.Slope):F2} to {steepest.Slope:F2} (steepest: B = {steepest.Batch}, d = {steepest.D}, n {steepest.FromN:N0}–{steepest.ToN:N0})";
            targets.Add(rows.Max(r => r.N) < LargestSize
                ? new(slopeTarget, null, $"measured only up to n = {rows.Max(r => r.N):N0}: {slopeDetail}")
                : new(slopeTarget, steepest.Slope <= MaximumSlope, slopeDetail));

            var heaviest = rows.OrderBy(r => r.Flops).Last();
            var fastest = rows.OrderBy(r => r.Gflops).Last();
            targets.Add(new($"The Woodbury direction at least {MinimumGemmFraction:P0} of the GEMM FLOP rate measured in the same run, at the sweep's largest problem",
                heaviest.FractionOfGemm >= MinimumGemmFraction,
                $"{heaviest.Gflops:F1} GFLOP/s at {Shape(heaviest)} ({heaviest.Flops / 1e9:F2} GFLOP in {heaviest.WoodburyMs:F1} ms) = {heaviest.FractionOfGemm:P1} of " +
                $"{rates.GemmGflops:F1} GFLOP/s; fastest row {fastest.Gflops:F1} GFLOP/s ({fastest.FractionOfGemm:P1}) at {Shape(fastest)}; " +
                $"the Cholesky factorization alone runs at {rates.InnerCholeskyGflops:F1} GFLOP/s at {rates.InnerCholeskySize} ({rates.InnerCholeskyGflops / rates.GemmGflops:P0} of GEMM), " +
                "which bounds the direction's rate wherever the factorization of S dominates (large B·d)"));
            return targets;
        }

        /// <summary>scaling.md: the targets, the machine's rates, the agreement check, the slopes, every row, and how it was measured.</summary>
        public static string Markdown(ScalingResults results)
        {
            var m = results.Machine;
            var p = results.Plan;
            var rates = results.Rates;
            var text = new StringBuilder();
            text.AppendLine("# Scaling: Woodbury direction vs dense metric solve, one dense layer");
            text.AppendLine();
            text.AppendLine($"`dotnet run -c Release --project test/MLNetRiemannian.Benchmarks -- scaling --out DIR{(p.Quick ? " --quick" : "")} --threads {results.Threads}` " +
                            $"on {m.Cpu}, {m.LogicalCores} logical cores, {m.OperatingSystem}, {m.Runtime}, TorchSharp {results.TorchSharp}, {results.Threads} torch threads, " +
                            $"glibc malloc tuning (MLNETRIEMANNIAN_MALLOPT) {(results.MallocTuning ? "on" : "off")}, commit {m.Commit}, {m.StartedUtc}. " +
                            $"Load average at start {m.LoadAverageAtStart}, at end {m.LoadAverageAtEnd}.");
            text.AppendLine();
            text.AppendLine("## Targets");
            text.AppendLine();
            foreach (var t in results.Targets)
                text.AppendLine($"- {(t.Holds switch { true => "**holds**", false => "**misses**", null => "not measured" })}: {t.Target}. {t.Detail}.");
            text.AppendLine();
            text.AppendLine("## The machine's FLOP rates (same process, Float32)");
            text.AppendLine();
            double gemmFlops = ScalingFlops.Gemm(rates.GemmSize, rates.GemmSize, rates.GemmSize);
            text.AppendLine($"- GEMM (`mm`, {rates.GemmSize}×{rates.GemmSize} by {rates.GemmSize}×{rates.GemmSize}): {rates.GemmGflops:F1} GFLOP/s " +
                            $"(rounds from {gemmFlops / (rates.GemmRepetitionsMs.Max() * 1e6):F1} to {gemmFlops / (rates.GemmRepetitionsMs.Min() * 1e6):F1}; a wide spread means other processes took the cores).");
            text.AppendLine($"- Cholesky (`linalg.cholesky`, n³/3): {rates.InnerCholeskyGflops:F1} GFLOP/s at {rates.InnerCholeskySize} (the largest B·d), " +
                            $"{rates.DenseCholeskyGflops:F1} GFLOP/s at {rates.DenseCholeskySize} (the largest dense n).");
            text.AppendLine();
            text.AppendLine("## Agreement (same problem, both solves)");
            text.AppendLine();
            foreach (var a in results.Agreement)
                text.AppendLine($"- n = {a.N:N0}, B = {a.Batch}, d = {a.D}, {a.Precision}: ‖u_Woodbury − u_dense‖ / ‖u_dense‖ = {a.RelativeDifference:E2}");
            text.AppendLine($"- Inner Cholesky jitter retries over the sweep: {results.InnerJitterRetries}; Float64 fallbacks: {results.InnerDoublePrecisionFallbacks}.");
            text.AppendLine();
            text.AppendLine("## Log-log slope of Woodbury time against n");
            text.AppendLine();
            text.AppendLine("| B | d | B·d | n from | n to | slope |");
            text.AppendLine("|---|---|---|---|---|---|");
            foreach (var s in results.Slopes)
                text.AppendLine($"| {s.Batch} | {s.D} | {s.Batch * s.D} | {s.FromN:N0} | {s.ToN:N0} | {s.Slope:F2} |");
            text.AppendLine();
            text.AppendLine("At fixed B·d the Woodbury cost is affine in n (out fixed, in growing): `X Xᵀ`, `K A` and `Kᵀ v` grow with n, " +
                            "while `R Rᵀ` ((B·d)²·out) and the Cholesky factorization of S ((B·d)³/3) do not; a slope below 1 means the n-free part still weighs.");
            text.AppendLine();
            text.AppendLine("## All rows");
            text.AppendLine();
            text.AppendLine("| n | in | B | d | Woodbury ms | dense ms | dense ÷ Woodbury | Woodbury MFLOP | Woodbury GFLOP/s | of GEMM | dense GFLOP/s |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var r in results.Rows)
                text.AppendLine($"| {r.N:N0} | {r.Inputs} | {r.Batch} | {r.D} | {r.WoodburyMs:F3} | {(r.DenseMs is { } dense ? dense.ToString("F1") : "—")} | " +
                                $"{(r.Ratio is { } ratio ? ratio.ToString("N0") : "—")} | {r.Flops / 1e6:N1} | {r.Gflops:F1} | {r.FractionOfGemm:P0} | {(r.DenseGflops is { } g ? g.ToString("F1") : "—")} |");
            text.AppendLine();
            text.AppendLine("## How it is measured");
            text.AppendLine();
            text.AppendLine($"- One dense layer with out = {p.Outputs} and in ∈ {{{string.Join(", ", p.InputSizes)}}}, so n = out·(in + 1); B ∈ {{{string.Join(", ", p.Batches)}}}, " +
                            $"d (rows of the factor per sample) ∈ {{{string.Join(", ", p.Ds)}}}. Random Float32 data: x ~ N(0, 1), R ~ N(0, 1/B), g ~ N(0, 1); scalar mass D = I.");
            text.AppendLine($"- Timing: every call below is registered first, then timed in {p.WoodburyRepetitions} rounds, each call once per round (while it has " +
                            "repetitions left), each in its own dispose scope; medians. So load from other processes falls on all sizes and on the GEMM alike.");
            text.AppendLine($"- Woodbury: `WoodburyStep.Direction` as the training step calls it (Float32 inner system), 2 untimed warm-up calls, {p.WoodburyRepetitions} timed.");
            text.AppendLine($"- Dense: K formed explicitly (B·d × n, rows R_b[i,:] ⊗ x̃_b), G = Kᵀ K + D as an n × n Float32 matrix, `linalg.cholesky`, `cholesky_solve`; " +
                            $"no warm-up, {p.DenseRepetitions} timed call(s), for n ≤ {p.DenseLimit:N0} only. Larger n is skipped: G takes 4n² bytes " +
                            "(1 GB at n = 16,000, 4 TB at n = 1,000,000) and its factorization n³/3 FLOPs (a minute at n = 32,000 at the Cholesky rate above).");
            text.AppendLine("- Allocation: each call allocates its temporaries afresh, as the training step does. Several are n-sized (D⁻¹g, Pᵀ X, D⁻¹Kᵀv, the result), " +
                            "so at large n and small B·d the time depends on glibc's malloc state: whether freed blocks stay in the heap or go back to the system and " +
                            "fault in again. The process's allocation history (here: the dense solves') sets that state, so the same call can differ by a few times " +
                            "between processes; MLNETRIEMANNIAN_MALLOPT=1 fixes it as it does for training.");
            text.AppendLine("- FLOPs (a multiply-add is 2): S's two Grams 2(B·d)²·out + 2B²·in and their product (B·d)²; the Cholesky factorization (B·d)³/3; " +
                            "two triangular solves 2(B·d)²; K A as 2B·in·out + 2B·d·out; Kᵀ v as 2B·d·out + 2B·in·out. Dense: 2n²·B·d for Kᵀ K, n³/3, 2n².");
            return text.ToString();
        }

        private static string Shape(ScalingRow row) => $"n = {row.N:N0}, B = {row.Batch}, d = {row.D}";

        private static ScalingSlope Slope(IReadOnlyList<ScalingRow> curve)
        {
            var x = curve.Select(r => Math.Log(r.N)).ToArray();
            var y = curve.Select(r => Math.Log(r.WoodburyMs)).ToArray();
            double meanX = x.Average(), meanY = y.Average();
            double slope = x.Zip(y, (a, b) => (a - meanX) * (b - meanY)).Sum() / x.Sum(a => (a - meanX) * (a - meanX));
            return new ScalingSlope(curve[0].Batch, curve[0].D, curve.Min(r => r.N), curve.Max(r => r.N), slope);
        }
    }
}
