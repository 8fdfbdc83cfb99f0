using System;
using System.Collections.Generic;

namespace MLNetRiemannian.Optimization
{
    /// <summary>
    /// What <see cref="RiemannianSgd"/> carries from step to step besides the parameters: the step counter (the
    /// schedule's and the averages' t), η after any recovery halving, and one <see cref="LayerOptimizerState"/> per
    /// dense layer in the network's order (and one <see cref="DiagonalOptimizerState"/> per diagonal module). A checkpoint saves it as is; the kept curvature samples are not part of it
    /// (every epoch draws them anew).
    /// </summary>
    internal sealed class OptimizerState : IDisposable
    {
        /// <summary>Steps taken (refused and skipped ones not counted).</summary>
        public required long Steps { get; init; }

        /// <summary>η now: the plan's, halved once per recovery from a non-finite step.</summary>
        public required double LearningRate { get; init; }

        /// <summary>Per dense layer, in the network's order.</summary>
        public required IReadOnlyList<LayerOptimizerState> Layers { get; init; }

        /// <summary>Per <see cref="Geometry.Diagonal"/> module (the input scale), in the network's order; none by default.</summary>
        public IReadOnlyList<DiagonalOptimizerState> Diagonals { get; init; } = Array.Empty<DiagonalOptimizerState>();

        /// <summary>Releases the layers' tensors.</summary>
        public void Dispose()
        {
            foreach (var layer in Layers) layer.Dispose();
            foreach (var diagonal in Diagonals) diagonal.Dispose();
        }
    }
}
