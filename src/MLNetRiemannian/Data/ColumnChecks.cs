using System;
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
        private ColumnChecks(string feature, string label, string? weight, int featureCount, int classCount)
        {
            FeatureColumn = feature;
            LabelColumn = label;
            WeightColumn = weight;
            FeatureCount = featureCount;
            ClassCount = classCount;
        }

        public string FeatureColumn { get; }
        public string LabelColumn { get; }
        public string? WeightColumn { get; }

        /// <summary>Width of the feature vector.</summary>
        public int FeatureCount { get; }

        /// <summary>Number of classes (the label key's count) for multiclass; 2 for binary; 0 for regression.</summary>
        public int ClassCount { get; }

        public static ColumnChecks Check(DataViewSchema schema, string feature, string label, string? weight, PredictionTask task)
        {
            var featureType = Find(schema, feature, "feature").Type;
            if (featureType is not VectorDataViewType { ItemType: NumberDataViewType number } vector || number != NumberDataViewType.Single || !vector.IsKnownSize)
                throw new ArgumentOutOfRangeException(nameof(schema),
                    $"Feature column '{feature}' must be a known-size vector of Single; it is {featureType}. " +
                    "Use mlContext.Transforms.Concatenate to build one from numeric columns.");

            var labelType = Find(schema, label, "label").Type;
            int classes = task switch
            {
                PredictionTask.MulticlassClassification => labelType is KeyDataViewType key && key.Count is > 0 and <= int.MaxValue
                    ? (int)key.Count
                    : throw new ArgumentOutOfRangeException(nameof(schema),
                        $"Label column '{label}' must be a key type for multiclass classification; it is {labelType}. " +
                        "Use mlContext.Transforms.Conversion.MapValueToKey on it first."),
                PredictionTask.BinaryClassification => labelType == BooleanDataViewType.Instance
                    ? 2
                    : throw new ArgumentOutOfRangeException(nameof(schema),
                        $"Label column '{label}' must be Boolean for binary classification; it is {labelType}."),
                _ => labelType == NumberDataViewType.Single
                    ? 0
                    : throw new ArgumentOutOfRangeException(nameof(schema),
                        $"Label column '{label}' must be Single for regression; it is {labelType}. Convert it with mlContext.Transforms.Conversion.ConvertType."),
            };
            if (task == PredictionTask.MulticlassClassification && classes < 2)
                throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{label}' has {classes} class; at least 2 are needed.");

            if (weight is not null)
            {
                var weightType = Find(schema, weight, "example weight").Type;
                if (weightType != NumberDataViewType.Single)
                    throw new ArgumentOutOfRangeException(nameof(schema), $"Example weight column '{weight}' must be Single; it is {weightType}.");
            }
            return new ColumnChecks(feature, label, weight, vector.Size, classes);
        }

        private static DataViewSchema.Column Find(DataViewSchema schema, string name, string role)
        {
            if (schema.GetColumnOrNull(name) is { } column) return column;
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"The {role} column '{name}' is not in the data. Columns present: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}.");
        }
    }
}
