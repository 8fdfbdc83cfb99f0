using System;
using MLNetRiemannian.Geometry;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Reference
{
    /// <summary>The output metrics the step is checked with, each paired with the loss it is used with.</summary>
    public enum MetricKind { Identity, GaussNewtonSoftmax, GaussNewtonSigmoid, GaussNewtonSquaredError, Custom }

    /// <summary>The masses the step is checked with.</summary>
    public enum MassKind { Scalar, Kronecker, Diagonal }

    /// <summary>Builds a loss, metric, targets and masses for a test case.</summary>
    internal static class MetricCase
    {
        public const double Epsilon = 0.05;

        public static bool Supports(MetricKind kind, int outputs) => kind switch
        {
            MetricKind.GaussNewtonSoftmax => outputs >= 2,
            MetricKind.GaussNewtonSigmoid => outputs == 1,
            _ => true,
        };

        public static Loss Loss(MetricKind kind) => kind switch
        {
            MetricKind.GaussNewtonSoftmax => new SoftmaxCrossEntropyLoss(),
            MetricKind.GaussNewtonSigmoid => new SigmoidCrossEntropyLoss(),
            _ => new SquaredErrorLoss(),
        };

        public static OutputMetric Metric(MetricKind kind, Loss loss) => kind switch
        {
            MetricKind.Identity => new IdentityMetric(),
            MetricKind.Custom => new CustomOutputMetric(CustomMetric),
            _ => new GaussNewtonMetric(loss, Epsilon),
        };

        /// <summary>An output-dependent SPD metric: <c>M_b = I + ŷ_b ŷ_bᵀ</c>.</summary>
        public static Tensor CustomMetric(Tensor output, Tensor target)
        {
            long b = output.shape[0], d = output.shape[1];
            return eye(d, dtype: output.dtype).expand(b, d, d) + output.unsqueeze(2) * output.unsqueeze(1);
        }

        public static Tensor Target(MetricKind kind, int batch, int outputs, Generator generator) => kind switch
        {
            MetricKind.GaussNewtonSoftmax => randint(outputs, new long[] { batch }, dtype: ScalarType.Int64, generator: generator),
            MetricKind.GaussNewtonSigmoid => randint(2, new long[] { batch }, dtype: ScalarType.Float64, generator: generator),
            _ => randn(new long[] { batch, outputs }, dtype: ScalarType.Float64, generator: generator),
        };

        public static Mass Mass(MassKind kind, int inputs, int outputs, Random random) => kind switch
        {
            MassKind.Scalar => new ScalarMass(0.3 + random.NextDouble()),
            MassKind.Kronecker => new KroneckerMass(Positive(outputs, random), Positive(inputs + 1, random)),
            _ => new DiagonalMass(Positive(outputs * inputs, random), Positive(outputs, random)),
        };

        private static float[] Positive(int count, Random random)
        {
            var values = new float[count];
            for (int i = 0; i < count; i++) values[i] = (float)(0.5 + random.NextDouble());
            return values;
        }
    }
}
