namespace MLNetRiemannian.Optimization
{
    /// <summary>The floating-point precision of the Woodbury inner system <c>S v = K A</c>.</summary>
    public enum SolvePrecision
    {
        /// <summary>The parameters' own precision (Float32 by default). <c>S</c>'s eigenvalues are ≥ 1, so its Cholesky factorization is well conditioned.</summary>
        Single,
        /// <summary>Form and solve <c>S</c> in Float64, whatever the parameters' precision.</summary>
        Double,
    }
}
