using System;
using static TorchSharp.torch;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// The plain operations the solves are compared with, on random Float32 matrices: a square <c>mm</c>, and
    /// <c>linalg.cholesky</c> of positive definite matrices <c>A Aᵀ/size + I</c> of the largest inner size B·d and of
    /// the largest dense n.
    /// </summary>
    internal sealed class ScalingBaselines : IDisposable
    {
        private readonly Tensor _left, _right, _inner, _dense;

        public ScalingBaselines(int gemmSize, int innerSize, int denseSize)
        {
            GemmSize = gemmSize;
            InnerSize = innerSize;
            DenseSize = denseSize;
            _left = randn(gemmSize, gemmSize);
            _right = randn(gemmSize, gemmSize);
            _inner = PositiveDefinite(innerSize);
            _dense = PositiveDefinite(denseSize);
        }

        /// <summary>The GEMM's matrices are this size squared.</summary>
        public int GemmSize { get; }

        /// <summary>The inner Cholesky factorization's size, the largest B·d.</summary>
        public int InnerSize { get; }

        /// <summary>The dense Cholesky factorization's size, the largest dense n.</summary>
        public int DenseSize { get; }

        /// <summary>One GEMM (2·size³ FLOPs).</summary>
        public void Gemm() => _left.mm(_right);

        /// <summary>One Cholesky factorization of the inner size (size³/3 FLOPs).</summary>
        public void InnerCholesky() => linalg.cholesky(_inner);

        /// <summary>One Cholesky factorization of the dense size.</summary>
        public void DenseCholesky() => linalg.cholesky(_dense);

        public void Dispose()
        {
            _left.Dispose();
            _right.Dispose();
            _inner.Dispose();
            _dense.Dispose();
        }

        private static Tensor PositiveDefinite(int size)
        {
            using var scope = NewDisposeScope();
            var a = randn(size, size);
            var spd = a.mm(a.t()).div_(size);
            spd.diagonal().add_(1);
            return spd.MoveToOuterDisposeScope();
        }
    }
}
