using System;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using static TorchSharp.torch;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// One dense layer's metric solve <c>u = G⁻¹ g</c> with random data of the right shapes (the timings do not depend
    /// on the values): x <c>[B, in]</c>, the factor R <c>[B, d, out]</c> scaled by <c>B^{-1/2}</c> (the batch mean's
    /// weight, docs/method.md section 2), g, and the default scalar mass <c>D = I</c>. Solved two ways: the library's
    /// <see cref="WoodburyStep"/>, and the dense metric <c>G = Kᵀ K + D</c> formed explicitly and factored.
    /// </summary>
    internal sealed class ScalingProblem : IDisposable
    {
        private readonly Dense _atom;
        private readonly Tensor _input, _factor, _gradientWeight, _gradientBias;

        public ScalingProblem(int inputs, int outputs, int batch, int rows, ScalarType dtype, long seed)
        {
            var generator = new Generator((ulong)seed);
            _atom = new Dense(inputs, outputs, dtype: dtype, generator: generator);
            _input = randn(new long[] { batch, inputs }, dtype, generator: generator);
            _factor = randn(new long[] { batch, rows, outputs }, dtype, generator: generator).div_(Math.Sqrt(batch));
            _gradientWeight = randn(new long[] { outputs, inputs }, dtype, generator: generator);
            _gradientBias = randn(new long[] { outputs }, dtype, generator: generator);
        }

        /// <summary>n = out·(in + 1), the layer's parameter count.</summary>
        public long N => _atom.ParameterCount;

        /// <summary>Jitter retries and Float64 fallbacks of the Woodbury inner Cholesky factorization (none expected: S ⪰ I).</summary>
        public NumericalEvents Events { get; } = new();

        /// <summary>The library's Woodbury direction (weight, bias): the call the step makes, nothing around it.</summary>
        public (Tensor Weight, Tensor Bias) Woodbury() =>
            WoodburyStep.Direction(_atom, _atom.MassInverse, new DenseInput(_input), _factor, _gradientWeight, _gradientBias, SolvePrecision.Single, Events);

        /// <summary>
        /// The dense reference, as <c>[out, in + 1]</c>: K <c>[B·d, n]</c> with rows <c>R_b[i,:] ⊗ x̃_b</c>,
        /// <c>G = Kᵀ K + D</c> (n × n), <c>G = C Cᵀ</c>, then two triangular solves.
        /// </summary>
        public Tensor Dense()
        {
            long batch = _factor.shape[0], rows = _factor.shape[1], outputs = _factor.shape[2], inputs = _input.shape[1];
            var xTilde = cat(new[] { _input, ones(batch, 1, dtype: _input.dtype) }, 1);
            var k = (_factor.unsqueeze(3) * xTilde.view(batch, 1, 1, inputs + 1)).view(batch * rows, N);
            var g = k.t().mm(k);
            g.diagonal().add_(1 / ((ScalarMassInverse)_atom.MassInverse).Inverse);
            var gradient = cat(new[] { _gradientWeight, _gradientBias.unsqueeze(1) }, 1).view(N, 1);
            return cholesky_solve(gradient, linalg.cholesky(g), upper: false).view(outputs, inputs + 1);
        }

        public void Dispose()
        {
            _atom.Dispose();
            _input.Dispose();
            _factor.Dispose();
            _gradientWeight.Dispose();
            _gradientBias.Dispose();
        }
    }
}
