using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetRiemannian.TestHost
{
    /// <summary>
    /// Reads the scored columns through a row cursor (the batch path) and writes both paths' results as exact bits,
    /// so the test can demand bit identity rather than closeness.
    /// </summary>
    internal static class ScoreReport
    {
        /// <summary>
        /// Scores every row of <paramref name="data"/> twice, in row order: in a batch (<c>Transform</c>, read by
        /// <see cref="ReadWithCursor"/>) and one at a time (a <c>PredictionEngine</c>, returned too).
        /// </summary>
        public static (IDataView Scored, List<ScoredRow> Batch, List<ScoredRow> Single, PredictionEngine<TInput, TOutput> Engine) ScoreBothWays<TInput, TOutput>(
            MLContext mlContext, ITransformer model, IDataView data, Func<TOutput, ScoredRow> toScoredRow)
            where TInput : class, new()
            where TOutput : class, new()
        {
            var scored = model.Transform(data);
            var batch = ReadWithCursor(scored);
            if (batch.Count == 0) throw new InvalidOperationException("The data file holds no rows.");

            var engine = mlContext.Model.CreatePredictionEngine<TInput, TOutput>(model);
            var single = mlContext.Data.CreateEnumerable<TInput>(data, reuseRowObject: false)
                .Select(row => toScoredRow(engine.Predict(row))).ToList();
            return (scored, batch, single, engine);
        }

        /// <summary>Every row's Score, Probability (if present) and PredictedLabel (if present), in row order.</summary>
        public static List<ScoredRow> ReadWithCursor(IDataView scored)
        {
            var schema = scored.Schema;
            var score = schema["Score"];
            var probability = schema.GetColumnOrNull("Probability");
            var label = schema.GetColumnOrNull("PredictedLabel");
            var columns = new[] { (DataViewSchema.Column?)score, probability, label }.OfType<DataViewSchema.Column>();
            using var cursor = scored.GetRowCursor(columns);

            Func<float[]> getScore = score.Type is VectorDataViewType
                ? VectorReader(cursor, score)
                : ScalarReader(cursor, score);
            Func<float>? getProbability = probability is { } p ? FloatReader(cursor, p) : null;
            Func<string>? getLabel = label is { } l ? LabelReader(cursor, l) : null;

            var rows = new List<ScoredRow>();
            while (cursor.MoveNext())
                rows.Add(new ScoredRow(getScore(), getProbability?.Invoke(), getLabel?.Invoke()));
            return rows;
        }

        /// <summary>
        /// One line per row: <c>score=</c>, <c>engine.score=</c>, then when present <c>probability=</c>,
        /// <c>engine.probability=</c>, <c>label=</c>, <c>engine.label=</c>; tab-separated, floats as the 8 hex digits of
        /// their IEEE 754 bits, vector slots comma-separated.
        /// </summary>
        public static void Write(string path, IReadOnlyList<ScoredRow> transformed, IReadOnlyList<ScoredRow> engine)
        {
            if (transformed.Count != engine.Count)
                throw new InvalidOperationException($"Transform scored {transformed.Count} rows but the PredictionEngine {engine.Count}.");
            using var writer = new StreamWriter(path);
            for (int i = 0; i < transformed.Count; i++)
            {
                var fields = new List<string> { $"score={Bits(transformed[i].Score)}", $"engine.score={Bits(engine[i].Score)}" };
                if (transformed[i].Probability is float p)
                    fields.AddRange(new[] { $"probability={Bits(p)}", $"engine.probability={Bits(engine[i].Probability ?? float.NaN)}" });
                if (transformed[i].PredictedLabel is string label)
                    fields.AddRange(new[] { $"label={label}", $"engine.label={engine[i].PredictedLabel}" });
                writer.WriteLine(string.Join('\t', fields));
            }
        }

        /// <summary>
        /// The three most probable class names for one row, read from Score's slot names exactly as Model Builder's
        /// generated consumption code does (the output schema's SlotNames annotation, zipped with the scores).
        /// </summary>
        public static string[] TopThree(DataViewSchema outputSchema, float[] scores)
        {
            var slotNames = new VBuffer<ReadOnlyMemory<char>>();
            outputSchema["Score"].GetSlotNames(ref slotNames);
            var labels = slotNames.DenseValues().Select(name => name.ToString()).ToArray();
            if (labels.Length != scores.Length)
                throw new InvalidOperationException($"Score has {scores.Length} slots but {labels.Length} slot names.");
            return labels.Zip(scores).OrderByDescending(pair => pair.Second).Take(3).Select(pair => pair.First).ToArray();
        }

        private static string Bits(float value) => BitConverter.SingleToInt32Bits(value).ToString("x8", CultureInfo.InvariantCulture);

        private static string Bits(float[] values) => string.Join(',', values.Select(Bits));

        private static Func<float[]> VectorReader(DataViewRowCursor cursor, DataViewSchema.Column column)
        {
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            var buffer = default(VBuffer<float>);
            return () => { getter(ref buffer); return buffer.DenseValues().ToArray(); };
        }

        private static Func<float[]> ScalarReader(DataViewRowCursor cursor, DataViewSchema.Column column)
        {
            var get = FloatReader(cursor, column);
            return () => new[] { get() };
        }

        private static Func<float> FloatReader(DataViewRowCursor cursor, DataViewSchema.Column column)
        {
            var getter = cursor.GetGetter<float>(column);
            return () => { float value = 0; getter(ref value); return value; };
        }

        // Multiclass PredictedLabel is text after MapKeyToValue, binary PredictedLabel is Boolean.
        private static Func<string> LabelReader(DataViewRowCursor cursor, DataViewSchema.Column column)
        {
            if (column.Type is TextDataViewType)
            {
                var getter = cursor.GetGetter<ReadOnlyMemory<char>>(column);
                return () => { ReadOnlyMemory<char> value = default; getter(ref value); return value.ToString(); };
            }
            if (column.Type is BooleanDataViewType)
            {
                var getter = cursor.GetGetter<bool>(column);
                return () => { bool value = false; getter(ref value); return value.ToString(); };
            }
            throw new InvalidOperationException($"PredictedLabel has type {column.Type}; expected text (after MapKeyToValue) or Boolean.");
        }
    }
}
