using System;
using System.Diagnostics;
using System.Threading;
using static TorchSharp.torch;

namespace MLNetRiemannian.Interop
{
    /// <summary>
    /// libtorch's intra-op thread count is process-wide (<c>at::set_num_threads</c> sets a global that every thread's
    /// first parallel operation adopts, and MKL's count), and the thread count decides how a GEMM sums, so its last bits.
    /// A fit runs inside a scope that holds the count it asked for (<c>NumberOfThreads</c>, or the process's count when
    /// it asked for none): fits with the same count run concurrently; a fit with another count waits until they are done,
    /// so each fit is bit-identical to the same fit run alone. The last fit to leave restores the count found before
    /// the first one entered.
    /// </summary>
    internal sealed class TorchThreads : IDisposable
    {
        private static readonly object Gate = new();
        private static int _active;       // fits inside a scope
        private static int _current;      // their thread count
        private static int _beforeFirst;  // the process's count when the first of them entered

        private bool _disposed;

        /// <summary>The thread count this fit runs with.</summary>
        public int Count { get; }

        /// <summary>How long this fit waited for fits with another thread count (zero when it did not wait).</summary>
        public TimeSpan Waited { get; }

        private TorchThreads(int count, TimeSpan waited)
        {
            Count = count;
            Waited = waited;
        }

        /// <summary>
        /// Enters a scope with <paramref name="requested"/> threads (null: the process's count), waiting while fits with
        /// another count run; <paramref name="checkAlive"/> is called while waiting (it throws to abandon the wait).
        /// </summary>
        public static TorchThreads Enter(int? requested, Action checkAlive)
        {
            var clock = Stopwatch.StartNew();
            bool waited = false;
            int count;
            lock (Gate)
            {
                while (true)
                {
                    int processCount = _active == 0 ? get_num_threads() : _beforeFirst;
                    count = requested ?? processCount;
                    if (_active == 0 || _current == count) break;
                    waited = true;
                    Monitor.Wait(Gate, TimeSpan.FromMilliseconds(100));
                    checkAlive();
                }
                if (_active == 0)
                {
                    _beforeFirst = get_num_threads();
                    _current = count;
                }
                _active++;
            }
            // On this thread too: OpenMP keeps a per-thread count that the global does not overwrite once set.
            if (get_num_threads() != count) set_num_threads(count);
            return new TorchThreads(count, waited ? clock.Elapsed : TimeSpan.Zero);
        }

        /// <summary>Leaves the scope: restores the process's count on this fit's thread; the last fit out lets waiting fits in.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            lock (Gate)
            {
                // OpenMP keeps a count per thread, so every fit puts its own thread back, not only the last one out: a thread
                // that waits on tasks (Task.WaitAll) may have run one of the fits inline, and must not keep its count after.
                // The fits still running keep theirs: their threads' counts are already set.
                if (get_num_threads() != _beforeFirst) set_num_threads(_beforeFirst);
                if (--_active > 0) return;
                Monitor.PulseAll(Gate);
            }
        }
    }
}
