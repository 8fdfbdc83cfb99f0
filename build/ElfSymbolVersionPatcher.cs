// Why this file exists: TorchSharp 0.107.0's libLibTorchSharp.so requires libstdc++'s GLIBCXX_3.4.32 (GCC 13) for
// one symbol, std::ios_base_library_init, that it references but never calls. glibc refuses to load a library
// with an unmet version requirement unless the requirement is marked weak (VER_FLG_WEAK), so on machines whose
// libstdc++ is older (Debian 12: GCC 12, up to GLIBCXX_3.4.30) we set that one bit in the copy in the build output.
//
// One source, two compilations: MSBuild's RoslynCodeTaskFactory builds it (with the task class) against
// netstandard2.0, and the tests link it with MLNETRIEMANNIAN_NO_MSBUILD_TASK defined. Hence no dependencies and no
// API newer than netstandard2.0. Layouts follow the ELF-64 object file format and the LSB's symbol-versioning
// chapter (Elf64_Ehdr, Elf64_Shdr, Elf64_Verdef/Verdaux, Elf64_Verneed/Vernaux).
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
#if !MLNETRIEMANNIAN_NO_MSBUILD_TASK
using Microsoft.Build.Framework;
#endif

namespace MLNetRiemannian.Build
{
    /// <summary>
    /// Reads the symbol versions an ELF64 little-endian file defines and marks a version it requires weak.
    /// </summary>
    internal static class ElfSymbolVersionPatcher
    {
        /// <summary>VER_FLG_WEAK in <c>vna_flags</c>: the loader tolerates the version being absent.</summary>
        public const ushort WeakFlag = 0x2;

        private const uint StringTableType = 3; // SHT_STRTAB
        private const uint VersionDefinitionsType = 0x6ffffffd; // SHT_GNU_verdef, .gnu.version_d
        private const uint VersionRequirementsType = 0x6ffffffe; // SHT_GNU_verneed, .gnu.version_r
        private const ushort BaseVersionFlag = 0x1; // VER_FLG_BASE: the entry names the file, not a version

        /// <summary>
        /// Whether the shared library at <paramref name="libraryPath"/> (e.g. a libstdc++.so.6) defines the symbol
        /// version <paramref name="versionName"/> (e.g. <c>GLIBCXX_3.4.32</c>) in its <c>.gnu.version_d</c> section.
        /// </summary>
        /// <exception cref="InvalidDataException">The file is not an ELF file, or is truncated or corrupt.</exception>
        /// <exception cref="NotSupportedException">The file is ELF, but not 64-bit little-endian.</exception>
        public static bool DefinesVersion(string libraryPath, string versionName)
        {
            var elf = new ElfFile(libraryPath);
            foreach (Section definitions in elf.Sections(VersionDefinitionsType))
            {
                Section names = elf.StringTable(definitions.Link);
                // Elf64_Verdef (20 bytes): vd_flags @2, vd_cnt @6, vd_aux @12, vd_next @16. Its first Verdaux
                // (vda_name @0) names the version itself; any further ones name its parents.
                foreach (long definition in elf.Chain(definitions, definitions.Offset, 20, 16))
                {
                    if ((elf.UInt16(definition + 2) & BaseVersionFlag) != 0 || elf.UInt16(definition + 6) == 0)
                        continue;
                    long firstName = elf.Entry(definitions, definition + elf.UInt32(definition + 12), 8);
                    if (elf.String(names, elf.UInt32(firstName)) == versionName)
                        return true;
                }
            }
            return false;
        }

