using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Geometry
{
    /// <summary>The metric's own factor <c>L</c> with <c>Lᵀ L = M</c>: d rows per sample, no randomness.</summary>
    internal sealed class ExactOutputFactor : OutputFactor
    {
        public ExactOutputFactor(OutputMetric metric) : base(metric) { }

        public override int Rows(int outputs) => outputs;

        public override bool IsExact(int outputs) => true;

        internal override Tensor Draw(Tensor output, Tensor target, NumericalEvents events) => Metric.Factor(output, target, events);
    }
}
