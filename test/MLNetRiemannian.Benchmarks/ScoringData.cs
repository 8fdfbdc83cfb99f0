using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using MLNetRiemannian.Samples;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// The scoring benchmark's data, read as the samples read it (columns Pixels and Label): the committed UCI digits
    /// with 25% held out (seed 1, as samples/TrainDigits splits them) and Fashion-MNIST's 60,000 training and 10,000
    /// test images.
    /// </summary>
    internal sealed class ScoringData
    {
        public const string Digits = "digits";
        public const string FashionMnistName = "fashion-mnist";

        private readonly Func<ITransformer, IRowPredictor> _createPredictor;

        private ScoringData(string name, IDataView test, Func<ITransformer, IRowPredictor> createPredictor)
        {
            Name = name;
            Test = test;
            _createPredictor = createPredictor;
        }

        /// <summary>"digits" or "fashion-mnist".</summary>
        public string Name { get; }

        /// <summary>The held-out rows, as the model's input schema (Pixels, Label).</summary>
        public IDataView Test { get; }

        /// <summary>A PredictionEngine over <paramref name="model"/> with the test rows as ready-made input objects.</summary>
        public IRowPredictor CreatePredictor(ITransformer model) => _createPredictor(model);

        /// <summary>Training and test views, for a training process.</summary>
        public static (IDataView Train, IDataView Test) LoadForTraining(MLContext mlContext, string name, string fashionDirectory) => name switch
        {
            Digits => DigitsSplit(mlContext),
            FashionMnistName => FashionMnist.Load(mlContext, fashionDirectory),
            _ => throw new ArgumentException($"Unknown data set '{name}'; expected '{Digits}' or '{FashionMnistName}'.", nameof(name)),
        };

        /// <summary>
        /// The test rows only, for a scoring process: Fashion-MNIST's are read without its training images, which
        /// <see cref="FashionMnist.Load"/> would read too (47 MB that a scoring app does not hold).
        /// </summary>
        public static ScoringData LoadTestSet(MLContext mlContext, string name, string fashionDirectory) => name switch
        {
            Digits => Create<ModelInput>(mlContext, name, DigitsSplit(mlContext).Test),
            FashionMnistName => Create<FashionMnistImage>(mlContext, name, FashionMnistTest(mlContext, fashionDirectory)),
            _ => throw new ArgumentException($"Unknown data set '{name}'; expected '{Digits}' or '{FashionMnistName}'.", nameof(name)),
        };

        /// <summary>Throws <see cref="FileNotFoundException"/>, saying how to install them, unless the Fashion-MNIST files are there.</summary>
        public static void CheckFashionMnist(string directory)
        {
            foreach (var name in new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
                Existing(directory, name);
        }

        private static ScoringData Create<TInput>(MLContext mlContext, string name, IDataView test) where TInput : class, new()
        {
            // One array of input objects per data set, shared by the four models' engines (each engine is used by one thread).
            var rows = new Lazy<TInput[]>(() => mlContext.Data.CreateEnumerable<TInput>(test, reuseRowObject: false).ToArray());
            return new ScoringData(name, test,
                model => new RowPredictor<TInput>(mlContext.Model.CreatePredictionEngine<TInput, ModelOutput>(model), rows.Value));
        }

        private static (IDataView Train, IDataView Test) DigitsSplit(MLContext mlContext)
        {
            var all = mlContext.Data.LoadFromTextFile<ModelInput>(SamplePath("digits.csv"), separatorChar: ',', hasHeader: false);
            var split = mlContext.Data.TrainTestSplit(all, testFraction: 0.25, seed: 1);
            return (split.TrainSet, split.TestSet);
        }

        /// <summary>The committed file samples/data/<paramref name="name"/>, found from the build output upwards, so no copy of it is kept in this project.</summary>
        public static string SamplePath(string name)
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                string candidate = Path.Combine(directory.FullName, "samples", "data", name);
                if (File.Exists(candidate)) return candidate;
            }
            throw new FileNotFoundException($"samples/data/{name} is in no folder above '{AppContext.BaseDirectory}': run the benchmark from the repository's build output.");
        }

        private static IDataView FashionMnistTest(MLContext mlContext, string directory)
        {
            string imagesPath = Existing(directory, "t10k-images-idx3-ubyte");
            var (count, rows, columns, pixels) = IdxFile.ReadImages(imagesPath);
            byte[] labels = IdxFile.ReadLabels(Existing(directory, "t10k-labels-idx1-ubyte"));
            if (rows * columns != FashionMnist.PixelCount || labels.Length != count)
                throw new InvalidDataException($"'{imagesPath}' holds {count} images of {rows}x{columns} and its label file {labels.Length} labels; Fashion-MNIST's test set is 10,000 labelled 28x28 images.");
            return mlContext.Data.LoadFromEnumerable(FashionMnistRows(pixels, labels));
        }

        // Rows are made on each pass from the bytes, as FashionMnist does, so only 7.8 MB stay in memory.
        private static IEnumerable<FashionMnistImage> FashionMnistRows(byte[] pixels, byte[] labels)
        {
            for (int i = 0; i < labels.Length; i++)
            {
                var image = new FashionMnistImage { Label = FashionMnist.ClassNames[labels[i]] };
                for (int j = 0; j < FashionMnist.PixelCount; j++)
                    image.Pixels[j] = pixels[i * FashionMnist.PixelCount + j];
                yield return image;
            }
        }

        private static string Existing(string directory, string name)
        {
            foreach (var candidate in new[] { Path.Combine(directory, name), Path.Combine(directory, name + ".gz") })
                if (File.Exists(candidate)) return candidate;
            throw new FileNotFoundException(
                $"Fashion-MNIST: neither '{name}' nor '{name}.gz' is in '{directory}'. Install it with `bash build/setup.sh --fashion-mnist`, " +
                "pass --data-dir DIR, or run `scoring --quick` (digits only).", Path.Combine(directory, name));
        }
    }

    /// <summary>One <c>PredictionEngine.Predict</c> call per row of the test set.</summary>
    internal interface IRowPredictor : IDisposable
    {
        /// <summary>Number of test rows.</summary>
        int RowCount { get; }

        /// <summary>Predicts test row <paramref name="row"/> and returns its predicted label.</summary>
        string Predict(int row);
    }

    internal sealed class RowPredictor<TInput> : IRowPredictor where TInput : class
    {
        private readonly PredictionEngine<TInput, ModelOutput> _engine;
        private readonly TInput[] _rows;

        public RowPredictor(PredictionEngine<TInput, ModelOutput> engine, TInput[] rows)
        {
            _engine = engine;
            _rows = rows;
        }

        public int RowCount => _rows.Length;

        // Predict(input), the call Model Builder's consumption code makes: a new ModelOutput per call.
        public string Predict(int row) => _engine.Predict(_rows[row]).PredictedLabel;

        public void Dispose() => _engine.Dispose();
    }
}
