using System;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace MLNetRiemannian.Samples.Stability
{
    /// <summary>
    /// The experiment's squared-error task, from Fashion-MNIST (Debian's dataset-fashion-mnist, installed by
    /// <c>bash build/setup.sh --fashion-mnist</c>): T-shirt/top (class 0) against Shirt (class 6), the hardest pair of
    /// the data set, as a regression onto the target −1 / +1 with the squared error. Each 28×28 image is averaged over
    /// 4×4 blocks to 7×7 = 49 features, which are then standardized with the pool's mean and deviation.
    /// </summary>
    /// <param name="PoolInputs">The training pool <c>[N, 49]</c>, Float64, in a fixed random order: S_n is its first n rows.</param>
    /// <param name="PoolTargets">Targets of the pool <c>[N, 1]</c>, −1 (T-shirt/top) or +1 (Shirt).</param>
    /// <param name="ProbeInputs">Probe images from the test set <c>[M, 49]</c>, where the two trainings' outputs are compared.</param>
    internal sealed record ShirtRegression(Tensor PoolInputs, Tensor PoolTargets, Tensor ProbeInputs)
    {
        public const int FeatureCount = 49;
        private const int TShirt = 0, Shirt = 6, Side = 28, Block = 4;

        /// <summary>Reads the two classes, pools and standardizes them, and draws the pool's order from <paramref name="seed"/>.</summary>
        public static ShirtRegression Load(string directory, int poolSize, int probeSize, int seed)
        {
            // Every temporary is freed here: left to the finalizer thread, tensors freed concurrently with training can
            // corrupt libtorch's heap.
            using var scope = NewDisposeScope();
            var (trainX, trainY) = Read(directory, "train");
            var (testX, _) = Read(directory, "t10k");
            if (trainX.shape[0] < poolSize || testX.shape[0] < probeSize)
                throw new InvalidDataException($"'{directory}' holds {trainX.shape[0]} training and {testX.shape[0]} test images of the two classes; the experiment needs {poolSize} and {probeSize}.");
            using var generator = new Generator((ulong)seed);
            var order = randperm(trainX.shape[0], generator: generator).narrow(0, 0, poolSize);
            var pool = trainX.index_select(0, order);
            var mean = pool.mean(new long[] { 0 }, keepdim: true);
            var deviation = pool.std(0, keepdim: true).clamp_min_(1e-6);
            return new ShirtRegression(
                ((pool - mean) / deviation).DetachFromDisposeScope(),
                trainY.index_select(0, order).DetachFromDisposeScope(),
                ((testX.narrow(0, 0, probeSize) - mean) / deviation).DetachFromDisposeScope());
        }

        /// <summary>The pooled images <c>[count, 49]</c> and targets <c>[count, 1]</c> of the two classes, in file order.</summary>
        private static (Tensor Inputs, Tensor Targets) Read(string directory, string prefix)
        {
            var (count, rows, columns, pixels) = IdxFile.ReadImages(Find(directory, $"{prefix}-images-idx3-ubyte"));
            var labels = IdxFile.ReadLabels(Find(directory, $"{prefix}-labels-idx1-ubyte"));
            if (rows != Side || columns != Side || labels.Length != count)
                throw new InvalidDataException($"'{directory}' does not hold {Side}×{Side} Fashion-MNIST images with one label each.");
            var keep = Enumerable.Range(0, count).Where(i => labels[i] is TShirt or Shirt).ToArray();
            var images = tensor(pixels, new long[] { count, Side, Side }).index_select(0, tensor(keep.Select(i => (long)i).ToArray()));
            int side = Side / Block;
            var pooled = images.to_type(ScalarType.Float64).div_(255).view(keep.Length, side, Block, side, Block).mean(new long[] { 2, 4 }).view(keep.Length, side * side);
            var targets = tensor(keep.Select(i => labels[i] == Shirt ? 1.0 : -1.0).ToArray(), new long[] { keep.Length, 1 });
            return (pooled, targets);
        }

        private static string Find(string directory, string name)
        {
            foreach (var candidate in new[] { name, name + ".gz" })
            {
                string path = Path.Combine(directory, candidate);
                if (File.Exists(path)) return path;
            }
            throw new FileNotFoundException($"Fashion-MNIST file '{name}' (or '{name}.gz') is not in '{directory}'. Install it with `bash build/setup.sh --fashion-mnist`, or pass --data DIR.");
        }
    }
}
