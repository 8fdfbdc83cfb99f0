using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace MLNetRiemannian.Interop
{
    /// <summary>
    /// Tunes glibc's malloc for training. By default glibc hands every allocation above its dynamic mmap threshold
    /// to a fresh <c>mmap</c> and returns it on free, so each step's multi-megabyte tensors page-fault anew
    /// (measured: about 4x on a training step). Raising the mmap threshold to its 64-bit maximum and never trimming
    /// the heap lets those blocks be reused.
    /// </summary>
    /// <remarks>
    /// Applied once per process, on Linux with glibc only, when the first optimizer is created. Set the environment
    /// variable <c>MLNETRIEMANNIAN_MALLOPT=0</c> to leave the allocator alone.
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
            if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MLNETRIEMANNIAN_MALLOPT") == "0" || !IsGlibc())
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
