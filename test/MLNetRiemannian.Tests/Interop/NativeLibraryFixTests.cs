using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using MLNetRiemannian.Build;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;

namespace MLNetRiemannian.Tests.Interop
{
    /// <summary>
    /// The libstdc++ fix for libLibTorchSharp.so (build/ElfSymbolVersionPatcher.cs, build/MLNetRiemannian.Native.targets).
    /// Patched bytes are checked against the ELF spec directly, not against the patcher: a Vernaux entry starts with
    /// vna_hash, the System V ELF hash of the version's name, and its 2-byte vna_flags follow at +4.
    /// </summary>
    [TestClass]
    public sealed class NativeLibraryFixTests
    {
        private const string Version = "GLIBCXX_3.4.32";
        private const string Library = "libLibTorchSharp.so";

        private readonly List<string> _temporaryDirectories = [];

        [TestCleanup]
        public void DeleteTemporaryDirectories()
        {
            foreach (string directory in _temporaryDirectories)
                Directory.Delete(directory, recursive: true);
        }

        [TestMethod]
        [OSCondition(OperatingSystems.Linux)]
        public void BuildOutputLibraryLoadsAndCarriesTheWeakRequirementWhereLibStdCxxLacksIt()
        {
            using (torch.NewDisposeScope())
                Assert.AreEqual(6.0f, torch.full(3, 2.0f).sum().item<float>());

            // The files this process really mapped, not the ones we expect it to have.
            string loaded = MappedFile(Library);
            string libStdCxx = MappedFile("libstdc++.so.6");
            Assert.StartsWith(AppContext.BaseDirectory, loaded, "torch must load the build-output copy");
            Assert.IsTrue(ElfSymbolVersionPatcher.DefinesVersion(libStdCxx, "GLIBCXX_3.4"), $"every libstdc++ since GCC 3.4 defines GLIBCXX_3.4, so {libStdCxx} must");
            byte[] pristine = File.ReadAllBytes(PristineLibrary());
            byte[] output = File.ReadAllBytes(loaded);
            if (ElfSymbolVersionPatcher.DefinesVersion(libStdCxx, Version))
                CollectionAssert.AreEqual(pristine, output, $"{libStdCxx} defines {Version}, so the copy must be untouched");
            else
                AssertOnlyTheWeakFlagWasSet(pristine, output);
        }

        [TestMethod]
        public void PatchingAPristineCopySetsExactlyOneFlagAndIsIdempotent()
        {
            string directory = TemporaryDirectory();
            string copy = Path.Combine(directory, Library);
            File.Copy(PristineLibrary(), copy);
            byte[] pristine = File.ReadAllBytes(copy);

            Assert.IsTrue(ElfSymbolVersionPatcher.MarkRequirementWeak(copy, Version));
            byte[] once = File.ReadAllBytes(copy);
            AssertOnlyTheWeakFlagWasSet(pristine, once);

            Assert.IsFalse(ElfSymbolVersionPatcher.MarkRequirementWeak(copy, Version));
            CollectionAssert.AreEqual(once, File.ReadAllBytes(copy));
            Assert.IsFalse(ElfSymbolVersionPatcher.MarkRequirementWeak(copy, "GLIBCXX_99.0"), "a version it does not require");
            CollectionAssert.AreEqual(once, File.ReadAllBytes(copy));
            Assert.AreEqual(1, Directory.GetFiles(directory).Length, "no temporary file may be left behind");
        }

        [TestMethod]
        [OSCondition(OperatingSystems.Linux)]
        [SupportedOSPlatform("linux")]
        public void PatchingReplacesTheFileSoAHardLinkKeepsTheOriginalBytes()
        {
            // The SDK may hard-link output files into the NuGet cache; writing through such a link would patch the cache.
            string directory = TemporaryDirectory();
            string copy = Path.Combine(directory, Library);
            string link = Path.Combine(directory, "cache-" + Library);
            File.Copy(PristineLibrary(), copy);
            Assert.AreEqual(0, CreateHardLink(copy, link), $"link() failed with errno {Marshal.GetLastPInvokeError()}");
            byte[] pristine = File.ReadAllBytes(link);

            Assert.IsTrue(ElfSymbolVersionPatcher.MarkRequirementWeak(copy, Version));

            CollectionAssert.AreEqual(pristine, File.ReadAllBytes(link));
            AssertOnlyTheWeakFlagWasSet(pristine, File.ReadAllBytes(copy));
            Assert.AreEqual(File.GetUnixFileMode(link), File.GetUnixFileMode(copy));
            Assert.AreEqual(File.GetLastWriteTimeUtc(link), File.GetLastWriteTimeUtc(copy));
        }

