namespace MLNetRiemannian.Trainers
{
    /// <summary>Which output-space metric M the trainer pulls back through the network (docs/method.md section 5).</summary>
    public enum OutputMetricKind
    {
        /// <summary><c>M = I</c>. The default: robust, and cheapest.</summary>
        Identity,
        /// <summary>The loss's Hessian in the outputs plus <c>ε·I</c> (<see cref="RiemannianMlpTrainerOptions.GaussNewtonEpsilon"/>).</summary>
        GaussNewton,
        /// <summary>The function in <see cref="RiemannianMlpTrainerOptions.CustomOutputMetric"/>.</summary>
        Custom,
    }
}
