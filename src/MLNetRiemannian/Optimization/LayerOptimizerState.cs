using System;
using System.Collections.Generic;
using System.IO;
using static TorchSharp.torch;

namespace MLNetRiemannian.Optimization
{
    /// <summary>
    /// One dense layer's optimizer state (TorchSharp's <c>Adam.State</c>, kfac-pytorch's layer objects): the momentum —
    /// heavy-ball velocity <c>v</c> or the adaptive mass's averaged direction <c>m</c>, shaped like the layer's (weight,
    /// bias) — and the adaptive mass's running second moments of the gradient's rows <c>r</c> <c>[out]</c> and columns
    /// <c>c</c> <c>[in + 1]</c> (docs/method.md sections 8 and 9). A part the rule does not use is null. The checkpoint
    /// saves and loads it as is; the optimizer owns it (and its tensors).
    /// </summary>
    internal sealed class LayerOptimizerState : IDisposable
    {
        /// <param name="momentumWeight">v or m's weight part, <c>[out, in]</c>, or null.</param>
        /// <param name="momentumBias">v or m's bias part, <c>[out]</c>, or null.</param>
        /// <param name="secondMomentRows">r, <c>[out]</c>, or null.</param>
        /// <param name="secondMomentColumns">c, <c>[in + 1]</c>, or null.</param>
        public LayerOptimizerState(Tensor? momentumWeight, Tensor? momentumBias, Tensor? secondMomentRows, Tensor? secondMomentColumns)
        {
            MomentumWeight = momentumWeight?.DetachFromDisposeScope();
            MomentumBias = momentumBias?.DetachFromDisposeScope();
            SecondMomentRows = secondMomentRows?.DetachFromDisposeScope();
            SecondMomentColumns = secondMomentColumns?.DetachFromDisposeScope();
        }

        /// <summary>v or m's weight part, <c>[out, in]</c>.</summary>
        public Tensor? MomentumWeight { get; }

        /// <summary>v or m's bias part, <c>[out]</c>.</summary>
        public Tensor? MomentumBias { get; }

        /// <summary>r: the running mean over steps of the row means of <c>[g_W, g_b]²</c>, <c>[out]</c>.</summary>
        public Tensor? SecondMomentRows { get; }

        /// <summary>c: the running mean over steps of the column means of <c>[g_W, g_b]²</c>, <c>[in + 1]</c>.</summary>
        public Tensor? SecondMomentColumns { get; }

        /// <summary>The four parts in a fixed order (the checkpoint's), each with its name; absent ones are null.</summary>
        public IReadOnlyList<(string Name, Tensor? Value)> Parts => new (string, Tensor?)[]
        {
            (nameof(MomentumWeight), MomentumWeight), (nameof(MomentumBias), MomentumBias),
            (nameof(SecondMomentRows), SecondMomentRows), (nameof(SecondMomentColumns), SecondMomentColumns),
        };

        /// <summary>A copy outside every dispose scope.</summary>
        public LayerOptimizerState Clone() => new(MomentumWeight?.clone(), MomentumBias?.clone(), SecondMomentRows?.clone(), SecondMomentColumns?.clone());

        /// <summary>Overwrites every part with <paramref name="saved"/>'s, in place.</summary>
        /// <exception cref="InvalidDataException">The saved state has other parts or shapes (another rule or network).</exception>
        public void CopyFrom(LayerOptimizerState saved, string layer)
        {
            var (mine, theirs) = (Parts, saved.Parts);
            for (int i = 0; i < mine.Count; i++)
            {
                var (name, target) = mine[i];
                var source = theirs[i].Value;
                if (target is null)
                {
                    if (source is not null)
                        throw new InvalidDataException($"The saved optimizer state of the {layer} layer does not fit: it holds a {name} of {Describe(source)}, which this optimizer's rule does not keep.");
                }
                // A part saved before it was first made (version 1 and 2 checkpoints) was zero.
                else if (source is null) target.zero_();
                else if (!Same(target.shape, source.shape))
                    throw new InvalidDataException(
                        $"The saved optimizer state of the {layer} layer does not fit: its {name} is {Describe(source)} but this optimizer's rule needs {Describe(target)}.");
                else target.copy_(source);
            }
        }

        /// <summary>Zeros the momentum (after the parameters were restored to an earlier state); the second moments are kept.</summary>
        public void ResetMomentum()
        {
            MomentumWeight?.zero_();
            MomentumBias?.zero_();
        }

        private static bool Same(long[] a, long[] b) => a.AsSpan().SequenceEqual(b);

        private static string Describe(Tensor? t) => t is null ? "absent" : $"[{string.Join(", ", t.shape)}]";

        /// <summary>Releases the tensors.</summary>
        public void Dispose()
        {
            MomentumWeight?.Dispose();
            MomentumBias?.Dispose();
            SecondMomentRows?.Dispose();
            SecondMomentColumns?.Dispose();
        }
    }
}
