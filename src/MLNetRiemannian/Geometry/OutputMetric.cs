using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// The output-space metric <c>M(ŷ, y)</c> whose pullback through the network, plus the mass, is the layerwise
    /// metric <c>G_a = (1/B) Σ_b J_{a,b}ᵀ M_b J_{a,b} + D_a</c> (paper.md section 2). Only its factor is ever used.
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
        internal virtual Tensor Factor(Tensor output, Tensor target, Optimization.NumericalEvents events) => Factor(output, target);
    }
}
