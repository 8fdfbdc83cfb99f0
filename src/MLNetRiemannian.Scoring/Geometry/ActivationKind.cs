namespace MLNetRiemannian.Geometry
{
    /// <summary>The pointwise nonlinearities a network can use.</summary>
    /// <remarks>
    /// A plain enum in its own file, free of TorchSharp, because the managed scorer (<c>Model/</c>) names it too.
    /// The numeric values are written into saved models: never renumber or reorder them, only append.
    /// </remarks>
    public enum ActivationKind
    {
        /// <summary><c>max(x, 0)</c>.</summary>
        ReLU = 0,
        /// <summary><c>x</c> for positive x, <c>0.01·x</c> otherwise.</summary>
        LeakyReLU = 1,
        /// <summary><c>tanh(x)</c>.</summary>
        Tanh = 2,
        /// <summary><c>1 / (1 + e^{-x})</c>.</summary>
        Sigmoid = 3,
        /// <summary><c>x·Φ(x)</c> with Φ the standard normal distribution function (the exact, erf-based GELU).</summary>
        Gelu = 4,
    }
}