        [TestMethod]
        public void DefinesVersionReadsTheVersionDefinitionsNotTheBaseEntry()
        {
            string directory = TemporaryDirectory();
            string withVersion = Write(Path.Combine(directory, "new-libstdc++.so.6"), FakeLibStdCxx("GLIBCXX_3.4.30", Version));
            string withoutVersion = Write(Path.Combine(directory, "old-libstdc++.so.6"), FakeLibStdCxx("GLIBCXX_3.4.30", "GLIBCXX_3.4.31"));

            Assert.IsTrue(ElfSymbolVersionPatcher.DefinesVersion(withVersion, Version));
            Assert.IsTrue(ElfSymbolVersionPatcher.DefinesVersion(withoutVersion, "GLIBCXX_3.4.31"));
            Assert.IsFalse(ElfSymbolVersionPatcher.DefinesVersion(withoutVersion, Version));
            Assert.IsFalse(ElfSymbolVersionPatcher.DefinesVersion(withVersion, "libstdc++.so.6"), "the base entry names the file, not a version");
        }

        [TestMethod]
        [OSCondition(OperatingSystems.Linux)]
        [DataRow(true, DisplayName = "libstdc++ defines the version: library left byte-identical")]
        [DataRow(false, DisplayName = "libstdc++ lacks the version: requirement marked weak")]
        public void BuildTargetPatchesOnlyWhenLibStdCxxLacksTheVersion(bool libStdCxxDefinesVersion)
        {
            // The real targets file, run by MSBuild against a stand-in for the SDK's copy step.
            string directory = TemporaryDirectory();
            string output = Directory.CreateDirectory(Path.Combine(directory, "bin", "runtimes", "linux-x64", "native")).FullName;
            string library = Path.Combine(output, Library);
            File.Copy(PristineLibrary(), library);
            string libStdCxx = Write(Path.Combine(directory, "libstdc++.so.6"),
                libStdCxxDefinesVersion ? FakeLibStdCxx("GLIBCXX_3.4.30", Version) : FakeLibStdCxx("GLIBCXX_3.4.30"));
            string project = Path.Combine(directory, "consumer.proj");
            File.WriteAllText(project, $"""
                <Project>
                  <Import Project="{Path.Combine(RepositoryRoot(), "build", "MLNetRiemannian.Native.targets")}" />
                  <Target Name="CopyFilesToOutputDirectory" />
                </Project>
                """);
            byte[] pristine = File.ReadAllBytes(library);

            (int exitCode, string log) = RunMSBuild(project, "-t:CopyFilesToOutputDirectory", $"-p:OutDir={directory}/bin/", $"-p:MLNetRiemannianLibStdCxxPath={libStdCxx}");

            Assert.AreEqual(0, exitCode, log);
            string message = $"marked the {Version} requirement of {library} weak";
            if (libStdCxxDefinesVersion)
            {
                CollectionAssert.AreEqual(pristine, File.ReadAllBytes(library));
                Assert.DoesNotContain(message, log);
            }
            else
            {
                AssertOnlyTheWeakFlagWasSet(pristine, File.ReadAllBytes(library));
                Assert.Contains(message, log);
            }
        }