        /// <summary>
        /// Sets <see cref="WeakFlag"/> on the requirement of <paramref name="versionName"/> in the library at
        /// <paramref name="libraryPath"/>. The file is never written in place: a patched copy is written next to it
        /// and renamed over it, so a hard link into the NuGet cache keeps the original bytes.
        /// </summary>
        /// <returns>
        /// <see langword="true"/> if the file changed; <see langword="false"/> if it has no such requirement or the
        /// requirement is already weak (the file is then left untouched).
        /// </returns>
        /// <exception cref="InvalidDataException">The file is not an ELF file, or is truncated or corrupt.</exception>
        /// <exception cref="NotSupportedException">The file is ELF, but not 64-bit little-endian.</exception>
        public static bool MarkRequirementWeak(string libraryPath, string versionName)
        {
            var elf = new ElfFile(libraryPath);
            var flagsOffsets = new List<long>();
            foreach (Section requirements in elf.Sections(VersionRequirementsType))
            {
                Section names = elf.StringTable(requirements.Link);
                // Elf64_Verneed (16 bytes, one per needed file): vn_cnt @2, vn_aux @8, vn_next @12.
                // Elf64_Vernaux (16 bytes, one per needed version): vna_flags @4, vna_name @8, vna_next @12.
                foreach (long file in elf.Chain(requirements, requirements.Offset, 16, 12))
                {
                    if (elf.UInt16(file + 2) == 0)
                        continue;
                    foreach (long version in elf.Chain(requirements, file + elf.UInt32(file + 8), 16, 12))
                    {
                        if (elf.String(names, elf.UInt32(version + 8)) == versionName && (elf.UInt16(version + 4) & WeakFlag) == 0)
                            flagsOffsets.Add(version + 4);
                    }
                }
            }
            if (flagsOffsets.Count == 0)
                return false;

            string patched = libraryPath + "." + Guid.NewGuid().ToString("N") + ".tmp";
            try
            {
                File.Copy(libraryPath, patched); // keeps the mode bits
                using (var stream = new FileStream(patched, FileMode.Open, FileAccess.Write))
                {
                    foreach (long flagsOffset in flagsOffsets)
                    {
                        ushort weak = (ushort)(elf.UInt16(flagsOffset) | WeakFlag);
                        stream.Position = flagsOffset;
                        stream.Write(new[] { (byte)weak, (byte)(weak >> 8) }, 0, 2);
                    }
                }
                // Keep the copy's timestamp (the package's): the SDK's incremental copy compares size and time with
                // the NuGet cache, so the patched file then counts as up to date instead of being re-copied each build.
                File.SetLastWriteTimeUtc(patched, File.GetLastWriteTimeUtc(libraryPath));
                // On Unix File.Replace without a backup is rename(2): atomic, and it replaces the directory entry
                // rather than the inode. (netstandard2.0, which the task factory compiles against, lacks File.Move's overwrite.)
                File.Replace(patched, libraryPath, null);
            }
            finally
            {
                if (File.Exists(patched))
                    File.Delete(patched);
            }
            return true;
        }

        private readonly struct Section
        {
            public Section(long offset, long size, uint link, uint type)
            {
                Offset = offset;
                Size = size;
                Link = link;
                Type = type;
            }

            public long Offset { get; }
            public long Size { get; }
            public uint Link { get; }
            public uint Type { get; }
        }

        /// <summary>An ELF64 little-endian file in memory; every read is bounds-checked and blames the file.</summary>
        private sealed class ElfFile
        {
            private readonly string _path;
            private readonly byte[] _bytes;
            private readonly List<Section> _sections = new List<Section>();

            public ElfFile(string path)
            {
                _path = path;
                _bytes = File.ReadAllBytes(path);
                if (_bytes.Length < 4 || _bytes[0] != 0x7f || _bytes[1] != 'E' || _bytes[2] != 'L' || _bytes[3] != 'F')
                    throw new InvalidDataException($"'{path}' is not an ELF file: it does not start with 7F 45 4C 46 (\"\\x7FELF\").");
                if (_bytes.Length >= 6 && (_bytes[4] != 2 || _bytes[5] != 1))
                    throw new NotSupportedException($"'{path}' is ELF class {_bytes[4]}, data encoding {_bytes[5]}; only ELF64 little-endian (class 2, data 1) is supported.");
                if (_bytes.Length < 64)
                    throw Corrupt($"{_bytes.Length} bytes is shorter than the 64-byte ELF64 header");

                // Elf64_Ehdr: e_shoff @0x28, e_shentsize @0x3A, e_shnum @0x3C. Elf64_Shdr: sh_type @4, sh_offset @24,
                // sh_size @32, sh_link @40. A file with no section headers simply has no version sections.
                long table = Offset(0x28);
                if (table == 0)
                    return;
                int entrySize = UInt16(0x3A);
                if (entrySize < 64)
                    throw Corrupt($"e_shentsize {entrySize} is below 64");
                // More than 0xff00 sections: e_shnum is 0 and the count lives in section 0's sh_size.
                long count = UInt16(0x3C) != 0 ? UInt16(0x3C) : Offset(table + 32);
                for (long i = 0; i < count; i++)
                {
                    long header = table + i * entrySize;
                    _sections.Add(new Section(Field(header + 24), Field(header + 32), UInt32(header + 40), UInt32(header + 4)));
                }
            }

            public IEnumerable<Section> Sections(uint type)
            {
                foreach (Section section in _sections)
                {
                    if (section.Type == type)
                        yield return Checked(section);
                }
            }

            public Section StringTable(uint index)
            {
                if (index >= _sections.Count || _sections[(int)index].Type != StringTableType)
                    throw Corrupt($"sh_link {index} of a version section is not a string table");
                return Checked(_sections[(int)index]);
            }

