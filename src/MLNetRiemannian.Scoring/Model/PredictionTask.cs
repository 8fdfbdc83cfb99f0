namespace MLNetRiemannian.Model
{
    /// <summary>What a trained network predicts, which fixes its output head and the ML.NET columns it produces.</summary>
    /// <remarks>The numeric values are written into saved models: never renumber or reorder them, only append.</remarks>
    public enum PredictionTask
    {
        /// <summary>
        /// K ≥ 2 classes: the network's K outputs are logits and the model's Score column holds their softmax, the
        /// class probabilities; PredictedLabel is the most probable class.
        /// </summary>
        MulticlassClassification = 0,

        /// <summary>
        /// Two classes: the network's single output is the logit, which is the Score column; Probability is its
        /// sigmoid and PredictedLabel is <c>Score &gt; 0</c>, as for ML.NET's logistic regression.
        /// </summary>
        BinaryClassification = 1,

        /// <summary>One real target: the network's single output, unchanged, is the Score column.</summary>
        Regression = 2,
    }
}
