using System;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Data
{
    /// <summary>
    /// The order in which rows are held out for validation (<c>ValidationSetFraction</c>): the first <c>held</c> rows of it
    /// are the validation rows, the rest train. For classification it is stratified: each class's rows, in a random order,
    /// are spread evenly over the whole order (row r of a class of n sits at (r + ½)/n), so any prefix holds every class
    /// in its share of the rows, within one row. For regression it is a random permutation. Drawn from the trainer's
    /// generator, so a seed gives the same split.
    /// </summary>
    internal static class HoldOut
    {
        /// <summary>A permutation of the <c>[N]</c> rows of <paramref name="labels"/> (class indices or 0/1; null for regression).</summary>
        public static Tensor Order(long rows, Tensor? labels, Generator generator)
        {
            var random = randperm(rows, generator: generator);
            if (labels is null || rows == 0) return random;
            using var scope = NewDisposeScope();
            var classes = labels.index_select(0, random).to_type(ScalarType.Int64);
            var (grouped, byClass) = classes.sort(stable: true);             // rows grouped by class, random within each
            var counts = classes.bincount(null, 0);
            var starts = counts.cumsum(0) - counts;
            var rank = arange(rows, ScalarType.Int64) - starts.index_select(0, grouped);
            var position = (rank.to_type(ScalarType.Float64) + 0.5) / counts.index_select(0, grouped).to_type(ScalarType.Float64);
            var (_, spread) = position.sort(stable: true);
            return random.index_select(0, byClass.index_select(0, spread)).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// Holds out the first round(N·<paramref name="fraction"/>) rows of <see cref="Order"/> (stratified by
        /// <paramref name="data"/>'s labels when <paramref name="stratified"/>) and returns the rest as the training rows.
        /// The cache is split in place (dense rows are not copied), so <paramref name="data"/>'s features are not to be read
        /// afterwards; the matrices and tensors returned are the caller's (the labels and weights in its dispose scope).
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">The fraction leaves no validation row or no training row.</exception>
        public static (FeatureMatrix X, Tensor Y, Tensor? W, (FeatureMatrix X, Tensor Y) Validation) Split(TrainingData data, double fraction, bool stratified, Generator generator)
        {
            long held = (long)Math.Round(data.Count * fraction);
            if (held < 1 || held >= data.Count)
                throw new ArgumentOutOfRangeException("ValidationSetFraction",
                    $"ValidationSetFraction {fraction} of {data.Count} rows leaves {held} validation rows; use a larger fraction or a ValidationSet.");
            using var scope = NewDisposeScope();
            var order = Order(data.Count, stratified ? data.Labels : null, generator);
            var validIndex = order.narrow(0, 0, held);
            var trainIndex = order.narrow(0, held, data.Count - held);
            var (validX, trainX) = data.Features.SplitRows(order, held);
            return (trainX, data.Labels.index_select(0, trainIndex).MoveToOuterDisposeScope(), data.Weights?.index_select(0, trainIndex).MoveToOuterDisposeScope(),
                (validX, data.Labels.index_select(0, validIndex).MoveToOuterDisposeScope()));
        }
    }
}