        [TestMethod]
        public void ANonElfFileIsRejectedWithAMessageNamingIt()
        {
            string text = Write(Path.Combine(TemporaryDirectory(), "libstdc++.so.6"), Encoding.ASCII.GetBytes("/* GNU ld script */\nINPUT(libstdc++.so.6.0.30)\n"));
            byte[] before = File.ReadAllBytes(text);

            InvalidDataException check = Assert.ThrowsExactly<InvalidDataException>(() => ElfSymbolVersionPatcher.DefinesVersion(text, Version));
            InvalidDataException patch = Assert.ThrowsExactly<InvalidDataException>(() => ElfSymbolVersionPatcher.MarkRequirementWeak(text, Version));

            Assert.AreEqual($"'{text}' is not an ELF file: it does not start with 7F 45 4C 46 (\"\\x7FELF\").", check.Message);
            Assert.AreEqual(check.Message, patch.Message);
            CollectionAssert.AreEqual(before, File.ReadAllBytes(text));
        }

        [TestMethod]
        public void ATruncatedElfFileIsRejectedAsCorrupt()
        {
            byte[] complete = FakeLibStdCxx(Version);
            // Cut the last section header: its sh_offset and sh_size now lie past the end of the file.
            string truncated = Write(Path.Combine(TemporaryDirectory(), "libstdc++.so.6"), complete[..(complete.Length - 64)]);

            InvalidDataException error = Assert.ThrowsExactly<InvalidDataException>(() => ElfSymbolVersionPatcher.DefinesVersion(truncated, Version));

            Assert.StartsWith($"'{truncated}' is a truncated or corrupt ELF file:", error.Message);
        }

        /// <summary>Exactly the vna_flags of the GLIBCXX_3.4.32 Vernaux went from 0 to VER_FLG_WEAK (2); nothing else moved.</summary>
        private static void AssertOnlyTheWeakFlagWasSet(byte[] pristine, byte[] patched)
        {
            Assert.HasCount(pristine.Length, patched);
            int[] changed = Enumerable.Range(0, pristine.Length).Where(i => pristine[i] != patched[i]).ToArray();
            Assert.HasCount(1, changed, "0x0000 -> 0x0002 changes only the low byte of the little-endian field");
            int flags = changed[0];
            Assert.AreEqual(ElfHash(Version), BinaryPrimitives.ReadUInt32LittleEndian(pristine.AsSpan(flags - 4)), "vna_hash sits 4 bytes before vna_flags");
            Assert.AreEqual((ushort)0, BinaryPrimitives.ReadUInt16LittleEndian(pristine.AsSpan(flags)));
            Assert.AreEqual((ushort)2, BinaryPrimitives.ReadUInt16LittleEndian(patched.AsSpan(flags)));
        }

        /// <summary>The System V ABI's ELF hash (gABI, "Hash Table"), which Vernaux and Verdef entries carry.</summary>
        private static uint ElfHash(string name)
        {
            uint hash = 0;
            foreach (char c in name)
            {
                hash = (hash << 4) + c;
                uint high = hash & 0xf0000000;
                hash ^= high >> 24;
                hash &= ~high;
            }
            return hash;
        }

