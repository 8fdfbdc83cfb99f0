using System;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// The output-space metric <c>M(ŷ, y)</c> whose pullback through the network, plus the mass, is the layerwise
    /// metric <c>G_a = (1/B) Σ_b J_{a,b}ᵀ M_b J_{a,b} + D_a</c> (docs/method.md section 2). Only its factor is ever used.
    /// </summary>
    public abstract class OutputMetric
    {
        private protected OutputMetric() { }

        /// <summary>
        /// The batched factor <c>L</c> <c>[B, r, d]</c> with <c>M_b = L_bᵀ L_b</c>, for outputs <c>[B, d]</c> and the
        /// loss's targets.
        /// </summary>
        public abstract Tensor Factor(Tensor output, Tensor target);

        /// <summary>The factor, counting any numerical repairs in <paramref name="events"/> (the optimizer calls this one).</summary>
        internal virtual Tensor Factor(Tensor output, Tensor target, NumericalEvents events) => Factor(output, target);

        /// <summary>Whether M = I (the identity metric), whose exact factor the output layer's block solve exploits.</summary>
        internal virtual bool IsIdentity => false;

        /// <summary>The exact factor <see cref="Factor(Tensor, Tensor)"/>: d rows per sample, no randomness.</summary>
        public OutputFactor ExactFactor() => new ExactOutputFactor(this);

        /// <summary>
        /// A factor of at most <paramref name="rank"/> rows per sample with <c>E[Rᵀ R] = M</c>, drawn from
        /// <paramref name="generator"/>; at <c>rank ≥ d</c> it is the exact factor. By default a random orthogonal
        /// sketch of the exact factor (<c>√(d/k)·Qᵀ</c> for the identity); the softmax Gauss-Newton metric samples labels.
        /// </summary>
        /// <param name="rank">k ≥ 1.</param>
        /// <param name="generator">The source of every draw (the trainer's seeded generator, so training is reproducible).</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> is below 1.</exception>
        public OutputFactor FactorOfRank(int rank, Generator generator)
        {
            ArgumentNullException.ThrowIfNull(generator);
            if (rank < 1) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"Invalid output rank: {rank}. It must be ≥ 1.");
            return SampledFactor(rank, generator);
        }

        /// <summary><see cref="FactorOfRank"/> after its checks: the sampling scheme that suits this metric.</summary>
        private protected virtual OutputFactor SampledFactor(int rank, Generator generator) => new OrthogonalSketchFactor(this, rank, generator);
    }
}
