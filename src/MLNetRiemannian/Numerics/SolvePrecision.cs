namespace MLNetRiemannian.Numerics
{
    /// <summary>The floating-point precision of the Woodbury inner system <c>S v = K A</c>.</summary>
    public enum SolvePrecision
    {
        /// <summary>The parameters' own precision (Float32 by default). <c>S</c>'s eigenvalues are ≥ 1, so it is never singular, but its condition number can reach its largest eigenvalue: the robust Cholesky factorization retries with jitter or in Float64 when Float32 fails.</summary>
        Single,
        /// <summary>Form and solve <c>S</c> in Float64, whatever the parameters' precision.</summary>
        Double,
    }
}
