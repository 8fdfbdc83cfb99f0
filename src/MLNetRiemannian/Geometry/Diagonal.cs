using System;
using System.Collections.Generic;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// The diagonal module <c>z = s ⊙ x</c> (one parameter per input slot, <c>s</c> <c>[n]</c>, initialized to 1): the
    /// learnable per-feature input scale of RealMLP (Holzmüller, Grinsztajn and Steinwart, NeurIPS 2024) as an atom of the
    /// module algebra (docs/method.md section 10.1). Its Jacobian to the input is <c>diag(s)</c>, so pulling a factor back
    /// gives <c>R·diag(s)</c>; to the parameters it is <c>diag(x)</c>, so sample b's rows of J are <c>R_b[i, :] ⊙ x_b</c>
    /// and its metric <c>G = Σ_b diag(x_b) R_bᵀR_b diag(x_b) + D</c> is an n × n system the optimizer solves exactly
    /// (<see cref="Optimization.DiagonalStep"/>).
    /// </summary>
    public sealed class Diagonal : RiemannianModule
    {
        private readonly Diagonal[] _self;

        /// <summary>Creates the module with <c>s = 1</c> (the identity map).</summary>
        /// <param name="size">n &gt; 0, the width of input and output.</param>
        /// <param name="mass">μ &gt; 0: the fixed mass <c>D = μ·I</c> the heavy-ball rule gives s (the adaptive mass makes its own); 1 by default.</param>
        /// <param name="dtype">Float32 (default) or Float64.</param>
        /// <exception cref="ArgumentOutOfRangeException">n ≤ 0, μ not positive and finite, or another dtype.</exception>
        public Diagonal(int size, double mass = 1, ScalarType dtype = ScalarType.Float32)
        {
            if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "Diagonal width must be positive.");
            if (!(mass > 0) || double.IsInfinity(mass)) throw new ArgumentOutOfRangeException(nameof(mass), mass, $"Invalid mass: {mass}. It must be positive and finite.");
            Mass = mass;
            if (dtype is not (ScalarType.Float32 or ScalarType.Float64))
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Diagonal modules hold Float32 or Float64 parameters.");
            InputSize = size;
            Scale = ones(size, dtype).DetachFromDisposeScope();
            _self = new[] { this };
        }

        /// <inheritdoc/>
        public override int InputSize { get; }

        /// <inheritdoc/>
        public override int OutputSize => InputSize;

        /// <summary>μ, the fixed mass of s under the heavy-ball rule.</summary>
        public double Mass { get; }

        /// <summary>s, <c>[n]</c>. Updated in place by the optimizer.</summary>
        public Tensor Scale { get; }

        /// <inheritdoc/>
        public override IReadOnlyList<Dense> Atoms => Array.Empty<Dense>();

        /// <inheritdoc/>
        public override IReadOnlyList<Diagonal> Diagonals => _self;

        /// <inheritdoc/>
        public override Tensor Forward(Tensor input) => input * Scale;

        internal override Tensor Forward(Tensor input, ForwardTrace trace)
        {
            trace.Push(input);
            return Forward(input);
        }

        internal override Tensor Forward(InputBatch input) => ForwardBatch(input, null)!.ToDense();

        internal override Tensor Forward(InputBatch input, ForwardTrace trace) => ForwardBatch(input, trace)!.ToDense();

        // A sparse batch stays sparse: s multiplies its stored values only (an unstored 0 stays 0).
        internal override InputBatch? ForwardBatch(InputBatch input, ForwardTrace? trace)
        {
            trace?.Push(input);
            return input.ColumnsScaled(Scale);
        }

        internal override Tensor? Pullback(Tensor? factor, ForwardTrace trace, bool toInput)
        {
            var input = trace.PopInput();
            if (factor is null) return null;
            trace.Record(this, input, factor);
            return toInput ? factor * Scale : null;
        }

        /// <inheritdoc/>
        public override void Dispose()
        {
            Scale.Dispose();
            base.Dispose();
        }
    }
}
