namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// Floating-point operations (a multiply-add counts two) of the two solves of one dense layer, with
    /// <c>m = B·d</c> rows of K and n = out·(in + 1) parameters.
    /// </summary>
    internal static class ScalingFlops
    {
        /// <summary>
        /// The Woodbury direction's parts (docs/method.md section 3.6): S from the Gram matrices <c>R Rᵀ</c> (m × out × m) and
        /// <c>X Xᵀ</c> (B × in × B) and their elementwise product; the Cholesky factorization of S (m³/3); the two
        /// triangular solves (m² each); <c>K A</c> (<c>X Aᵀ</c>, then <c>R_b t_b</c>); <c>Kᵀ v</c> (<c>v_bᵀ R_b</c>,
        /// then <c>Pᵀ X</c>, and the bias's column sum). Not counted: the three n-sized elementwise passes
        /// (<c>D⁻¹ g</c>, <c>D⁻¹ Kᵀ v</c>, the difference), under 1% of the total here.
        /// </summary>
        public static double Woodbury(long inputs, long outputs, long batch, long rows)
        {
            double m = batch * rows;
            double s = Gemm(m, outputs, m) + Gemm(batch, inputs, batch) + m * m;
            double solves = Cholesky(m) + 2 * m * m;
            double kTimesA = Gemm(batch, inputs, outputs) + batch * outputs + Gemm(batch * rows, outputs, 1);
            double kTransposeV = Gemm(batch * rows, outputs, 1) + Gemm(outputs, batch, inputs) + batch * outputs;
            return s + solves + kTimesA + kTransposeV;
        }

        /// <summary>The dense solve: K's m·n entries, <c>Kᵀ K</c> as a full GEMM, its Cholesky factorization, two triangular solves.</summary>
        public static double Dense(long n, long batch, long rows)
        {
            double m = batch * rows;
            return m * n + Gemm(n, m, n) + Cholesky(n) + 2.0 * n * n;
        }

        /// <summary>A product of a (rows × inner) and an (inner × columns) matrix.</summary>
        public static double Gemm(double rows, double inner, double columns) => 2 * rows * inner * columns;

        /// <summary>The Cholesky factorization of an n × n matrix.</summary>
        public static double Cholesky(double n) => n * n * n / 3;
    }
}