            /// <summary>Version entries link by byte offsets relative to the current entry; 0 ends a chain.</summary>
            public IEnumerable<long> Chain(Section section, long first, int entrySize, int nextField)
            {
                for (long entry = Entry(section, first, entrySize); ; entry = Entry(section, entry + UInt32(entry + nextField), entrySize))
                {
                    yield return entry;
                    // A positive step through a bounded section cannot loop forever.
                    if (UInt32(entry + nextField) == 0)
                        yield break;
                }
            }

            public long Entry(Section section, long at, int size)
            {
                if (at < section.Offset || at + size > section.Offset + section.Size)
                    throw Corrupt($"a {size}-byte version entry at 0x{at:x} lies outside its section");
                return at;
            }

            public string String(Section table, uint index)
            {
                long start = table.Offset + index;
                long end = start;
                while (end < table.Offset + table.Size && _bytes[end] != 0)
                    end++;
                if (end >= table.Offset + table.Size)
                    throw Corrupt($"string {index} is not terminated inside its string table");
                return Encoding.UTF8.GetString(_bytes, (int)start, (int)(end - start));
            }

            public ushort UInt16(long at) => (ushort)Read(at, 2);

            public uint UInt32(long at) => (uint)Read(at, 4);

            private long Offset(long at)
            {
                ulong value = Read(at, 8);
                if (value > (ulong)_bytes.Length)
                    throw Corrupt($"offset or size 0x{value:x} at 0x{at:x} exceeds the file's {_bytes.Length} bytes");
                return (long)value;
            }

            private long Field(long at) => (long)Math.Min(Read(at, 8), long.MaxValue);

            private ulong Read(long at, int size)
            {
                if (at < 0 || at + size > _bytes.Length)
                    throw Corrupt($"a {size}-byte field at 0x{at:x} lies past the end of the file");
                ulong value = 0;
                for (int i = size - 1; i >= 0; i--)
                    value = (value << 8) | _bytes[at + i];
                return value;
            }

            // Checked only for the sections read: .bss (SHT_NOBITS), say, may be larger than the file.
            private Section Checked(Section section)
            {
                if (section.Offset > _bytes.Length || section.Size > _bytes.Length - section.Offset)
                    throw Corrupt($"a section at 0x{section.Offset:x} of 0x{section.Size:x} bytes runs past the end of the file");
                return section;
            }

            private InvalidDataException Corrupt(string detail) =>
                new InvalidDataException($"'{_path}' is a truncated or corrupt ELF file: {detail}.");
        }
    }

#if !MLNETRIEMANNIAN_NO_MSBUILD_TASK
    /// <summary>
    /// MSBuild task: unless the libstdc++ at <see cref="LibStdCxxPath"/> defines <see cref="VersionName"/>, marks
    /// that version's requirement weak in each of <see cref="Libraries"/>.
    /// </summary>
    public sealed class MarkLibStdCxxRequirementWeak : Microsoft.Build.Utilities.Task
    {
        /// <summary>The native libraries to patch (copies in the output or publish folder, never the NuGet cache).</summary>
        [Required]
        public ITaskItem[] Libraries { get; set; } = Array.Empty<ITaskItem>();

        /// <summary>This machine's libstdc++.so.6; empty when none was found, in which case nothing is patched.</summary>
        public string LibStdCxxPath { get; set; } = "";

        /// <summary>The libstdc++ symbol version to check and, when missing, mark weak (e.g. <c>GLIBCXX_3.4.32</c>).</summary>
        [Required]
        public string VersionName { get; set; } = "";

        /// <inheritdoc/>
        public override bool Execute()
        {
            if (LibStdCxxPath.Length == 0)
            {
                Log.LogMessage(MessageImportance.Low, "MLNetRiemannian: no libstdc++.so.6 found at the usual paths (set MLNetRiemannianLibStdCxxPath); native libraries left as copied.");
                return true;
            }
            try
            {
                if (ElfSymbolVersionPatcher.DefinesVersion(LibStdCxxPath, VersionName))
                {
                    Log.LogMessage(MessageImportance.Low, "MLNetRiemannian: {0} defines {1}; native libraries left as copied.", LibStdCxxPath, VersionName);
                    return true;
                }
                foreach (ITaskItem library in Libraries)
                {
                    if (ElfSymbolVersionPatcher.MarkRequirementWeak(library.ItemSpec, VersionName))
                        Log.LogMessage(MessageImportance.Normal, "MLNetRiemannian: marked the {0} requirement of {1} weak ({2} lacks {0}).", VersionName, library.ItemSpec, LibStdCxxPath);
                }
            }
            catch (Exception e)
            {
                // A corrupt or unreadable file is a build error that names the file, not a task crash.
                Log.LogErrorFromException(e);
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
