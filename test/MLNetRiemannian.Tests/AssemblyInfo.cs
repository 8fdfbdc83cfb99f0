using Microsoft.VisualStudio.TestTools.UnitTesting;

// TorchSharp's thread count and dispose-scope statistics are process- and thread-wide: run test classes one at a time.
[assembly: DoNotParallelize]
