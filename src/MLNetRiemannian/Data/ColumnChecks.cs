using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetRiemannian.Model;

namespace MLNetRiemannian.Data
{
    /// <summary>
    /// The boundary check of a training schema: the feature column is a known-size vector of Single, the label
    /// has the task's type (a key for multiclass, Boolean for binary, Single for regression), and the optional
    /// weight column is Single. Every failure names the column, what it is and what was expected.
    /// </summary>
    internal sealed class ColumnChecks
    {
        private ColumnChecks(string feature, string label, string? weight, int featureCount, int classCount, IReadOnlyList<string>? classNames)
        {
            FeatureColumn = feature;
            LabelColumn = label;
            WeightColumn = weight;
            FeatureCount = featureCount;
            ClassCount = classCount;
            ClassNames = classNames;
        }

        public string FeatureColumn { get; }
        public string LabelColumn { get; }
        public string? WeightColumn { get; }

        /// <summary>Width of the feature vector.</summary>
        public int FeatureCount { get; }

        /// <summary>Number of classes (the label key's count) for multiclass; 2 for binary; 0 for regression.</summary>
        public int ClassCount { get; }

        /// <summary>
        /// Multiclass: the label key's values as text, in key order (what MapValueToKey made of the classes), or null when the
        /// key carries no values; null for the other tasks.
        /// </summary>
        public IReadOnlyList<string>? ClassNames { get; }

        public static ColumnChecks Check(DataViewSchema schema, string feature, string label, string? weight, PredictionTask task)
        {
            var featureType = Find(schema, feature, "feature").Type;
            if (featureType is not VectorDataViewType { ItemType: NumberDataViewType number } vector || number != NumberDataViewType.Single || !vector.IsKnownSize)
                throw WrongFeatureType(feature, featureType, featureType is VectorDataViewType { ItemType: NumberDataViewType item } && item != NumberDataViewType.Single);

            var labelType = Find(schema, label, "label").Type;
            bool labelFits = task switch
            {
                PredictionTask.MulticlassClassification => labelType is KeyDataViewType { Count: > 0 and <= int.MaxValue },
                PredictionTask.BinaryClassification => labelType == BooleanDataViewType.Instance,
                _ => labelType == NumberDataViewType.Single,
            };
            if (!labelFits) throw WrongLabelType(label, labelType, task);
            int classes = task switch
            {
                PredictionTask.MulticlassClassification => (int)((KeyDataViewType)labelType).Count,
                PredictionTask.BinaryClassification => 2,
                _ => 0,
            };
            if (task == PredictionTask.MulticlassClassification && classes < 2)
                throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{label}' has {classes} class; at least 2 are needed.");

            if (weight is not null)
            {
                var weightType = Find(schema, weight, "example weight").Type;
                if (weightType != NumberDataViewType.Single) throw WrongWeightType(weight, weightType);
            }
            return new ColumnChecks(feature, label, weight, vector.Size, classes,
                task == PredictionTask.MulticlassClassification ? KeyValues(schema[label], classes) : null);
        }

        /// <summary>
        /// The same checks on an estimator's input <see cref="SchemaShape"/> (what <c>GetOutputSchema</c> sees), with the
        /// same messages as <see cref="Check"/>. A shape does not know a vector's size or a key's count, so those wait for Fit.
        /// </summary>
        /// <returns>The label column's shape, from which the output columns take their annotations.</returns>
        public static SchemaShape.Column CheckShape(SchemaShape schema, string feature, string label, string? weight, PredictionTask task)
        {
            var featureColumn = Find(schema, feature, "feature");
            if (featureColumn.Kind != SchemaShape.Column.VectorKind.Vector || featureColumn.ItemType != NumberDataViewType.Single || featureColumn.IsKey)
                throw WrongFeatureType(feature, featureColumn.GetTypeString(),
                    featureColumn.Kind != SchemaShape.Column.VectorKind.Scalar && !featureColumn.IsKey && featureColumn.ItemType is NumberDataViewType item && item != NumberDataViewType.Single);

            var labelColumn = Find(schema, label, "label");
            bool scalar = labelColumn.Kind == SchemaShape.Column.VectorKind.Scalar;
            bool labelFits = task switch
            {
                PredictionTask.MulticlassClassification => scalar && labelColumn.IsKey,
                PredictionTask.BinaryClassification => scalar && !labelColumn.IsKey && labelColumn.ItemType == BooleanDataViewType.Instance,
                _ => scalar && !labelColumn.IsKey && labelColumn.ItemType == NumberDataViewType.Single,
            };
            if (!labelFits) throw WrongLabelType(label, labelColumn.GetTypeString(), task);

            if (weight is not null)
            {
                var weightColumn = Find(schema, weight, "example weight");
                if (weightColumn.Kind != SchemaShape.Column.VectorKind.Scalar || weightColumn.IsKey || weightColumn.ItemType != NumberDataViewType.Single)
                    throw WrongWeightType(weight, weightColumn.GetTypeString());
            }
            return labelColumn;
        }

