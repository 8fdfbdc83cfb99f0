using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNetRiemannian.Data;
using static TorchSharp.torch;

namespace MLNetRiemannian.Tests.Data
{
    /// <summary>
    /// <see cref="InputScalingFit.Quartiles"/>: the ⌊p·(n − 1)⌉-th smallest value of each row for p = ¼, ½, ¾, against a full
    /// sort of the row (and torch's <c>kthvalue</c>, which the robust scaling used before), on rows of every length from 1
    /// to 40 and on long rows with many ties, in order and reversed.
    /// </summary>
    [TestClass]
    public sealed class QuartilesTests
    {
        [TestMethod]
        public void EachQuartileIsTheOrderStatisticOfASortedCopy()
        {
            var random = new Random(5);
            foreach (int n in Enumerable.Range(1, 40).Concat(new[] { 101, 1000, 5350 }))
            {
                int rows = 7;
                var values = new float[rows * n];
                for (int r = 0; r < rows; r++)
                    for (int j = 0; j < n; j++)
                        values[r * n + j] = r switch
                        {
                            0 => j,                                   // ascending
                            1 => n - j,                               // descending
                            2 => j % 3,                               // three values, many ties
                            3 => 5,                                   // constant
                            4 => random.Next(4) == 0 ? 1 : 0,         // a rare indicator
                            5 => (float)Math.Exp(4 * random.NextDouble()) * (random.Next(2) == 0 ? -1 : 1),
                            _ => (float)random.NextDouble(),
                        };
                using var scope = NewDisposeScope();
                var slots = tensor(values, new long[] { rows, n });
                var (lower, middle, upper) = InputScalingFit.Quartiles(slots, rows, n);
                for (int r = 0; r < rows; r++)
                {
                    var sorted = values.Skip(r * n).Take(n).OrderBy(v => v).ToArray();
                    foreach (var (p, got) in new[] { (0.25, lower[r]), (0.5, middle[r]), (0.75, upper[r]) })
                    {
                        int k = (int)Math.Round(p * (n - 1));
                        Assert.AreEqual(sorted[k], got, $"n {n}, row {r}, p {p}");
                        Assert.AreEqual(slots[r].kthvalue(k + 1, 0).values.item<float>(), got, $"n {n}, row {r}, p {p}: torch's kthvalue");
                    }
                }
            }
        }

        // The encoding's quantiles: T + 1 ranks for T = 1 to 7 bins, repeated ranks on short rows, against a full sort.
        [TestMethod]
        public void EachOrderStatisticIsThatPositionOfASortedCopy()
        {
            var random = new Random(6);
            foreach (int n in Enumerable.Range(1, 24).Concat(new[] { 257, 1024 }))
                foreach (int bins in Enumerable.Range(1, 7))
                {
                    int rows = 5;
                    var values = new float[rows * n];
                    for (int i = 0; i < values.Length; i++)
                        values[i] = (i / n) switch { 0 => i % n, 1 => i % 4, 2 => random.Next(5) == 0 ? 2 : -1, _ => (float)(random.NextDouble() * 200 - 100) };
                    var ranks = Enumerable.Range(0, bins + 1).Select(t => (int)Math.Round((double)t * (n - 1) / bins)).ToArray();
                    using var scope = NewDisposeScope();
                    var got = InputScalingFit.OrderStatistics(tensor(values, new long[] { rows, n }), rows, n, ranks);
                    var sorted = tensor(values, new long[] { rows, n }).sort(1).Values.data<float>().ToArray();
                    for (int r = 0; r < rows; r++)
                        for (int q = 0; q < ranks.Length; q++)
                        {
                            Assert.AreEqual(values.Skip(r * n).Take(n).OrderBy(v => v).ElementAt(ranks[q]), got[r * ranks.Length + q], $"n {n}, bins {bins}, row {r}, rank {ranks[q]}");
                            Assert.AreEqual(sorted[r * n + ranks[q]], got[r * ranks.Length + q], $"n {n}, bins {bins}, row {r}, rank {ranks[q]}: torch's sort");
                        }
                }
        }
    }
}
