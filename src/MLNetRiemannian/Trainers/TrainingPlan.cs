using MLNetRiemannian.Optimization;

namespace MLNetRiemannian.Trainers
{
    /// <summary>
    /// What a fit runs with: the trainer's options resolved once for its rows (<see cref="Defaults"/> fills what they leave
    /// open), read by the optimizer, the fit loop, the log and the checkpoint's fingerprint alike. The second of the
    /// trainer's steps (prepare the rows, resolve the plan, run the loop, build the model).
    /// </summary>
    /// <param name="LayerSizes">The network's widths, input first (the encoded width when the input is encoded).</param>
    /// <param name="Sizes">Batch, curvature rows, output rank, epochs and refresh interval.</param>
    /// <param name="Optimizer">The optimizer's settings (η, schedule, rule, planned steps, ...).</param>
    /// <param name="AveragingDecay">β of the parameters' moving average (0: the model is the last step's parameters).</param>
    /// <param name="ColumnSparseEligible">Whether the first layer could take the column-sparse step (it does unless averaging is on).</param>
    /// <param name="Cost">The planned work, for the log and its warning.</param>
    internal sealed record TrainingPlan(int[] LayerSizes, TrainingSizes Sizes, OptimizerPlan Optimizer, double AveragingDecay, bool ColumnSparseEligible, PlannedCost Cost)
    {
        /// <summary>The plan of a fit with <paramref name="options"/> on <paramref name="rows"/>.</summary>
        /// <param name="options">The trainer's options.</param>
        /// <param name="rows">The prepared rows.</param>
        /// <param name="layerSizes">The network's widths, input first.</param>
        /// <param name="slots">The feature column's slots (before any encoding).</param>
        /// <param name="inputScale">Whether the network learns an input scale.</param>
        public static TrainingPlan Resolve(RiemannianMlpTrainerOptions options, TrainingRows rows, int[] layerSizes, int slots, bool inputScale)
        {
            long trainingRows = rows.X.Rows;
            var sizes = Defaults.Resolve(options, new TableShape(trainingRows, slots, rows.NonZerosPerRow, layerSizes[^1], rows.TableRows));
            var optimizer = sizes.OptimizerPlan(options, trainingRows, rows.Sparse, inputScale);
            bool columnSparseEligible = TrainingSizes.ColumnSparseEligible(options, rows.Sparse, inputScale);
            var cost = PlannedCost.Of(layerSizes, trainingRows, sizes.BatchSize, sizes.Epochs, rows.NonZerosPerRow, optimizer.ColumnSparseFirstLayer, sizes.MetricRows);
            return new TrainingPlan(layerSizes, sizes, optimizer, Defaults.ParameterAveraging(options, columnSparseEligible), columnSparseEligible, cost);
        }
    }
}
