using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// <c>--set Name=Value;Name=Value</c> of <c>compare</c>: public fields of
    /// <see cref="RiemannianMlpMulticlassTrainer.Options"/> of type int, double, bool or an enum (or nullable of those;
    /// "null" clears a nullable) set by reflection on the RiemannianMlp trainers' options, for tuning runs. The output
    /// metric, the epochs and the seed are the benchmark's own (trainer name, <c>--epochs</c>, <c>--seeds</c>).
    /// </summary>
    internal static class CompareOptionSettings
    {
        private static readonly string[] Reserved =
        {
            nameof(RiemannianMlpTrainerOptions.OutputMetric), nameof(RiemannianMlpTrainerOptions.NumberOfEpochs), nameof(RiemannianMlpTrainerOptions.Seed),
        };

        /// <summary>
        /// Parses <paramref name="text"/> ("" for none) and checks every pair against the options' fields; returns the pairs in order.
        /// </summary>
        /// <exception cref="ArgumentException">A malformed pair, an unknown or reserved name (the message lists the settable fields), or a value of the wrong type.</exception>
        public static IReadOnlyList<CompareOptionSetting> Parse(string text)
        {
            var pairs = new List<CompareOptionSetting>();
            foreach (string pair in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                int equals = pair.IndexOf('=');
                if (equals <= 0) throw new ArgumentException($"--set: '{pair}' is not Name=Value.");
                string name = pair[..equals].Trim(), value = pair[(equals + 1)..].Trim();
                if (Reserved.Contains(name))
                    throw new ArgumentException($"--set: {name} is the benchmark's own (the trainer's name chooses the output metric; --epochs and --seeds the others).");
                Convert(Field(name), value);
                pairs.Add(new CompareOptionSetting(name, value));
            }
            return pairs;
        }

        /// <summary>Sets the parsed <paramref name="settings"/> on <paramref name="options"/>.</summary>
        public static void Apply(RiemannianMlpTrainerOptions options, IEnumerable<CompareOptionSetting> settings)
        {
            foreach (var (name, value) in settings)
            {
                var field = Field(name);
                field.SetValue(options, Convert(field, value));
            }
        }

        /// <summary>The pairs as <c>--set</c> takes them: <c>Name=Value;Name=Value</c>.</summary>
        public static string Format(IEnumerable<CompareOptionSetting> settings) => string.Join(";", settings.Select(s => $"{s.Name}={s.Value}"));

        private static FieldInfo Field(string name)
        {
            var field = typeof(RiemannianMlpMulticlassTrainer.Options).GetField(name, BindingFlags.Public | BindingFlags.Instance);
            if (field is null || !Settable(field))
                throw new ArgumentException($"--set: '{name}' is no settable option; RiemannianMlpMulticlassTrainer.Options' int, double, bool and enum fields are: " +
                                            string.Join(", ", SettableFields().Select(f => f.Name)) + ".");
            return field;
        }

        private static IEnumerable<FieldInfo> SettableFields() =>
            typeof(RiemannianMlpMulticlassTrainer.Options).GetFields(BindingFlags.Public | BindingFlags.Instance).Where(Settable).OrderBy(f => f.Name, StringComparer.Ordinal);

        private static bool Settable(FieldInfo field)
        {
            var type = Nullable.GetUnderlyingType(field.FieldType) ?? field.FieldType;
            return !Reserved.Contains(field.Name) && (type == typeof(int) || type == typeof(double) || type == typeof(bool) || type.IsEnum);
        }

        private static object? Convert(FieldInfo field, string value)
        {
            var nullable = Nullable.GetUnderlyingType(field.FieldType);
            var type = nullable ?? field.FieldType;
            if (nullable is not null && value == "null") return null;
            object? parsed = type.IsEnum ? (Enum.TryParse(type, value, ignoreCase: false, out var e) && Enum.IsDefined(type, e!) ? e : null)
                : type == typeof(int) ? (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) ? i : null)
                : type == typeof(double) ? (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : null)
                : bool.TryParse(value, out bool b) ? b : null;
            return parsed ?? throw new ArgumentException($"--set: {field.Name}={value}: expected {(type.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(type))}" : type.Name)}" +
                                                         $"{(nullable is not null ? " or null" : "")}.");
        }
    }
}