        /// <summary>
        /// The smallest ELF64 little-endian file with version definitions: header, .dynstr, .gnu.version_d (the base
        /// entry naming the file, then one Verdef with one Verdaux per version) and three section headers.
        /// </summary>
        private static byte[] FakeLibStdCxx(params string[] versions)
        {
            var names = new MemoryStream();
            names.WriteByte(0);
            var definitions = new BinaryWriter(new MemoryStream());
            string[] entries = ["libstdc++.so.6", .. versions];
            for (int i = 0; i < entries.Length; i++)
            {
                uint name = (uint)names.Length;
                names.Write(Encoding.ASCII.GetBytes(entries[i] + "\0"));
                definitions.Write((ushort)1); // vd_version
                definitions.Write((ushort)(i == 0 ? 1 : 0)); // vd_flags: VER_FLG_BASE on the file's own entry
                definitions.Write((ushort)(i + 1)); // vd_ndx
                definitions.Write((ushort)1); // vd_cnt
                definitions.Write(ElfHash(entries[i])); // vd_hash
                definitions.Write(20u); // vd_aux: the Verdaux follows the 20-byte Verdef
                definitions.Write(i == entries.Length - 1 ? 0u : 28u); // vd_next
                definitions.Write(name); // vda_name
                definitions.Write(0u); // vda_next
            }
            byte[] strings = names.ToArray();
            byte[] verdef = ((MemoryStream)definitions.BaseStream).ToArray();
            long sectionHeaders = 64 + strings.Length + verdef.Length;

            var elf = new BinaryWriter(new MemoryStream());
            elf.Write([0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // ELF64, little-endian
            elf.Write((ushort)3); // e_type: ET_DYN
            elf.Write((ushort)62); // e_machine: x86-64
            elf.Write(1u); // e_version
            elf.Write(0ul); // e_entry
            elf.Write(0ul); // e_phoff
            elf.Write(sectionHeaders); // e_shoff
            elf.Write(0u); // e_flags
            elf.Write((ushort)64); // e_ehsize
            elf.Write((ushort)56); // e_phentsize
            elf.Write((ushort)0); // e_phnum
            elf.Write((ushort)64); // e_shentsize
            elf.Write((ushort)3); // e_shnum
            elf.Write((ushort)0); // e_shstrndx: no section names needed
            elf.Write(strings);
            elf.Write(verdef);
            WriteSectionHeader(elf, 0, 0, 0, 0, 0);
            WriteSectionHeader(elf, 3, 64, strings.Length, 0, 0); // .dynstr: SHT_STRTAB
            WriteSectionHeader(elf, 0x6ffffffd, 64 + strings.Length, verdef.Length, 1, (uint)entries.Length); // .gnu.version_d
            return ((MemoryStream)elf.BaseStream).ToArray();
        }

        private static void WriteSectionHeader(BinaryWriter elf, uint type, long offset, long size, uint link, uint info)
        {
            elf.Write(0u); // sh_name
            elf.Write(type);
            elf.Write(0ul); // sh_flags
            elf.Write(0ul); // sh_addr
            elf.Write(offset);
            elf.Write(size);
            elf.Write(link);
            elf.Write(info);
            elf.Write(8ul); // sh_addralign
            elf.Write(0ul); // sh_entsize
        }

        /// <summary>The package's own copy, which no build may modify: under NUGET_PACKAGES or ~/.nuget/packages.</summary>
        private static string PristineLibrary()
        {
            string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            string version = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
            string path = Path.Combine(packages, "torchsharp", version.ToLowerInvariant(), "runtimes", "linux-x64", "native", Library);
            Assert.IsTrue(File.Exists(path), $"TorchSharp {version}'s {Library} is not in the NuGet cache at {path}");
            return path;
        }

        /// <summary>
        /// The path of the first file mapped into this process whose name is <paramref name="soname"/>, or its
        /// symlink target (libstdc++.so.6 maps as libstdc++.so.6.0.30).
        /// </summary>
        private static string MappedFile(string soname)
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                // address perms offset dev inode path
                string[] fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                string name = fields.Length == 6 ? Path.GetFileName(fields[5]) : "";
                if (name == soname || name.StartsWith(soname + ".", StringComparison.Ordinal))
                    return fields[5];
            }
            throw new AssertFailedException($"{soname} is not mapped into the test process.");
        }

        private static (int ExitCode, string Log) RunMSBuild(string project, params string[] arguments)
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (string argument in new[] { "msbuild", project, "-nologo", "-nodeReuse:false", "-verbosity:normal" }.Concat(arguments))
                start.ArgumentList.Add(argument);
            using Process process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            string log = process.StandardOutput.ReadToEnd();
            Assert.IsTrue(process.WaitForExit(TimeSpan.FromMinutes(5)), "MSBuild did not finish within 5 minutes");
            return (process.ExitCode, log + error.Result);
        }

        private static string RepositoryRoot()
        {
            for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory != null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "build", "MLNetRiemannian.Native.targets")))
                    return directory.FullName;
            }
            throw new AssertFailedException($"No build/MLNetRiemannian.Native.targets above {AppContext.BaseDirectory}.");
        }

        private string TemporaryDirectory()
        {
            string directory = Directory.CreateTempSubdirectory("mlnetriemannian-elf-").FullName;
            _temporaryDirectories.Add(directory);
            return directory;
        }

        private static string Write(string path, byte[] bytes)
        {
            File.WriteAllBytes(path, bytes);
            return path;
        }

        [DllImport("libc", EntryPoint = "link", SetLastError = true)]
        private static extern int CreateHardLink([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string link);
    }
}
