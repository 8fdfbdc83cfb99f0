using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNetRiemannian.Model
{
    /// <summary>
    /// An epoch's training diagnostics (opt in with the trainer option <c>RecordDiagnostics</c>): per layer the
    /// quantities of <see cref="LayerDiagnostics"/>, and for the whole network the action accumulated along the
    /// epoch's path beside the loss decrease it bounds.
    /// </summary>
    /// <remarks>
    /// docs/method.md section 1: along any path the action <c>S = ∫ L ds</c> is at least the loss change <c>|Δh|</c>, with
    /// equality exactly on Riemannian gradient paths. Each step's share of <see cref="LossDecrease"/> is its batch's
    /// loss just before the step minus the same batch's loss just after it, so both sums see the same losses.
    /// <see cref="LossDecrease"/> close to <see cref="Action"/> means the steps follow the flow; a much smaller one means
    /// the steps overshoot (a learning rate too large, or momentum carrying them past the flow); a larger one cannot
    /// happen in the continuum, and in discrete steps means the loss curves downward along them.
    /// </remarks>
    /// <param name="Action">The action summed over the layers and the epoch's steps.</param>
    /// <param name="LossDecrease">The summed per-step decrease of the batch loss (negative when steps raised it).</param>
    /// <param name="Layers">Per dense layer, input side first.</param>
    public sealed record EpochDiagnostics(double Action, double LossDecrease, IReadOnlyList<LayerDiagnostics> Layers)
    {
        /// <summary>Equal when the totals and every layer's diagnostics are (value equality, also for <see cref="Layers"/>).</summary>
        public bool Equals(EpochDiagnostics? other) =>
            other is not null && Action.Equals(other.Action) && LossDecrease.Equals(other.LossDecrease) && Layers.SequenceEqual(other.Layers);

        /// <inheritdoc/>
        public override int GetHashCode() => HashCode.Combine(Action, LossDecrease, Layers.Count);
    }
}
