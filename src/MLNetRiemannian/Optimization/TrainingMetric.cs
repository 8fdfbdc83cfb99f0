using System;
using static TorchSharp.torch;

namespace MLNetRiemannian.Optimization
{
    /// <summary>The number reported per epoch for the training and validation data: accuracy or RMSE.</summary>
    internal abstract class TrainingMetric
    {
        /// <summary>"accuracy" or "RMSE".</summary>
        public abstract string Name { get; }

        /// <summary>Whether a larger value is better (for early stopping).</summary>
        public abstract bool HigherIsBetter { get; }

        /// <summary>The batch's contribution (a scalar tensor): correct predictions, or the squared-error sum.</summary>
        public abstract Tensor BatchSum(Tensor output, Tensor target);

        /// <summary>The metric from the summed contributions of <paramref name="count"/> rows.</summary>
        public abstract double Finish(double sum, long count);

        public bool IsBetter(double candidate, double best) => HigherIsBetter ? candidate > best : candidate < best;

        /// <summary>Share of correct predictions: argmax over classes, or logit &gt; 0 for a single output.</summary>
        public sealed class Accuracy : TrainingMetric
        {
            public override string Name => "accuracy";
            public override bool HigherIsBetter => true;

            public override Tensor BatchSum(Tensor output, Tensor target)
            {
                using var scope = NewDisposeScope();
                var predicted = output.shape[1] == 1 ? output.squeeze(1).gt(0).to_type(target.dtype) : output.argmax(1);
                return predicted.eq(target).sum().to_type(ScalarType.Float64).MoveToOuterDisposeScope();
            }

            public override double Finish(double sum, long count) => sum / count;
        }

        /// <summary>Root mean squared error over all output coordinates.</summary>
        public sealed class RootMeanSquaredError : TrainingMetric
        {
            public override string Name => "RMSE";
            public override bool HigherIsBetter => false;

            public override Tensor BatchSum(Tensor output, Tensor target)
            {
                using var scope = NewDisposeScope();
                return (output - target).pow(2).sum().to_type(ScalarType.Float64).MoveToOuterDisposeScope();
            }

            public override double Finish(double sum, long count) => Math.Sqrt(sum / count);
        }
    }
}
