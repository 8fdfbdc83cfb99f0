using System;
using System.Collections.Generic;
using System.IO;
using static TorchSharp.torch;

namespace MLNetRiemannian.Optimization
{
    /// <summary>
    /// A <see cref="Geometry.Diagonal"/> module's optimizer state: the momentum <c>m</c> <c>[n]</c> (the heavy ball's
    /// velocity or the adaptive mass's averaged direction) and the adaptive mass's running second moment of the gradient
    /// <c>v</c> <c>[n]</c> (docs/method.md section 10.1). A part the rule does not use is null. The checkpoint saves and
    /// loads it as is; the optimizer owns it (and its tensors).
    /// </summary>
    internal sealed class DiagonalOptimizerState : IDisposable
    {
        /// <param name="momentum">m, <c>[n]</c>, or null.</param>
        /// <param name="secondMoment">v, <c>[n]</c>, or null.</param>
        public DiagonalOptimizerState(Tensor? momentum, Tensor? secondMoment)
        {
            Momentum = momentum?.DetachFromDisposeScope();
            SecondMoment = secondMoment?.DetachFromDisposeScope();
        }

        /// <summary>m, <c>[n]</c>.</summary>
        public Tensor? Momentum { get; }

        /// <summary>v: the running mean over steps of <c>g²</c>, <c>[n]</c>.</summary>
        public Tensor? SecondMoment { get; }

        /// <summary>The two parts in a fixed order (the checkpoint's), each with its name; absent ones are null.</summary>
        public IReadOnlyList<(string Name, Tensor? Value)> Parts => new (string, Tensor?)[] { (nameof(Momentum), Momentum), (nameof(SecondMoment), SecondMoment) };

        /// <summary>A copy outside every dispose scope.</summary>
        public DiagonalOptimizerState Clone() => new(Momentum?.clone(), SecondMoment?.clone());

        /// <summary>Overwrites every part with <paramref name="saved"/>'s, in place.</summary>
        /// <exception cref="InvalidDataException">The saved state has other parts or shapes (another rule or network).</exception>
        public void CopyFrom(DiagonalOptimizerState saved)
        {
            var (mine, theirs) = (Parts, saved.Parts);
            for (int i = 0; i < mine.Count; i++)
            {
                var (name, target) = mine[i];
                var source = theirs[i].Value;
                if ((target is null) != (source is null) || (target is not null && !target.shape.AsSpan().SequenceEqual(source!.shape)))
                    throw new InvalidDataException(
                        $"The saved optimizer state of the input scale does not fit: its {name} is {Describe(source)} but this optimizer's rule needs {Describe(target)}.");
                target?.copy_(source!);
            }
        }

        /// <summary>Zeros the momentum (after the parameters were restored to an earlier state); the second moment is kept.</summary>
        public void ResetMomentum() => Momentum?.zero_();

        private static string Describe(Tensor? t) => t is null ? "absent" : $"[{string.Join(", ", t.shape)}]";

        /// <summary>Releases the tensors.</summary>
        public void Dispose()
        {
            Momentum?.Dispose();
            SecondMoment?.Dispose();
        }
    }
}
