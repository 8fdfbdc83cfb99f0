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
    }
}
