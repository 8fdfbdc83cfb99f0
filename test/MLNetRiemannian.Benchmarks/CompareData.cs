using Microsoft.ML;
using Microsoft.ML.Transforms;
using MLNetRiemannian.Data;
using MLNetRiemannian.Model;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// The <c>compare</c> benchmark's data: <see cref="ScoringData.LoadForTraining"/>'s training and test rows, the
    /// label mapped to a key by value and the pixels min-max normalized with the training rows' range (as
    /// <c>curvature-sweep</c> does). The views are not cached: every trainer reads them as it would in a pipeline's Fit
    /// (RiemannianMlp copies the rows into tensors, ML.NET's trainers cache them when they ask for it).
    /// </summary>
    internal sealed class CompareData
    {
        private const string FeatureColumn = "Features";
        private const string LabelColumn = "Label";

        private CompareData(MLContext mlContext, IDataView train, IDataView test)
        {
            MLContext = mlContext;
            Train = train;
            Test = test;
        }

        /// <summary>The context the data was read with, seeded with the run's seed (ML.NET's trainers draw from it).</summary>
        public MLContext MLContext { get; }

        /// <summary>Featurized training rows: Features (normalized Single vector) and Label (key).</summary>
        public IDataView Train { get; }

        /// <summary>Featurized test rows, with the training rows' key mapping and normalization.</summary>
        public IDataView Test { get; }

        /// <summary>Loads and featurizes <paramref name="dataset"/> ("digits" or "fashion-mnist").</summary>
        public static CompareData Load(string dataset, string fashionDirectory, int seed)
        {
            var mlContext = new MLContext(seed);
            var (train, test) = ScoringData.LoadForTraining(mlContext, dataset, fashionDirectory);
            var featurize = mlContext.Transforms.Conversion.MapValueToKey(LabelColumn, keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
                .Append(mlContext.Transforms.Concatenate(FeatureColumn, "Pixels"))
                .Append(mlContext.Transforms.NormalizeMinMax(FeatureColumn))
                .Fit(train);
            return new CompareData(mlContext, featurize.Transform(train), featurize.Transform(test));
        }

        /// <summary>The number of training rows (a cursor over no columns: nothing is materialized).</summary>
        public long TrainingRows()
        {
            long rows = 0;
            using var cursor = Train.GetRowCursor(System.Array.Empty<DataViewSchema.Column>());
            while (cursor.MoveNext()) rows++;
            return rows;
        }

        /// <summary>
        /// The test set's accuracy to reach in the report's time-to-target column: 87.5% on Fashion-MNIST (about what a
        /// 784-256-10 MLP reaches in a few epochs), 95% on the digits.
        /// </summary>
        public static double TargetAccuracy(string dataset) => dataset == ScoringData.Digits ? 0.95 : 0.875;

        /// <summary>
        /// Reads <paramref name="view"/> (<see cref="Train"/> or <see cref="Test"/>) into tensors as RiemannianMlp's
        /// Fit reads its training data; the caller disposes them.
        /// </summary>
        public static TrainingData ReadTensors(IDataView view) =>
            TrainingData.Read(view, Columns(view), PredictionTask.MulticlassClassification);

        /// <summary>The feature width and class count, checked as RiemannianMlp's Fit checks them.</summary>
        public static ColumnChecks Columns(IDataView view) =>
            ColumnChecks.Check(view.Schema, FeatureColumn, LabelColumn, null, PredictionTask.MulticlassClassification);
    }
}
