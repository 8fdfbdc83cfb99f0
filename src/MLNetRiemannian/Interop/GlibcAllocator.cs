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
    /// (docs/method.md section 9.4), so it no longer trims: the trim handed pages back that the next steps faulted in again.
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

        /// <summary>Returns the free memory of every malloc arena to the system (glibc's <c>malloc_trim(0)</c>); does nothing elsewhere.</summary>
        public static void ReleaseFreeMemory()
        {
            if (!Glibc.Value) return;
            malloc_trim(0);
        }

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
