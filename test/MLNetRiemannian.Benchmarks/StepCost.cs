using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetRiemannian.Benchmarks
{
    /// <summary>
    /// Counters for the step's cost model, read before and after a part of a step: wall-clock time, tensors created
    /// (TorchSharp's per-thread count of tensors made in a dispose scope), new parameter-sized buffers among them (a tensor
    /// of at least <see cref="ParameterSized"/> elements whose memory overlaps no buffer seen before: views do not count),
    /// native bytes held (glibc's <c>mallinfo2</c>: in-use bytes of every arena plus mmapped chunks; the step's tensors
    /// live until its scope ends, so the growth within a part is what it allocated), managed bytes allocated on this
    /// thread, and minor page faults (<c>getrusage</c>: memory touched for the first time since the system gave it).
    /// Counts do not depend on the machine's load; times do.
    /// </summary>
    internal sealed class StepCost
    {
        private readonly List<(nint Start, nint End)> _known = new();
        private Snapshot _last;

        /// <param name="parameterSized">The element count from which a tensor counts as parameter-sized.</param>
        /// <param name="known">Buffers that exist before the measured code (parameters, optimizer state): not new.</param>
        public StepCost(long parameterSized, IEnumerable<Tensor> known)
        {
            ParameterSized = parameterSized;
            foreach (var t in known) Remember(t);
            _last = Take();
        }

        public long ParameterSized { get; }

        /// <summary>One reading of every counter.</summary>
        public readonly record struct Snapshot(long Ticks, long Tensors, long NativeBytes, long ManagedBytes, long MinorFaults);

        /// <summary>The counters' change since the last call (or construction), and the parameter-sized buffers <paramref name="scope"/> gained since.</summary>
        public Delta Mark(DisposeScope? scope)
        {
            var now = Take();
            int buffers = 0;
            if (scope is not null)
                foreach (var d in scope.DisposablesView)
                    if (d is Tensor { IsInvalid: false } t && t.numel() >= ParameterSized && t.is_contiguous() && t.device_type == DeviceType.CPU && Remember(t)) buffers++;
            var delta = new Delta(Stopwatch.GetElapsedTime(_last.Ticks, now.Ticks).TotalMilliseconds, now.Tensors - _last.Tensors, buffers,
                now.NativeBytes - _last.NativeBytes, now.ManagedBytes - _last.ManagedBytes, now.MinorFaults - _last.MinorFaults);
            _last = Take();
            return delta;
        }

        /// <summary>Restarts the clock and counters without recording (the time between marks that belongs to no part).</summary>
        public void Skip() => _last = Take();

        /// <summary>Forgets buffers seen in a scope that has ended (their memory may be handed out again).</summary>
        public void ForgetAfter(int count) => _known.RemoveRange(count, _known.Count - count);

        public int KnownCount => _known.Count;

        /// <summary>What a part cost.</summary>
        public readonly record struct Delta(double Milliseconds, long Tensors, int ParameterSizedBuffers, long NativeBytes, long ManagedBytes, long MinorFaults)
        {
            public static Delta operator +(Delta a, Delta b) => new(a.Milliseconds + b.Milliseconds, a.Tensors + b.Tensors, a.ParameterSizedBuffers + b.ParameterSizedBuffers,
                a.NativeBytes + b.NativeBytes, a.ManagedBytes + b.ManagedBytes, a.MinorFaults + b.MinorFaults);
        }

        private bool Remember(Tensor t)
        {
            var bytes = t.bytes;
            nint start = (nint)Unsafe.ByteOffset(ref Unsafe.NullRef<byte>(), ref MemoryMarshal.GetReference(bytes));
            nint end = start + bytes.Length;
            foreach (var (s, e) in _known)
                if (start < e && s < end) return false;
            _known.Add((start, end));
            return true;
        }

        private static Snapshot Take() =>
            new(Stopwatch.GetTimestamp(), DisposeScopeManager.Statistics.CreatedInScopeCount, NativeLiveBytes(), GC.GetAllocatedBytesForCurrentThread(), Usage().MinorFaults);

        /// <summary>glibc's in-use bytes over every arena plus mmapped chunks (<c>uordblks + hblkhd</c>); 0 elsewhere.</summary>
        public static long NativeLiveBytes() => MLNetRiemannian.Interop.GlibcAllocator.InUseBytes();

        /// <summary>Minor page faults so far and the peak resident set in bytes (<c>getrusage(RUSAGE_SELF)</c>).</summary>
        public static (long MinorFaults, long PeakResidentBytes) Usage()
        {
            if (!OperatingSystem.IsLinux()) return (0, 0);
            var usage = new long[18]; // struct rusage on 64-bit Linux: two timevals (4 longs), then 14 longs
            getrusage(0, usage);
            return (usage[8], usage[4] * 1024);
        }


        [DllImport("libc")]
        private static extern int getrusage(int who, [Out] long[] usage);
    }
}
