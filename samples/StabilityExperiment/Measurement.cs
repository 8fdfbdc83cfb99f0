using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Theory;
using static TorchSharp.torch;

namespace MLNetRiemannian.Samples.Stability
{
    /// <summary>
    /// One point of the experiment: a trainer setting and an n. Trains on S (the pool's first n rows) and on each S′ (S
    /// with one row replaced by a pool row outside every S, of the other class), from the same initialization with the
    /// same steps; measures <c>max_i |f_S(x_i) − f_S′(x_i)|</c> over the probe set at each checkpoint; and estimates the
    /// stability bound of S's network at each checkpoint.
    /// </summary>
    internal sealed class Measurement
    {
        private readonly ShirtRegression _data;
        private readonly (long Row, long Replacement)[] _replacements;
        private readonly int _steps;
        private readonly int[] _checkpoints;
        private readonly int _xiSamples;

        /// <param name="data">The pool and the probe set.</param>
        /// <param name="replacements">Which rows of S are replaced (one at a time) and by which pool rows.</param>
        /// <param name="steps">Full-batch steps per training.</param>
        /// <param name="checkpoints">Steps after which the network is measured (the last is <paramref name="steps"/>).</param>
        /// <param name="xiSamples">How many samples ξ is computed from.</param>
        public Measurement(ShirtRegression data, (long Row, long Replacement)[] replacements, int steps, int[] checkpoints, int xiSamples)
        {
            _data = data;
            _replacements = replacements;
            _steps = steps;
            _checkpoints = checkpoints;
            _xiSamples = xiSamples;
        }

        public const int Seed = 1;

        public PairResult Run(TrainerSetting setting, int n)
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            var inputs = _data.PoolInputs.narrow(0, 0, n);
            var targets = _data.PoolTargets.narrow(0, 0, n);

            using var network = Training.Network(Seed, setting.Mass);
            var probe = new List<Tensor>();
            var estimates = new List<StabilityBoundEstimate>();
            double loss = Training.Train(network, setting, inputs, targets, _steps, _checkpoints, _ =>
            {
                probe.Add(Probe(network));
                estimates.Add(StabilityBound.Estimate(network, new SquaredErrorLoss(), inputs, targets, _xiSamples));
            });

            // Per replacement, the divergence at each checkpoint (0, the common initialization, first).
            var divergences = new List<double[]>();
            foreach (var (row, replacement) in _replacements)
            {
                var replacedInputs = inputs.clone();
                var replacedTargets = targets.clone();
                replacedInputs[row] = _data.PoolInputs[replacement];
                replacedTargets[row] = _data.PoolTargets[replacement];
                using var replaced = Training.Network(Seed, setting.Mass);
                var divergence = new List<double>();
                Training.Train(replaced, setting, replacedInputs, replacedTargets, _steps, _checkpoints, _ =>
                {
                    using var probeScope = NewDisposeScope();
                    using var noGrad = no_grad();
                    divergence.Add((replaced.Forward(_data.ProbeInputs) - probe[divergence.Count]).abs().max().item<double>());
                });
                divergences.Add(divergence.ToArray());
            }
            var worst = Enumerable.Range(0, probe.Count).Select(c => divergences.Max(d => d[c])).ToArray();
            foreach (var t in probe) t.Dispose();

            return new PairResult(setting.Name, setting.Kind, setting.Mass, n, worst[^1], divergences.Select(d => d[^1]).ToArray(),
                _checkpoints.Prepend(0).ToArray(), worst, loss, clock.Elapsed.TotalSeconds, estimates[^1], estimates.ToArray(), TrajectoryBound(estimates));
        }

        /// <summary>The network's outputs on the probe set, owned by the caller (the trainers call back inside their own dispose scopes).</summary>
        private Tensor Probe(Sequential network)
        {
            using var noGrad = no_grad();
            return network.Forward(_data.ProbeInputs).DetachFromDisposeScope();
        }

        /// <summary>
        /// The bound with the worst constants met along training, as the theorem's argument needs them on the whole path:
        /// the largest κ and L and the smallest ξ over the checkpoints (initialization included).
        /// </summary>
        private static double TrajectoryBound(IReadOnlyList<StabilityBoundEstimate> path)
        {
            double kappa = path.Max(e => e.Kappa), lipschitz = path.Max(e => e.LossLipschitz), xi = path.Min(e => e.Xi);
            var last = path[^1];
            return xi > 0 ? 2 * kappa * kappa * lipschitz / (xi * last.SmallestMass * Math.Sqrt(last.SampleCount)) : double.PositiveInfinity;
        }
    }
}
