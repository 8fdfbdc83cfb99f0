using System;
using System.Collections.Generic;
using System.Linq;
using MLNetRiemannian.Geometry;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Reference
{
    /// <summary>
    /// The dense metric computed the slow, obvious way, for tests only: explicit Jacobians of the network output from
    /// autograd (one backward pass per output coordinate), output metrics from autograd Hessians of torch's own loss
    /// functions, <c>G = Σ_b ω_b J_bᵀ M_b J_b + D</c> assembled densely and solved directly in Float64.
    /// Shares nothing with the library's step but the network's forward pass.
    /// </summary>
    internal static class DenseMetricReference
    {
        /// <summary>Per atom (forward order): gradient g, the dense metric G, and u = G⁻¹ g, parameters flattened as [vec(W); b].</summary>
        public static List<(Tensor Gradient, Tensor Metric, Tensor Direction)> Solve(
            RiemannianModule network, MetricKind kind, Tensor input, Tensor target, Tensor? weights)
        {
            var atoms = network.Atoms;
            var parameters = atoms.SelectMany(a => new[] { a.Weight, a.Bias }).ToList();
            foreach (var p in parameters) p.requires_grad_(true);
            try
            {
                var output = network.Forward(input);
                long batch = output.shape[0], d = output.shape[1];
                var omega = weights is null ? full(batch, 1.0 / batch, dtype: ScalarType.Float64) : weights / weights.sum();
                var loss = (ReferenceLoss(kind, output, target) * omega.to_type(output.dtype)).sum();
                var gradients = autograd.grad(new[] { loss }, parameters, retain_graph: true);

                // J rows: one backward pass per (sample, output coordinate).
                var jacobians = new Tensor[batch, d];
                for (long b = 0; b < batch; b++)
                for (long i = 0; i < d; i++)
                {
                    var rows = autograd.grad(new[] { output[b, i] }, parameters, retain_graph: true, allow_unused: true);
                    jacobians[b, i] = cat(rows.Select((r, k) => (r ?? zeros_like(parameters[k])).flatten().to_type(ScalarType.Float64)).ToArray(), 0);
                }
                var metrics = OutputMetrics(kind, output.detach().to_type(ScalarType.Float64), target);

                var result = new List<(Tensor, Tensor, Tensor)>();
                long offset = 0;
                for (int a = 0; a < atoms.Count; a++)
                {
                    var atom = atoms[a];
                    long n = atom.ParameterCount;
                    var g = cat(new[] { gradients[2 * a].flatten(), gradients[2 * a + 1].flatten() }, 0).to_type(ScalarType.Float64);
                    var metric = diag(MassDiagonal(atom));
                    for (long b = 0; b < batch; b++)
                    {
                        var j = stack(Enumerable.Range(0, (int)d).Select(i => jacobians[b, i].narrow(0, offset, n)), 0); // [d, n]
                        metric += omega[b].to_type(ScalarType.Float64) * j.t().mm(metrics[b]).mm(j);
                    }
                    var u = linalg.solve(metric, g.unsqueeze(1)).squeeze(1);
                    result.Add((g.detach(), metric.detach(), u.detach()));
                    offset += n;
                }
                return result;
            }
            finally
            {
                foreach (var p in parameters) p.requires_grad_(false);
            }
        }

        /// <summary>The mass as a dense diagonal, flattened like [vec(W); b], from the mass's public description.</summary>
        public static Tensor MassDiagonal(Dense atom)
        {
            int outputs = atom.OutputSize, inputs = atom.InputSize;
            var weight = new double[outputs * inputs];
            var bias = new double[outputs];
            for (int i = 0; i < outputs; i++)
            {
                for (int j = 0; j < inputs; j++)
                    weight[i * inputs + j] = atom.Mass switch
                    {
                        ScalarMass s => s.Mu,
                        KroneckerMass k => (double)k.RowScale[i] * k.ColumnScale[j],
                        DiagonalMass m => m.Weight[i * inputs + j],
                        _ => throw new NotSupportedException(),
                    };
                bias[i] = atom.Mass switch
                {
                    ScalarMass s => s.Mu,
                    KroneckerMass k => (double)k.RowScale[i] * k.ColumnScale[inputs],
                    DiagonalMass m => m.Bias[i],
                    _ => throw new NotSupportedException(),
                };
            }
            return cat(new[] { tensor(weight, new long[] { weight.Length }), tensor(bias, new long[] { bias.Length }) }, 0);
        }

        /// <summary>Per-sample losses from torch's own loss functions.</summary>
        private static Tensor ReferenceLoss(MetricKind kind, Tensor output, Tensor target) => kind switch
        {
            MetricKind.GaussNewtonSoftmax => nn.functional.cross_entropy(output, target, reduction: nn.Reduction.None),
            MetricKind.GaussNewtonSigmoid => nn.functional.binary_cross_entropy_with_logits(output.squeeze(1), target.to_type(output.dtype), reduction: nn.Reduction.None),
            _ => 0.5 * nn.functional.mse_loss(output, target.to_type(output.dtype), reduction: nn.Reduction.None).sum(1),
        };

        /// <summary>M_b for each sample: I, the autograd Hessian of the loss + εI, or the custom function.</summary>
        private static Tensor[] OutputMetrics(MetricKind kind, Tensor output, Tensor target)
        {
            long batch = output.shape[0], d = output.shape[1];
            var metrics = new Tensor[batch];
            for (long b = 0; b < batch; b++)
            {
                var y = output[b].unsqueeze(0).detach().clone().requires_grad_(true);
                var t = target[b].unsqueeze(0);
                metrics[b] = kind switch
                {
                    MetricKind.Identity => eye(d, dtype: ScalarType.Float64),
                    MetricKind.Custom => MetricCase.CustomMetric(y.detach(), t)[0],
                    _ => Hessian(ReferenceLoss(kind, y, t).sum(), y) + MetricCase.Epsilon * eye(d, dtype: ScalarType.Float64),
                };
            }
            return metrics;
        }

        private static Tensor Hessian(Tensor value, Tensor y)
        {
            var gradient = autograd.grad(new[] { value }, new[] { y }, retain_graph: true, create_graph: true)[0].flatten();
            var rows = new Tensor[gradient.shape[0]];
            for (long i = 0; i < rows.Length; i++)
                rows[i] = autograd.grad(new[] { gradient[i] }, new[] { y }, retain_graph: true)[0].flatten();
            return stack(rows, 0).detach();
        }
    }
}
