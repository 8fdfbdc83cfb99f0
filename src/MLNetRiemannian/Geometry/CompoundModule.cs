using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNetRiemannian.Geometry
{
    /// <summary>
    /// A module made of other modules. Its atoms are derived from the children, never set by hand, and it owns
    /// (disposes) them.
    /// </summary>
    public abstract class CompoundModule : RiemannianModule
    {
        private protected CompoundModule(RiemannianModule[] children, string kind)
        {
            ArgumentNullException.ThrowIfNull(children);
            if (children.Length == 0)
                throw new ArgumentException($"A {kind} composition needs at least one module.", nameof(children));
            ChildArray = children;
            Atoms = children.SelectMany(c => c.Atoms).ToArray();
            Diagonals = children.SelectMany(c => c.Diagonals).ToArray();
        }

        private protected RiemannianModule[] ChildArray { get; }

        /// <summary>The composed modules, in forward (input) order.</summary>
        public IReadOnlyList<RiemannianModule> Children => ChildArray;

        /// <inheritdoc/>
        public sealed override IReadOnlyList<Dense> Atoms { get; }

        /// <inheritdoc/>
        public sealed override IReadOnlyList<Diagonal> Diagonals { get; }

        /// <inheritdoc/>
        public override void Dispose()
        {
            foreach (var child in ChildArray) child.Dispose();
            base.Dispose();
        }
    }
}
