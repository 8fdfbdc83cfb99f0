using System;
using System.Collections.Generic;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// A Riemannian module (docs/method.md section 6): a smooth map <c>z = f(x; w)</c> whose parameters carry a mass
    /// metric, and which can pull an output-space metric factor back to its input and to its parameters.
    /// Networks are compositions of modules (<see cref="Sequential"/>, <see cref="Parallel"/>); the atoms
    /// with parameters are <see cref="Dense"/> layers and <see cref="Diagonal"/> modules.
    /// </summary>
    /// <remarks>
    /// A factor is a tensor <c>[B, k, width]</c>: for each of the B samples, k row vectors in the dual of the
    /// module's output space. Pulling it back through the module multiplies each row by the module's Jacobian
    /// <c>∂z/∂x</c> (docs/method.md section 2.2, Remark 4: <c>R ← R·∂z_next/∂z</c>), batched over samples and rows.
    /// </remarks>
    public abstract class RiemannianModule : IDisposable
    {
        /// <summary>Width of the input vector.</summary>
        public abstract int InputSize { get; }

        /// <summary>Width of the output vector.</summary>
        public abstract int OutputSize { get; }

        /// <summary>The modules with parameters inside this one, in forward order (derived for compounds).</summary>
        public abstract IReadOnlyList<Dense> Atoms { get; }

        /// <summary>
        /// The <see cref="Diagonal"/> modules inside this one, in forward order (derived for compounds): the atoms with
        /// parameters that are not dense layers.
        /// </summary>
        public virtual IReadOnlyList<Diagonal> Diagonals => Array.Empty<Diagonal>();

        /// <summary>Whether this module or one inside it has parameters (a dense layer or a diagonal module).</summary>
        internal bool HasParameters => Atoms.Count > 0 || Diagonals.Count > 0;

        /// <summary>Applies the map to a batch <c>[B, InputSize]</c> and returns <c>[B, OutputSize]</c>.</summary>
        public abstract Tensor Forward(Tensor input);

        /// <summary>Forward pass that records, on <paramref name="trace"/>, what the pullback will need.</summary>
        internal abstract Tensor Forward(Tensor input, ForwardTrace trace);

        /// <summary>
        /// The forward pass on a batch that may be sparse. Only a <see cref="Dense"/> layer multiplies a sparse batch
        /// as it is; any other first module receives it densified (<c>[B, in]</c>, one batch at a time).
        /// </summary>
        internal virtual Tensor Forward(InputBatch input) => Forward(input.ToDense());

        /// <summary><see cref="Forward(InputBatch)"/>, recording the pass for the pullback.</summary>
        internal virtual Tensor Forward(InputBatch input, ForwardTrace trace) => Forward(input.ToDense(), trace);

        /// <summary>
        /// The forward pass of a module that maps a batch, dense or sparse, to a batch of the same kind (a
        /// <see cref="Diagonal"/>: a sparse batch stays sparse), recording it on <paramref name="trace"/> when given; null
        /// for every other module, which takes <see cref="Forward(InputBatch)"/>.
        /// </summary>
        internal virtual InputBatch? ForwardBatch(InputBatch input, ForwardTrace? trace) => null;

        /// <summary>
        /// Pulls <paramref name="factor"/> (<c>[B, k, OutputSize]</c>, or null when no module at or below this one needs
        /// it) back through the module, handing each atom its factor and input via <paramref name="trace"/>.
        /// Returns the factor at the input, or null when <paramref name="toInput"/> is false.
        /// </summary>
        internal abstract Tensor? Pullback(Tensor? factor, ForwardTrace trace, bool toInput);

        /// <summary>Releases the native tensors this module owns.</summary>
        public virtual void Dispose() => GC.SuppressFinalize(this);
    }
}
