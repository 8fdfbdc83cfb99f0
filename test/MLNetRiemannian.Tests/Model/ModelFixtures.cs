using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;

namespace MLNetRiemannian.Tests.Model
{
    /// <summary>Hand-made networks and tiny data sets for the model tests, with an independent double-precision forward pass.</summary>
    internal static class ModelFixtures
    {
        public const int InputSize = 4;
        public const int HiddenSize = 5;
        public static readonly string[] ClassNames = { "cat", "dog", "fish" };

        /// <summary>One input row: a string class for multiclass, a Boolean for binary, a float target for regression.</summary>
        public sealed class Row
        {
            public string Class = "";
            public bool Positive;
            public float Target;
            [VectorType(InputSize)]
            public float[] Features = Array.Empty<float>();
        }

        /// <summary>Weights and biases of a <c>4-5-outputs</c> network drawn from a seeded generator.</summary>
        public static (int[] Sizes, float[][] Weights, float[][] Biases) RandomNetwork(int outputs, int seed, params int[] hidden)
        {
            var random = new Random(seed);
            var sizes = new[] { InputSize }.Concat(hidden.Length == 0 ? new[] { HiddenSize } : hidden).Append(outputs).ToArray();
            var weights = new float[sizes.Length - 1][];
            var biases = new float[sizes.Length - 1][];
            for (int l = 0; l < weights.Length; l++)
            {
                weights[l] = Enumerable.Range(0, sizes[l + 1] * sizes[l]).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();
                biases[l] = Enumerable.Range(0, sizes[l + 1]).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            }
            return (sizes, weights, biases);
        }

        public static RiemannianMlpModelParameters Model(MLContext mlContext, PredictionTask task, ActivationKind activation = ActivationKind.Tanh, int seed = 1)
        {
            int outputs = task == PredictionTask.MulticlassClassification ? ClassNames.Length : 1;
            var (sizes, weights, biases) = RandomNetwork(outputs, seed);
            var history = new[]
            {
                new EpochSummary(1, 0.9, 0.5, 0.45, 0.25),
                new EpochSummary(2, 0.7, 0.625, null, 0.125)
                {
                    JitterRetries = 3,
                    ZeroWeightBatches = 2,
                    Diagnostics = new EpochDiagnostics(0.375, 0.25, new[]
                    {
                        new LayerDiagnostics(0.5, 1e-7, 0.0625, 0.125, 12.5),
                        new LayerDiagnostics(0.75, 2e-7, 0.03125, 0.25, 1.5),
                    }),
                },
            };
            // A regression model records the label standardization folded into its last layer (values exact in binary).
            var standardization = task == PredictionTask.Regression ? new LabelStandardization(3.5, 0.75) : null;
            return new RiemannianMlpModelParameters(mlContext, task, activation, sizes, weights, biases, "GaussNewton(ε=0.1)", history, standardization,
                new TrainingOutcome(TrainingStopReason.StopRequested, 3, 7, 1));
        }

        /// <summary>Rows whose labels depend on the features, so that the built-in trainers have something to fit.</summary>
        public static List<Row> Rows(int count, int seed = 7)
        {
            var random = new Random(seed);
            var rows = new List<Row>();
            for (int i = 0; i < count; i++)
            {
                var x = Enumerable.Range(0, InputSize).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();
                // Every class occurs, in order, among the first rows: MapValueToKey numbers them cat, dog, fish.
                int cls = i < ClassNames.Length ? i : (x[0] > 0.3f ? 0 : x[1] > 0 ? 1 : 2);
                rows.Add(new Row { Class = ClassNames[cls], Positive = x[0] + x[2] > 0, Target = 2 * x[0] - x[3], Features = x });
            }
            return rows;
        }

        /// <summary>The rows as a data view with the multiclass label keyed as "Label".</summary>
        public static IDataView KeyedData(MLContext mlContext, IEnumerable<Row> rows) =>
            mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(Row.Class)).Fit(mlContext.Data.LoadFromEnumerable(rows))
                .Transform(mlContext.Data.LoadFromEnumerable(rows));

        /// <summary>The network's linear output in double precision, written independently of the code under test.</summary>
        public static double[] ReferenceForward(int[] sizes, float[][] weights, float[][] biases, ActivationKind activation, float[] input)
        {
            double[] h = input.Select(v => (double)v).ToArray();
            for (int l = 0; l < weights.Length; l++)
            {
                var z = new double[sizes[l + 1]];
                for (int o = 0; o < z.Length; o++)
                {
                    double sum = biases[l][o];
                    for (int i = 0; i < sizes[l]; i++) sum += (double)weights[l][o * sizes[l] + i] * h[i];
                    z[o] = l == weights.Length - 1 ? sum : Activate(activation, sum);
                }
                h = z;
            }
            return h;
        }

        public static double Activate(ActivationKind activation, double x) => activation switch
        {
            ActivationKind.ReLU => Math.Max(x, 0),
            ActivationKind.LeakyReLU => x > 0 ? x : 0.01 * x,
            ActivationKind.Tanh => Math.Tanh(x),
            ActivationKind.Sigmoid => 1 / (1 + Math.Exp(-x)),
            ActivationKind.Gelu => x * 0.5 * (1 + SeriesErf(x / Math.Sqrt(2))),
            _ => throw new ArgumentOutOfRangeException(nameof(activation)),
        };

        /// <summary>
        /// erf from its everywhere-convergent series of positive terms, erf(x) = 2/√π · e^{−x²} · Σ 2ⁿ x^{2n+1} / (2n+1)!!
        /// (Abramowitz and Stegun 7.1.6): slow but accurate to rounding for moderate |x|, and unrelated to the rational
        /// approximation under test.
        /// </summary>
        public static double SeriesErf(double x)
        {
            double term = x, sum = x;
            for (int n = 1; n < 500 && Math.Abs(term) > 1e-18 * Math.Abs(sum); n++)
            {
                term *= 2 * x * x / (2 * n + 1);
                sum += term;
            }
            return 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x) * sum;
        }

        public static double[] Softmax(double[] z)
        {
            double max = z.Max();
            var e = z.Select(v => Math.Exp(v - max)).ToArray();
            double total = e.Sum();
            return e.Select(v => v / total).ToArray();
        }

        public static float[][] Weights(RiemannianMlpModelParameters model) =>
            Enumerable.Range(0, model.LayerSizes.Count - 1).Select(l => model.GetWeights(l).ToArray()).ToArray();

        public static float[][] Biases(RiemannianMlpModelParameters model) =>
            Enumerable.Range(0, model.LayerSizes.Count - 1).Select(l => model.GetBias(l).ToArray()).ToArray();

        public static double[] ReferenceForward(RiemannianMlpModelParameters model, float[] input) =>
            ReferenceForward(model.LayerSizes.ToArray(), Weights(model), Biases(model), model.Activation, input);
    }
}
