using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace MLNetRiemannian.Interop
{
    /// <summary>
    /// glibc malloc and training. libtorch's OpenMP threads allocate and the main thread frees, so a step's freed
    /// multi-megabyte blocks used to pile up in glibc's per-thread arenas instead of being reused: a bare step loop at
    /// batch 128 (784-256-10) held 4.4–4.9 GB after 160 steps, and the optimizer called <see cref="ReleaseFreeMemory"/>
    /// every 16 steps. The step now writes every parameter-sized tensor into buffers made once per fit
    /// (docs/method.md section 9.4), and a trim handed pages back that the next steps faulted in again (150–380 minor
    /// faults a step), so the optimizer trims only when the arenas hold more than <see cref="FreeBytesWorthReleasing"/>
    /// free (<see cref="ReleaseFreeMemoryIfLarge"/>): never with the adaptive mass's step between refreshes, which frees
    /// little, but still with the fixed mass's whole-batch inner systems (640 rows, megabytes each), which piled up by
    /// 170 MB in 160 steps without it.
    /// </summary>
    /// <remarks>
    /// <see cref="Configure"/> is an opt-in (<c>MLNETRIEMANNIAN_MALLOPT=1</c>) tuning a prototype found 4x faster: mmap
    /// threshold 32 MB, no heap trimming, 256 MB top pad. On this library's step it gave no gain (784-256-10, batch
    /// 128: about 30 ms either way, since glibc's dynamic mmap threshold already rises after the first frees) and it
    /// doubled peak memory (a Fashion-MNIST fit: 2.25 GB against 1.05 GB), so it is off by default.
    /// </remarks>
    internal static class GlibcAllocator
    {
        private const int TrimThreshold = -1;  // M_TRIM_THRESHOLD
        private const int TopPad = -2;         // M_TOP_PAD
        private const int MmapThreshold = -3;  // M_MMAP_THRESHOLD
        private static int _configured;

        /// <summary>Applies the settings the first time it is called; later calls do nothing.</summary>
        public static void Configure()
        {
            if (Interlocked.CompareExchange(ref _configured, 1, 0) != 0) return;
            if (Environment.GetEnvironmentVariable("MLNETRIEMANNIAN_MALLOPT") != "1" || !Glibc.Value)
                return;
            // mallopt returns 0 when it refuses a setting; that only costs speed, so it is not an error.
            mallopt(MmapThreshold, 32 << 20);
            mallopt(TrimThreshold, int.MaxValue);
            mallopt(TopPad, 256 << 20);
        }

        /// <summary>
        /// Returns the free memory of every malloc arena to the system (glibc's <c>malloc_trim(0)</c>); does nothing
        /// elsewhere, or when the process's environment has <c>MLNETRIEMANNIAN_MALLOC_TRIM=0</c> (an app that manages
        /// its own allocator opts out).
        /// </summary>
        public static void ReleaseFreeMemory()
        {
            if (!Glibc.Value || !Trim.Value) return;
            malloc_trim(0);
        }

        private static readonly Lazy<bool> Trim = new(() => Environment.GetEnvironmentVariable("MLNETRIEMANNIAN_MALLOC_TRIM") != "0");

        /// <summary>Free bytes in the arenas above which <see cref="ReleaseFreeMemoryIfLarge"/> trims: 32 MB.</summary>
        public const long FreeBytesWorthReleasing = 32L << 20;

        /// <summary>
        /// <see cref="ReleaseFreeMemory"/> when the arenas hold more than <see cref="FreeBytesWorthReleasing"/> free bytes
        /// (glibc's <c>mallinfo2().fordblks</c>, summed over every arena); always where <c>mallinfo2</c> is missing (glibc
        /// before 2.33); never with <c>MLNETRIEMANNIAN_MALLOC_TRIM=0</c>. Returns whether it trimmed.
        /// </summary>
        public static bool ReleaseFreeMemoryIfLarge()
        {
            if (!Glibc.Value || !Trim.Value) return false;
            try
            {
                if ((long)mallinfo2().fordblks <= FreeBytesWorthReleasing) return false;
            }
            catch (EntryPointNotFoundException) { }
            malloc_trim(0);
            return true;
        }

        /// <summary>
        /// glibc's bytes in use over every arena plus its mmapped chunks (<c>mallinfo2().uordblks + hblkhd</c>), where
        /// libtorch's tensors live; 0 where glibc or <c>mallinfo2</c> (glibc 2.33) is missing. For measuring, not deciding.
        /// </summary>
        public static long InUseBytes()
        {
            if (!Glibc.Value) return 0;
            try
            {
                var info = mallinfo2();
                return (long)(info.uordblks + info.hblkhd);
            }
            catch (EntryPointNotFoundException) { return 0; }
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct MallInfo2
        {
            public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
        }

        [DllImport("libc", EntryPoint = "mallinfo2")]
        private static extern MallInfo2 mallinfo2();

        private static readonly Lazy<bool> Glibc = new(() => OperatingSystem.IsLinux() && IsGlibc());

        private static bool IsGlibc()
        {
            try { return gnu_get_libc_version() != IntPtr.Zero; }
            catch (EntryPointNotFoundException) { return false; } // musl and others
            catch (DllNotFoundException) { return false; }
        }

        [DllImport("libc", EntryPoint = "mallopt")]
        private static extern int mallopt(int parameter, int value);

        [DllImport("libc", EntryPoint = "malloc_trim")]
        private static extern int malloc_trim(nuint pad);

        [DllImport("libc", EntryPoint = "gnu_get_libc_version")]
        private static extern IntPtr gnu_get_libc_version();
    }
}
