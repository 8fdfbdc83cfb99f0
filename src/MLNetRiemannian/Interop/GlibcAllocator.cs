using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace MLNetRiemannian.Interop
{
    /// <summary>
    /// Optional glibc malloc tuning for training: mmap threshold 32 MB, no heap trimming, 256 MB top pad, so that a
    /// step's multi-megabyte tensors are reused from the heap instead of page-faulting fresh mmaps. A prototype
    /// measured 4x on a step; on this library's step it measured no gain (784-256-10, batch 128: 30 ms either way,
    /// because glibc's dynamic threshold already rises after the first frees) and it doubled peak memory (Fashion-MNIST
    /// fit: 2.25 GB against 1.05 GB; a bare step loop grew without bound), so it is OFF unless asked for.
    /// </summary>
    /// <remarks>
    /// Set the environment variable <c>MLNETRIEMANNIAN_MALLOPT=1</c> to apply it, once per process, on Linux with
    /// glibc only, when the first optimizer is created.
    /// </remarks>
    internal static class GlibcAllocator
    {
        private const int TrimThreshold = -1;  // M_TRIM_THRESHOLD
        private const int TopPad = -2;         // M_TOP_PAD
        private const int MmapThreshold = -3;  // M_MMAP_THRESHOLD
        private static int _configured;

        /// <summary>True once the settings were applied in this process.</summary>
        public static bool IsConfigured => Volatile.Read(ref _configured) == 2;

        /// <summary>Applies the settings the first time it is called; later calls do nothing.</summary>
        public static void Configure()
        {
            if (Interlocked.CompareExchange(ref _configured, 1, 0) != 0) return;
            if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MLNETRIEMANNIAN_MALLOPT") != "1" || !IsGlibc())
                return;
            // mallopt returns 1 on success; a refusal only costs speed, so it is not an error.
            bool applied = mallopt(MmapThreshold, 32 << 20) == 1;
            applied &= mallopt(TrimThreshold, int.MaxValue) == 1;
            applied &= mallopt(TopPad, 256 << 20) == 1;
            if (applied) Volatile.Write(ref _configured, 2);
        }

        private static bool IsGlibc()
        {
            try { return gnu_get_libc_version() != IntPtr.Zero; }
            catch (EntryPointNotFoundException) { return false; } // musl and others
            catch (DllNotFoundException) { return false; }
        }

        [DllImport("libc", EntryPoint = "mallopt")]
        private static extern int mallopt(int parameter, int value);

        [DllImport("libc", EntryPoint = "gnu_get_libc_version")]
        private static extern IntPtr gnu_get_libc_version();
    }
}
