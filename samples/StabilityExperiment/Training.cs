using System;
using System.Collections.Generic;
using System.Linq;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Optimization;
using Parameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch;

namespace MLNetRiemannian.Samples.Stability
{
    /// <summary>The three ways the experiment trains, all full-batch on the mean of <c>½(ŷ − y)²</c>.</summary>
    internal enum TrainerKind { Riemannian, Sgd, Adam }

    /// <summary>One trainer's settings: for the Riemannian one the mass μ and η, for SGD and Adam the learning rate.</summary>
    internal sealed record TrainerSetting(TrainerKind Kind, double LearningRate, double Mass = 1)
    {
        public string Name => Kind switch
        {
            TrainerKind.Riemannian => $"Riemannian μ={Mass:G3}",
            TrainerKind.Sgd => "SGD",
            _ => "Adam",
        };
    }

    /// <summary>
    /// Trains the 49 → <see cref="HiddenWidth"/> → 1 tanh network from the same initialization (seeded, independent of μ)
    /// for a fixed number of full-batch steps, stopping at checkpoints for the caller to measure it.
    /// </summary>
    internal static class Training
    {
        public const int HiddenWidth = 128;

        /// <summary>How many samples of the (full) batch enter the Riemannian metric: the first ones, S's own order.</summary>
        public const int CurvatureSamples = 256;

        /// <summary>The network, Float64, every layer of mass <paramref name="mass"/>; its weights depend on <paramref name="seed"/> only.</summary>
        public static Sequential Network(int seed, double mass)
        {
            using var generator = new Generator((ulong)seed);
            return new Sequential(
                new Dense(ShirtRegression.FeatureCount, HiddenWidth, new ScalarMass(mass), ScalarType.Float64, generator),
                new Tanh(HiddenWidth),
                new Dense(HiddenWidth, 1, new ScalarMass(mass), ScalarType.Float64, generator));
        }

        /// <summary>
        /// Trains <paramref name="network"/> in place for <paramref name="steps"/> steps, calling <paramref name="atCheckpoint"/>
        /// with the step count before training (0) and after each step in <paramref name="checkpoints"/>; returns the final
        /// training loss.
        /// </summary>
        public static double Train(Sequential network, TrainerSetting setting, Tensor inputs, Tensor targets, int steps,
            IReadOnlyCollection<int> checkpoints, Action<int> atCheckpoint)
        {
            atCheckpoint(0);
            if (setting.Kind == TrainerKind.Riemannian) Riemannian(network, setting, inputs, targets, steps, checkpoints, atCheckpoint);
            else Autograd(network, setting, inputs, targets, steps, checkpoints, atCheckpoint);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            return new SquaredErrorLoss().Value(network.Forward(inputs), targets).mean().item<double>();
        }

        /// <summary>The library's optimizer: <c>Δw_a = −η G_a⁻¹ g_a</c> with the identity output metric, no momentum.</summary>
        private static void Riemannian(Sequential network, TrainerSetting setting, Tensor inputs, Tensor targets, int steps, IReadOnlyCollection<int> checkpoints, Action<int> atCheckpoint)
        {
            using var optimizer = new RiemannianSgd(network, new SquaredErrorLoss(), new IdentityMetric(), setting.LearningRate, curvatureBatchSize: CurvatureSamples);
            for (int step = 1; step <= steps; step++)
            {
                optimizer.Step(inputs, targets);
                if (checkpoints.Contains(step)) atCheckpoint(step);
            }
        }

        /// <summary>torch.optim.SGD or Adam on copies of the same weights, copied back into the network at the end.</summary>
        private static void Autograd(Sequential network, TrainerSetting setting, Tensor inputs, Tensor targets, int steps, IReadOnlyCollection<int> checkpoints, Action<int> atCheckpoint)
        {
            var dense = network.Atoms;
            var parameters = dense.SelectMany(a => new[] { a.Weight, a.Bias }).Select(t => new Parameter(t.clone())).ToArray();
            using var optimizer = setting.Kind == TrainerKind.Adam
                ? (optim.Optimizer)optim.Adam(parameters, setting.LearningRate)
                : optim.SGD(parameters, setting.LearningRate);
            void CopyBack()
            {
                using var noGrad = no_grad();
                for (int a = 0; a < dense.Count; a++)
                {
                    dense[a].Weight.copy_(parameters[2 * a]);
                    dense[a].Bias.copy_(parameters[2 * a + 1]);
                }
            }
            for (int step = 1; step <= steps; step++)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var hidden = nn.functional.linear(inputs, parameters[0], parameters[1]).tanh();
                var output = nn.functional.linear(hidden, parameters[2], parameters[3]);
                (output - targets).square().mean().mul(0.5).backward();
                optimizer.step();
                if (!checkpoints.Contains(step)) continue;
                CopyBack();
                atCheckpoint(step);
            }
            CopyBack();
            foreach (var p in parameters) p.Dispose();
        }
    }
}