        /// <param name="feature">The feature column's name.</param>
        /// <param name="type">What the column is.</param>
        /// <param name="otherNumber">The column is a vector of another number type (Double, Int32, …): a conversion fixes it, not Concatenate.</param>
        private static ArgumentOutOfRangeException WrongFeatureType(string feature, object? type, bool otherNumber) =>
            new("schema", $"Feature column '{feature}' must be a known-size vector of Single; it is {type}. " + (otherNumber
                ? $"Convert it with mlContext.Transforms.Conversion.ConvertType(\"{feature}\", outputKind: DataKind.Single)."
                : "Use mlContext.Transforms.Concatenate to build one from numeric columns."));

        // The key's values as invariant text, for the value types MapValueToKey makes keys of; null for others.
        private static IReadOnlyList<string>? KeyValues(DataViewSchema.Column label, int classes)
        {
            if (label.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues)?.Type is not VectorDataViewType { Size: var size } type || size != classes)
                return null;
            var raw = type.ItemType.RawType;
            return raw == typeof(ReadOnlyMemory<char>) ? Values<ReadOnlyMemory<char>>(label)
                : raw == typeof(float) ? Values<float>(label)
                : raw == typeof(double) ? Values<double>(label)
                : raw == typeof(int) ? Values<int>(label)
                : raw == typeof(uint) ? Values<uint>(label)
                : raw == typeof(long) ? Values<long>(label)
                : raw == typeof(bool) ? Values<bool>(label)
                : null;
        }

        private static IReadOnlyList<string> Values<T>(DataViewSchema.Column label)
        {
            VBuffer<T> values = default;
            label.GetKeyValues(ref values);
            return values.DenseValues().Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "").ToArray();
        }

        private static ArgumentOutOfRangeException WrongLabelType(string label, object? type, PredictionTask task) => new("schema", task switch
        {
            PredictionTask.MulticlassClassification =>
                $"Label column '{label}' must be a key type for multiclass classification; it is {type}. Use mlContext.Transforms.Conversion.MapValueToKey on it first.",
            PredictionTask.BinaryClassification => $"Label column '{label}' must be Boolean for binary classification; it is {type}. " +
                $"Convert a 0/1 column with mlContext.Transforms.Conversion.ConvertType(\"{label}\", outputKind: DataKind.Boolean) (any non-zero value becomes true, NaN included: drop or impute missing labels first), or map text values with mlContext.Transforms.Conversion.MapValue.",
            _ => $"Label column '{label}' must be Single for regression; it is {type}. Convert it with mlContext.Transforms.Conversion.ConvertType.",
        });

        private static ArgumentOutOfRangeException WrongWeightType(string weight, object? type) =>
            new("schema", $"Example weight column '{weight}' must be Single; it is {type}.");

        private static SchemaShape.Column Find(SchemaShape schema, string name, string role) =>
            schema.TryFindColumn(name, out var column) ? column : throw Missing(role, name, schema.Select(c => c.Name));

        private static ArgumentOutOfRangeException Missing(string role, string name, IEnumerable<string> present) =>
            new("schema", $"The {role} column '{name}' is not in the data. Columns present: {string.Join(", ", present.Select(c => $"'{c}'"))}.");

        private static DataViewSchema.Column Find(DataViewSchema schema, string name, string role)
        {
            if (schema.GetColumnOrNull(name) is { } column) return column;
            throw Missing(role, name, schema.Where(c => !c.IsHidden).Select(c => c.Name));
        }
    }
}
