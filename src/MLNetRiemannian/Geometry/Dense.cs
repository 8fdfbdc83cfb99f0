using System;
using System.Collections.Generic;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// The dense layer <c>z = W x + b</c> (<c>W</c>: out × in), the only atom with parameters. Its parameters carry
    /// a <see cref="Geometry.Mass"/>; pulling a factor <c>R</c> back to the input gives <c>R·W</c>, and to the
    /// parameters gives the rows <c>R_b ⊗ x̃_b</c> with <c>x̃ = [x; 1]</c>, which the step uses without ever
    /// forming them (docs/method.md section 3.2).
    /// </summary>
    public sealed class Dense : RiemannianModule
    {
        private readonly Dense[] _self;

        /// <summary>
        /// Creates a layer initialized as PyTorch's <c>nn.Linear</c> does: weights and bias uniform in
        /// <c>±1/√in</c>, drawn from <paramref name="generator"/> (torch's global generator when null).
        /// </summary>
        /// <param name="inputSize">in &gt; 0.</param>
        /// <param name="outputSize">out &gt; 0.</param>
        /// <param name="mass">The mass metric; <c>μ = 1</c> when null.</param>
        /// <param name="dtype">Float32 (default) or Float64.</param>
        /// <param name="generator">Random source for the initialization.</param>
        public Dense(int inputSize, int outputSize, Mass? mass = null, ScalarType dtype = ScalarType.Float32, Generator? generator = null)
        {
            if (inputSize <= 0) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "Dense input width must be positive.");
            if (outputSize <= 0) throw new ArgumentOutOfRangeException(nameof(outputSize), outputSize, "Dense output width must be positive.");
            if (dtype is not (ScalarType.Float32 or ScalarType.Float64))
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Dense layers hold Float32 or Float64 parameters.");
            InputSize = inputSize;
            OutputSize = outputSize;
            Mass = mass ?? new ScalarMass(1);
            MassInverse = Mass.Invert(outputSize, inputSize, dtype);
            double bound = 1 / Math.Sqrt(inputSize);
            Weight = empty(outputSize, inputSize, dtype).uniform_(-bound, bound, generator).DetachFromDisposeScope();
            Bias = empty(outputSize, dtype).uniform_(-bound, bound, generator).DetachFromDisposeScope();
            _self = new[] { this };
        }

        /// <inheritdoc/>
        public override int InputSize { get; }

        /// <inheritdoc/>
        public override int OutputSize { get; }

        /// <summary>W, <c>[out, in]</c>. Updated in place by the optimizer.</summary>
        public Tensor Weight { get; }

        /// <summary>b, <c>[out]</c>. Updated in place by the optimizer.</summary>
        public Tensor Bias { get; }

        /// <summary>The mass metric on (W, b).</summary>
        public Mass Mass { get; }

        /// <summary>Number of parameters, <c>out·(in + 1)</c>.</summary>
        public long ParameterCount => (long)OutputSize * (InputSize + 1);

        internal MassInverse MassInverse { get; }

        /// <inheritdoc/>
        public override IReadOnlyList<Dense> Atoms => _self;

        /// <inheritdoc/>
        public override Tensor Forward(Tensor input) => nn.functional.linear(input, Weight, Bias);

        internal override Tensor Forward(Tensor input, ForwardTrace trace)
        {
            trace.Push(input);
            return Forward(input);
        }

        internal override Tensor Forward(InputBatch input) => input.Linear(Weight, Bias);

        internal override Tensor Forward(InputBatch input, ForwardTrace trace)
        {
            trace.Push(input);
            return input.Linear(Weight, Bias);
        }

        internal override Tensor? Pullback(Tensor? factor, ForwardTrace trace, bool toInput)
        {
            var input = trace.PopInput();
            if (factor is null) return null;
            trace.Record(this, input, factor);
            return toInput ? factor.matmul(Weight) : null;
        }

        /// <inheritdoc/>
        public override void Dispose()
        {
            Weight.Dispose();
            Bias.Dispose();
            MassInverse.Dispose();
            base.Dispose();
        }
    }
}
