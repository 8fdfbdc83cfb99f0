namespace MLNetRiemannian.Model
{
    /// <summary>
    /// The affine map a regression trainer applied to the label before learning: it trained on
    /// <c>(label − Mean) / Scale</c> and folded the inverse map into the last dense layer
    /// (<c>W_L ← Scale·W_L</c>, <c>b_L ← Scale·b_L + Mean</c>), so the model's weights, its scores and its ONNX export are
    /// all in the label's own units. Kept so that training can continue in the same units.
    /// </summary>
    /// <param name="Mean">The weighted mean of the training labels (weights from the example-weight column, if any), in label units.</param>
    /// <param name="Scale">
    /// The weighted standard deviation of the training labels, in label units; 1 when the labels were constant. Positive and finite.
    /// </param>
    public sealed record LabelStandardization(double Mean, double Scale);
}
