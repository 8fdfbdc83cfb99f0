using System;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Reference
{
    /// <summary>The committed UCI optical digits (samples/data/digits.csv), with a fixed 25% hold-out.</summary>
    internal static class Digits
    {
        public static string Path => System.IO.Path.Combine(AppContext.BaseDirectory, "data", "digits.csv");

        /// <summary>Features scaled to [0, 1] and labels, split 75/25 by a fixed permutation.</summary>
        public static (Tensor TrainX, Tensor TrainY, Tensor TestX, Tensor TestY) Split()
        {
            var rows = File.ReadAllLines(Path).Select(l => l.Split(',').Select(float.Parse).ToArray()).ToArray();
            if (rows.Length != 1797) throw new InvalidDataException($"digits.csv must hold the 1797 UCI test-set rows; found {rows.Length}.");
            var x = tensor(rows.SelectMany(r => r.Take(64)).ToArray(), new long[] { rows.Length, 64 }) / 16;
            var y = tensor(rows.Select(r => (long)r[64]).ToArray(), new long[] { rows.Length });
            var order = randperm(rows.Length, generator: new Generator(2026));
            int test = rows.Length / 4;
            var testIndex = order.narrow(0, 0, test);
            var trainIndex = order.narrow(0, test, rows.Length - test);
            return (x.index_select(0, trainIndex), y.index_select(0, trainIndex), x.index_select(0, testIndex), y.index_select(0, testIndex));
        }
    }
}
