using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// How the curvature samples' rows of the output metric's factor are made: per sample <c>R_b</c> <c>[k, d]</c> with
    /// <c>E[R_bᵀ R_b] = M_b</c>, the metric exactly as it is defined (docs/method.md section 2). Each row becomes one row of
    /// every layer's inner system, so the system is <c>(b·k)²</c> for b curvature samples: an exact factor has
    /// <c>k = d</c> (its size grows with the outputs), a sampled one a fixed <c>k</c> whatever d is.
    /// </summary>
    /// <remarks>
    /// Get one from the metric: <see cref="OutputMetric.ExactFactor"/> or <see cref="OutputMetric.FactorOfRank"/>.
    /// A sampled factor makes each step's <c>G_a</c> an unbiased estimate of the exact one (the mass D is added
    /// exactly); the Woodbury solve is then exact for that estimate.
    /// </remarks>
    public abstract class OutputFactor
    {
        private protected OutputFactor(OutputMetric metric) => Metric = metric;

        /// <summary>The metric M this factor factors.</summary>
        public OutputMetric Metric { get; }

        /// <summary>Rows per sample for <paramref name="outputs"/> outputs: k, the inner system's rows per curvature sample.</summary>
        public abstract int Rows(int outputs);

        /// <summary>
        /// Whether <c>R_bᵀ R_b = M_b</c> holds for every draw at <paramref name="outputs"/> outputs (not only in
        /// expectation). The identity metric's exact factor is <c>I</c>, which the output layer's block solve exploits.
        /// </summary>
        public abstract bool IsExact(int outputs);

        /// <summary>
        /// Whether every draw at <paramref name="outputs"/> outputs is <c>R_b = I</c>: the identity metric's exact factor
        /// (a sketch of it is not), so the output layer receives <c>√ω_b·I</c> and its inner system splits into blocks.
        /// </summary>
        internal bool IsIdentity(int outputs) => Metric.IsIdentity && IsExact(outputs);

        /// <summary>The rows <c>R</c> <c>[B, k, d]</c> for outputs <c>[B, d]</c> and the loss's targets.</summary>
        public Tensor Draw(Tensor output, Tensor target) => Draw(output, target, new NumericalEvents());

        /// <summary><see cref="Draw(Tensor, Tensor)"/>, counting any numerical repairs in <paramref name="events"/> (the optimizer calls this one).</summary>
        internal abstract Tensor Draw(Tensor output, Tensor target, NumericalEvents events);
    }
}
