namespace MLNetRiemannian.Trainers
{
    /// <summary>How the trainer maps the features before the first layer (<see cref="RiemannianMlpTrainerOptions.InputScaling"/>).</summary>
    public enum InputScalingKind
    {
        /// <summary>The features as the pipeline gives them (normalize them in the pipeline, e.g. NormalizeMinMax).</summary>
        None,
        /// <summary>
        /// Per slot, <c>(x − median) / (interquartile range / 1.349)</c> — unit spread for a normal column — then the smooth
        /// clip <c>z / √(1 + (z/3)²)</c>; sparse features are divided by their largest magnitude instead, without centering.
        /// Learned from the training rows and saved in the model (<see cref="Model.InputScaling"/>).
        /// </summary>
        Robust,
    }
}
