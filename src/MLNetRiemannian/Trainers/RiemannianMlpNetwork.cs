using System.Collections.Generic;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using static TorchSharp.torch;

namespace MLNetRiemannian.Trainers
{
    /// <summary>
    /// The pieces a RiemannianMlp is made of, in one place for the trainer, the stability bound and the benchmarks:
    /// the network (an optional learned input scale, dense layers with scalar masses, the activation between them), the
    /// task's loss and the options' output metric.
    /// </summary>
    internal static class RiemannianMlpNetwork
    {
        /// <summary>
        /// <c>sizes[0] → … → sizes[^1]</c>: a <see cref="Dense"/> layer per pair with mass <c>masses[l]</c>, initialized in
        /// order from <paramref name="generator"/>, and <paramref name="activation"/> after every layer but the last.
        /// </summary>
        /// <param name="sizes">Widths, input first.</param>
        /// <param name="activation">The nonlinearity between layers.</param>
        /// <param name="masses">μ per dense layer.</param>
        /// <param name="generator">Draws the dense layers' initial weights.</param>
        /// <param name="dtype">Float32 (default) or Float64.</param>
        /// <param name="inputScale">
        /// When true, a <see cref="Diagonal"/> input scale (s = 1, the first layer's mass) comes first (docs/method.md
        /// section 10.1); it draws nothing from <paramref name="generator"/>, so the dense layers start as without it.
        /// </param>
        public static Sequential Create(IReadOnlyList<int> sizes, ActivationKind activation, IReadOnlyList<double> masses, Generator generator,
            ScalarType dtype = ScalarType.Float32, bool inputScale = false)
        {
            var modules = new List<RiemannianModule>();
            if (inputScale) modules.Add(new Diagonal(sizes[0], masses[0], dtype));
            for (int l = 0; l + 1 < sizes.Count; l++)
            {
                modules.Add(new Dense(sizes[l], sizes[l + 1], new ScalarMass(masses[l]), dtype, generator));
                if (l + 2 < sizes.Count) modules.Add(Activation.Create(activation, sizes[l + 1]));
            }
            return new Sequential(modules.ToArray());
        }

        /// <summary>
        /// The network the options describe for <paramref name="sizes"/> (input, hidden layers, outputs), with a learned
        /// input scale first when <paramref name="inputScale"/> (resolved by the caller: <see cref="Defaults.InputScaleOn"/>).
        /// </summary>
        public static Sequential Create(RiemannianMlpTrainerOptions options, IReadOnlyList<int> sizes, Generator generator, bool inputScale = false)
        {
            var masses = new double[sizes.Count - 1];
            for (int l = 0; l < masses.Length; l++) masses[l] = options.LayerMasses?[l] ?? options.Mass;
            return Create(sizes, options.Activation, masses, generator, inputScale: inputScale);
        }

        /// <summary>Softmax cross-entropy, sigmoid cross-entropy (both with label smoothing α, 0 for none) or squared error.</summary>
        public static Loss Loss(PredictionTask task, double labelSmoothing = 0) => task switch
        {
            PredictionTask.MulticlassClassification => new SoftmaxCrossEntropyLoss(labelSmoothing),
            PredictionTask.BinaryClassification => new SigmoidCrossEntropyLoss(labelSmoothing),
            _ => new SquaredErrorLoss(),
        };

        /// <summary>
        /// The optimizer <paramref name="plan"/> describes for <paramref name="network"/> (a sampled output factor draws
        /// from <paramref name="generator"/>). The trainers and the benchmarks build it here, so they train alike.
        /// </summary>
        public static RiemannianSgd Optimizer(OptimizerPlan plan, RiemannianModule network, Loss loss, OutputMetric metric, Generator generator) =>
            new(network, loss, metric, plan, generator);

        /// <summary>The output metric M the options choose, for <paramref name="loss"/>.</summary>
        public static OutputMetric Metric(RiemannianMlpTrainerOptions options, Loss loss) => options.OutputMetric switch
        {
            OutputMetricKind.GaussNewton => new GaussNewtonMetric(loss, options.GaussNewtonEpsilon),
            OutputMetricKind.Custom => new CustomOutputMetric(options.CustomOutputMetric!),
            _ => new IdentityMetric(),
        };
    }
}
