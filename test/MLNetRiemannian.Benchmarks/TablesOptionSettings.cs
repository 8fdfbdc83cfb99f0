using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MLNetRiemannian.Trainers;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// <c>--set Name=Value;Name=Value</c> of <c>tables</c>: RiemannianMlp's options for every table, to screen candidate
    /// defaults with the suite's command. The fields <c>compare --set</c> takes (<see cref="CompareOptionSettings"/>: the
    /// int, double, bool and enum fields of the options) and, since <c>tables</c> has no epoch count or output metric of its
    /// own, <see cref="RiemannianMlpTrainerOptions.NumberOfEpochs"/> (a count or "null", automatic),
    /// <see cref="RiemannianMlpTrainerOptions.OutputMetric"/> and <see cref="RiemannianMlpTrainerOptions.HiddenLayerSizes"/>
    /// (widths separated by commas, e.g. 256,256, or "null", the default). The seed is the split's (<c>--seeds</c>).
    /// </summary>
    internal static class TablesOptionSettings
    {
        private const string Epochs = nameof(RiemannianMlpTrainerOptions.NumberOfEpochs), OutputMetric = nameof(RiemannianMlpTrainerOptions.OutputMetric),
            Hidden = nameof(RiemannianMlpTrainerOptions.HiddenLayerSizes);

        /// <summary>Parses <paramref name="text"/> ("" for none) and checks every pair; returns the pairs in order.</summary>
        /// <exception cref="ArgumentException">A malformed pair, an unknown name, the seed, or a value of the wrong type; the message names it.</exception>
        public static IReadOnlyList<CompareOptionSetting> Parse(string text)
        {
            var pairs = new List<CompareOptionSetting>();
            foreach (string pair in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                int equals = pair.IndexOf('=');
                string name = equals > 0 ? pair[..equals].Trim() : "", value = equals > 0 ? pair[(equals + 1)..].Trim() : "";
                if (name is Epochs or OutputMetric or Hidden) Own(name, value);
                else if (name == nameof(RiemannianMlpTrainerOptions.Seed))
                    throw new ArgumentException($"--set: {name} is the benchmark's own: every run's seed is its split's (--seeds).");
                else
                {
                    try { CompareOptionSettings.Parse(pair); }
                    catch (ArgumentException e) when (e.Message.Contains("no settable option", StringComparison.Ordinal))
                    {
                        throw new ArgumentException($"{e.Message} And {Epochs}, {OutputMetric}, {Hidden} (widths separated by commas).", e);
                    }
                }
                pairs.Add(new CompareOptionSetting(name, value));
            }
            return pairs;
        }

        /// <summary>Sets the parsed <paramref name="settings"/> on <paramref name="options"/> and returns it.</summary>
        public static T Apply<T>(T options, IReadOnlyList<CompareOptionSetting> settings) where T : RiemannianMlpTrainerOptions
        {
            foreach (var setting in settings)
            {
                if (setting.Name == Epochs) options.NumberOfEpochs = (int?)Own(setting.Name, setting.Value);
                else if (setting.Name == OutputMetric) options.OutputMetric = (OutputMetricKind)Own(setting.Name, setting.Value)!;
                else if (setting.Name == Hidden) options.HiddenLayerSizes = (int[]?)Own(setting.Name, setting.Value);
                else CompareOptionSettings.Apply(options, new[] { setting });
            }
            return options;
        }

        // NumberOfEpochs: a positive count or null (automatic); HiddenLayerSizes: positive widths separated by commas, or null
        // (the default); OutputMetric: a name of the enum.
        private static object? Own(string name, string value)
        {
            if (name == Hidden)
            {
                if (value == "null") return null;
                var widths = value.Split(',', StringSplitOptions.TrimEntries)
                    .Select(w => int.TryParse(w, NumberStyles.Integer, CultureInfo.InvariantCulture, out int width) && width > 0 ? width : 0).ToArray();
                return widths.All(w => w > 0) ? widths
                    : throw new ArgumentException($"--set: {Hidden}={value}: expected positive widths separated by commas (e.g. 256,256) or null (the default).");
            }
            if (name == Epochs)
            {
                if (value == "null") return null;
                return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int epochs) && epochs > 0 ? epochs
                    : throw new ArgumentException($"--set: {Epochs}={value}: expected a positive whole number or null (automatic).");
            }
            return Enum.TryParse(value, ignoreCase: false, out OutputMetricKind metric) && Enum.IsDefined(metric) ? metric
                : throw new ArgumentException($"--set: {OutputMetric}={value}: expected one of {string.Join(", ", Enum.GetNames<OutputMetricKind>())}.");
        }
    }
}
