using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNetRiemannian.Model;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Data
{
    /// <summary>
    /// Features, labels and example weights read once from an <see cref="IDataView"/> and cached as native tensors
    /// for all epochs. Features are a <see cref="FeatureMatrix"/>: dense Float32 <c>[N, F]</c> (4 bytes per slot),
    /// allocated once at its final size (the rows are counted first when the view does not know its count), or, when
    /// fewer than a quarter of the first rows' slots are non-zero, compressed rows (8 bytes per non-zero plus 8 per
    /// row; the rule is <see cref="FeatureReader"/>'s). Reading peaks at the cache plus one staging chunk of at most
    /// 8 MB: 60,000 × 784 dense takes 188 MB, 1,000,000 × 100 takes 400 MB.
    /// Rows whose label is missing are skipped and counted, as ML.NET's trainers do; any other bad value throws,
    /// naming the column and the row index (0-based position in the data view).
    /// </summary>
    internal sealed class TrainingData : IDisposable
    {
        private TrainingData(FeatureMatrix features, Tensor labels, Tensor? weights, long skipped)
        {
            Features = features;
            Labels = labels;
            Weights = weights;
            SkippedRows = skipped;
        }

        /// <summary>The feature rows, dense or compressed.</summary>
        public FeatureMatrix Features { get; }

        /// <summary>Int64 class indices <c>[N]</c> (multiclass), Float32 0/1 <c>[N]</c> (binary) or Float32 <c>[N, 1]</c> (regression).</summary>
        public Tensor Labels { get; }

        /// <summary>Float32 <c>[N]</c>, or null when no weight column was named.</summary>
        public Tensor? Weights { get; }

        /// <summary>Rows skipped because their label was missing.</summary>
        public long SkippedRows { get; }

        public long Count => Features.Rows;

        /// <summary>Mean stored non-zeros per row (the width for dense rows).</summary>
        public double NonZerosPerRow => Count == 0 ? 0 : (double)Features.StoredEntries / Count;

        /// <summary>The column's slot names, read when first asked (for a message); null when it has none.</summary>
        private static Func<int, string?>? SlotNames(DataViewSchema.Column column)
        {
            if (!column.HasSlotNames()) return null;
            string[]? names = null;
            return slot =>
            {
                if (names is null)
                {
                    VBuffer<ReadOnlyMemory<char>> buffer = default;
                    column.GetSlotNames(ref buffer);
                    names = buffer.DenseValues().Select(n => n.ToString()).ToArray();
                }
                return slot < names.Length ? names[slot] : null;
            };
        }

        /// <summary>Reads every row; <paramref name="schema"/> was checked by <see cref="ColumnChecks"/> before.</summary>
        /// <param name="data">The rows.</param>
        /// <param name="schema">Their checked columns.</param>
        /// <param name="task">The trainer's task (how the label is read).</param>
        /// <param name="dataName">What the rows are ("training data", "validation set"), for messages that name a row.</param>
        public static TrainingData Read(IDataView data, ColumnChecks schema, PredictionTask task, string dataName = "training data")
        {
            var featureColumn = data.Schema[schema.FeatureColumn];
            var labelColumn = data.Schema[schema.LabelColumn];
            var weightColumn = schema.WeightColumn is null ? (DataViewSchema.Column?)null : data.Schema[schema.WeightColumn];
            var columns = new List<DataViewSchema.Column> { featureColumn, labelColumn };
            if (weightColumn is { } w) columns.Add(w);

            using var cursor = data.GetRowCursor(columns);
            var getFeatures = cursor.GetGetter<VBuffer<float>>(featureColumn);
            var getLabel = LabelGetter(cursor, labelColumn, task, dataName);
            var getWeight = weightColumn is { } wc ? cursor.GetGetter<float>(wc) : null;

            long capacity = data.GetRowCount() ?? CountRows(data);
            using var features = new FeatureReader(schema.FeatureColumn, schema.FeatureCount, capacity, SlotNames(featureColumn), dataName);
            var labels = new List<float>();
            var weights = getWeight is null ? null : new List<float>();
            long skipped = 0;
            VBuffer<float> row = default;
            while (cursor.MoveNext())
            {
                float label = getLabel();
                if (float.IsNaN(label)) { skipped++; continue; }
                float weight = 1;
                if (getWeight is not null)
                {
                    getWeight(ref weight);
                    if (!(weight >= 0) || float.IsInfinity(weight))
                        throw new ArgumentOutOfRangeException(nameof(data),
                            $"Example weight column '{schema.WeightColumn}' has the value {weight} at row {cursor.Position} of the {dataName} (counting from 0, in its order); weights must be finite and non-negative.");
                }
                getFeatures(ref row);
                features.Add(row, cursor.Position);
                labels.Add(label);
                weights?.Add(weight);
            }
            if (labels.Count == 0)
                throw new ArgumentException(skipped > 0
                    ? $"Every one of the {skipped} rows has a missing value in label column '{schema.LabelColumn}'; there is nothing to train on."
                    : "The training data has no rows.", nameof(data));
            return new TrainingData(features.Finish(), LabelTensor(labels, task), weights is null ? null : tensor(weights.ToArray()), skipped);
        }

        /// <summary>The row count of a view that does not know it (a file-backed one): one pass with no columns active.</summary>
        private static long CountRows(IDataView data)
        {
            long count = 0;
            using var cursor = data.GetRowCursor(Array.Empty<DataViewSchema.Column>());
            while (cursor.MoveNext()) count++;
            return count;
        }

        /// <summary>Reads the label as a float: a class index, 0/1, or the target; NaN means missing.</summary>
        private static Func<float> LabelGetter(DataViewRowCursor cursor, DataViewSchema.Column column, PredictionTask task, string dataName)
        {
            switch (task)
            {
                case PredictionTask.MulticlassClassification:
                {
                    var get = cursor.GetGetter<uint>(column);
                    uint key = 0;
                    return () => { get(ref key); return key == 0 ? float.NaN : key - 1; }; // key 0 is missing
                }
                case PredictionTask.BinaryClassification:
                {
                    var get = cursor.GetGetter<bool>(column);
                    bool value = false;
                    return () => { get(ref value); return value ? 1 : 0; };
                }
                default:
                {
                    var get = cursor.GetGetter<float>(column);
                    float value = 0;
                    return () =>
                    {
                        get(ref value);
                        if (float.IsInfinity(value))
                            throw new ArgumentOutOfRangeException(nameof(column), $"Label column '{column.Name}' has the value {value} at row {cursor.Position} of the {dataName} (counting from 0, in its order).");
                        return value;
                    };
                }
            }
        }

        private static Tensor LabelTensor(List<float> labels, PredictionTask task)
        {
            var values = labels.ToArray();
            return task switch
            {
                PredictionTask.MulticlassClassification => tensor(Array.ConvertAll(values, v => (long)v)),
                PredictionTask.Regression => tensor(values, new long[] { values.Length, 1 }),
                _ => tensor(values),
            };
        }

        public void Dispose()
        {
            Features.Dispose();
            Labels.Dispose();
            Weights?.Dispose();
        }
    }
}
