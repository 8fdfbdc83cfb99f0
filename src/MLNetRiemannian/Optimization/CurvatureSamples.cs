using System;
using System.Collections.Generic;
using System.Linq;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Optimization
{
    /// <summary>
    /// The curvature samples' share of the metric at every layer (docs/method.md sections 2.3 and 9.2): each layer's
    /// inputs <c>x</c> <c>[b, in]</c> and pulled-back factor rows <c>R</c> <c>[b, k, out]</c> (each sample's rows scaled
    /// by <c>√ω̃_b</c>), and <c>√ω̃</c> <c>[b]</c> itself. The optimizer keeps a <see cref="Detached"/> copy for
    /// <see cref="RiemannianSgd.CurvatureRefreshSteps"/> steps; the metric then lags the parameters by at most that many
    /// steps, and every inner system stays <c>I + K D⁻¹ Kᵀ</c>, positive definite whatever the lag.
    /// </summary>
    internal sealed class CurvatureSamples : IDisposable
    {
        private readonly bool _owned;

        /// <param name="layers">Per layer, last layer first (the pullback's order).</param>
        /// <param name="root">√ω̃, <c>[b]</c>.</param>
        public CurvatureSamples(IReadOnlyList<Layer> layers, Tensor root) : this(layers, root, owned: false) { }

        private CurvatureSamples(IReadOnlyList<Layer> layers, Tensor root, bool owned)
        {
            Layers = layers;
            Root = root;
            _owned = owned;
        }

        /// <summary>Per layer, last layer first.</summary>
        public IReadOnlyList<Layer> Layers { get; }

        /// <summary>√ω̃, <c>[b]</c>: the square roots of the curvature samples' weights in their mean.</summary>
        public Tensor Root { get; }

        /// <summary>Steps taken with these samples so far.</summary>
        public int Age { get; set; }

        /// <summary>Compact copies outside every dispose scope, owned by the result.</summary>
        public CurvatureSamples Detached() => new(
            Layers.Select(l => new Layer(l.Input.Detached(), l.Factor.clone().DetachFromDisposeScope(), l.IdentityFactor)).ToList(),
            Root.clone().DetachFromDisposeScope(), owned: true);

        /// <summary>Disposes the copies of a <see cref="Detached"/> result; nothing for a step's own samples.</summary>
        public void Dispose()
        {
            if (!_owned) return;
            foreach (var layer in Layers)
            {
                layer.Input.DisposeTensors();
                layer.Factor.Dispose();
            }
            Root.Dispose();
        }

        /// <summary>One layer's share.</summary>
        /// <param name="Input">x, <c>[b, in]</c>, dense or sparse.</param>
        /// <param name="Factor">R, <c>[b, k, out]</c>.</param>
        /// <param name="IdentityFactor">Whether R is the identity metric's exact factor untouched, <c>R_b = √ω̃_b·I</c> (the output layer).</param>
        public readonly record struct Layer(InputBatch Input, Tensor Factor, bool IdentityFactor);
    }
}
