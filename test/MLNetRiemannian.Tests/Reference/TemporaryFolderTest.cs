using System;
using System.IO;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace MLNetRiemannian.Tests.Reference
{
    /// <summary>A test class whose every test gets a fresh folder under the temporary path (<see cref="Folder"/>), deleted after it.</summary>
    public abstract class TemporaryFolderTest
    {
        /// <summary>The current test's folder.</summary>
        protected string Folder { get; private set; } = null!;

        [TestInitialize]
        public void CreateFolder()
        {
            Folder = Path.Combine(Path.GetTempPath(), $"{GetType().Name}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(Folder);
        }

        [TestCleanup]
        public void DeleteFolder() => Directory.Delete(Folder, recursive: true);
    }
}
