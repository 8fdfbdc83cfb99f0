using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using static TorchSharp.torch;

namespace MLNetRiemannian.Training
{
    /// <summary>
    /// Everything the next step of <see cref="FitLoop.Run"/> depends on, at the end of an epoch: the parameters, the
    /// fit loop's state (<see cref="TrainingState"/>: epoch, step counter, last-good snapshot, early-stopping state and
    /// best parameters, history), the optimizer's state (<see cref="OptimizerState"/>: step counter, η after any recovery
    /// halving, each layer's momentum and moments) and the random generator's state, plus a fingerprint of the data shape
    /// and options that made it (a resume with others is refused).
    /// </summary>
    /// <remarks>
    /// Stream layout (little-endian), its own format, not the model's:
    /// byte[8] "RMLPCKPT", int32 version, int64 payload length, payload, byte[32] SHA-256 of the payload.
    /// Tensors are stored as their dtype, shape and values — Float32 ones as they are, every other dtype widened to Float64
    /// (versions before 4 widened Float32 ones too) — which restores Float32 and Float64 exactly.
    /// Versions (each still read): 1, the heavy-ball momentum per layer (read as that rule's state, the step counter taken
    /// from the epoch loop's); 2, the update rule's state as a positional list of optional tensors (2 per layer for the
    /// heavy ball, 4 for the adaptive mass) and the optimizer's step counter; 3, the optimizer's state as it is
    /// (<see cref="OptimizerState"/>): its step counter and η, then per layer the four parts of
    /// <see cref="LayerOptimizerState"/> in their fixed order, each present or not. η stays in the header too (the
    /// versions before 3 hold it only there); 4, Float32 tensors stored as Float32 (half the bytes of a Float32 model's
    /// checkpoint: 1.23 GB became 0.62 GB for a 50 M-weight first layer), and the best epoch's validation loss after the
    /// early-stopping state (<see cref="TrainingState.BestLoss"/>); 5, the diagonal modules (the learnable input scale): their
    /// scales s after the dense layers' weights and biases in each parameter list, and after the layers' optimizer state the
    /// number of diagonal modules, then per module the two parts of <see cref="DiagonalOptimizerState"/>, each present or
    /// not (a version 4 checkpoint has none); 6, after the history, the parameters' moving average
    /// (<see cref="TrainingState.Averaged"/>: none without parameter averaging, and in every earlier version).
    /// The curvature samples are not saved: every epoch draws them anew (<see cref="FitLoop"/>).
    /// </remarks>
    internal sealed class Checkpoint : IDisposable
    {
        private static readonly byte[] Magic = Encoding.ASCII.GetBytes("RMLPCKPT");
        internal const int Version = 6;
        private const int HashBytes = 32;

        /// <summary>The data shape and options that made it; a resume with others is refused (<see cref="CheckMatches"/>).</summary>
        public required IReadOnlyList<(string Name, string Value)> Fingerprint { get; init; }

        /// <summary>The parameters at the end of <see cref="TrainingState.Epoch"/> (weight, bias per layer).</summary>
        public required List<Tensor> Parameters { get; init; }

        /// <summary>The fit loop's state (<see cref="TrainingState"/>) as it was then.</summary>
        public required TrainingState State { get; init; }
        /// <summary>The optimizer's state (<see cref="RiemannianSgd.ExportState"/>): step counter, η after any halving, each layer's state.</summary>
        public required OptimizerState Optimizer { get; init; }
        /// <summary>The random generator's state (batch order, curvature draws).</summary>
        public required byte[] GeneratorState { get; init; }

        /// <summary>Writes atomically: to a temporary file in the same folder, flushed to disk, then renamed over <paramref name="path"/>.</summary>
        public void Save(string path)
        {
            string full = Path.GetFullPath(path);
            string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
            try
            {
                using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
                {
                    Write(file);
                    file.Flush(flushToDisk: true);
                }
                File.Move(temporary, full, overwrite: true);
                RemoveLeftovers(full, temporary);
            }
            finally
            {
                if (File.Exists(temporary)) File.Delete(temporary);
            }
        }

        /// <summary>
        /// Deletes the temporary files of earlier writes to <paramref name="full"/> that never finished (a process killed
        /// while writing leaves one): once a write has completed, any other is either done or abandoned. One that cannot be
        /// deleted (still open elsewhere) is left alone.
        /// </summary>
        private static void RemoveLeftovers(string full, string current)
        {
            foreach (string leftover in Directory.EnumerateFiles(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.*.tmp"))
            {
                if (leftover == current) continue;
                try { File.Delete(leftover); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }

        /// <summary>
        /// Writes the layout above to <paramref name="stream"/> (seekable: the payload's length is written once it is
        /// known), streaming the payload through its SHA-256: no buffer of the whole checkpoint, so memory beside the model
        /// stays one chunk (<see cref="CheckpointStreams"/>) whatever its size.
        /// </summary>
        public void Write(Stream stream)
        {
            using var o = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            o.Write(Magic); o.Write(Version);
            long lengthAt = stream.Position;
            o.Write(0L);
            o.Flush();
            using var hashing = new HashingStream(stream);
            using (var w = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(Fingerprint.Count);
                foreach (var (name, value) in Fingerprint) { w.Write(name); w.Write(value); }
                w.Write(State.Epoch); w.Write(State.TotalSteps); w.Write(Optimizer.LearningRate);
                w.Write(State.Best); w.Write(State.SinceBest); w.Write(State.BestEpoch); w.Write(State.EarlyStopped); w.Write(State.BestLoss);
                WriteTensors(w, Parameters);
                WriteTensors(w, State.LastGood);
                WriteTensors(w, State.BestParameters);
                w.Write(Optimizer.Steps); w.Write(Optimizer.LearningRate);
                w.Write(Optimizer.Layers.Count);
                foreach (var layer in Optimizer.Layers) WriteParts(w, layer.Parts);
                w.Write(Optimizer.Diagonals.Count);
                foreach (var diagonal in Optimizer.Diagonals) WriteParts(w, diagonal.Parts);
                w.Write(GeneratorState.Length); w.Write(GeneratorState);
                w.Write(State.History.Count);
                foreach (var e in State.History)
                {
                    w.Write(e.Epoch); w.Write(e.Loss); w.Write(e.TrainingMetric);
                    w.Write(e.ValidationMetric is not null); w.Write(e.ValidationMetric ?? 0);
                    w.Write(e.Seconds); w.Write(e.StepsPerSecond);
                    w.Write(e.Events.NonFiniteSteps); w.Write(e.Events.JitterRetries); w.Write(e.Events.DoublePrecisionFallbacks);
                    w.Write(e.ZeroWeightBatches);
                }
                WriteTensors(w, State.Averaged);
                w.Flush();
            }
            long end = stream.Position;
            stream.Position = lengthAt;
            o.Write(hashing.Count);
            o.Flush();
            stream.Position = end;
            o.Write(hashing.Hash());
        }

        /// <summary>Reads a checkpoint; tensors are detached from any dispose scope (dispose the checkpoint).</summary>
        /// <exception cref="InvalidDataException">Not a checkpoint, an unknown version, truncated, or its checksum does not match.</exception>
        public static Checkpoint Load(string path)
        {
            using var file = File.OpenRead(path);
            try
            {
                return Read(file, path);
            }
            catch (EndOfStreamException e)
            {
                throw new InvalidDataException($"Checkpoint '{path}' is truncated.", e);
            }
        }

        private static Checkpoint Read(Stream stream, string path)
        {
            using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
                throw new InvalidDataException($"'{path}' is not a RiemannianMlp checkpoint (it does not begin with \"RMLPCKPT\").");
            int version = r.ReadInt32();
            if (version is < 1 or > Version)
                throw new InvalidDataException($"Checkpoint '{path}' has version {version}; this library reads versions 1 to {Version}.");
            bool wide = version < 4;
            long length = r.ReadInt64();
            long remaining = stream.Length - stream.Position - HashBytes;
            if (length < 0 || length != remaining)
                throw new InvalidDataException($"Checkpoint '{path}' is truncated or damaged: it announces {length} payload bytes but holds {Math.Max(remaining, 0)}.");
            // Two passes over the file, none into memory: the checksum first, then the parse.
            long payloadStart = stream.Position;
            using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var chunk = new byte[1 << 20];
                for (long left = length; left > 0;)
                {
                    int n = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, left));
                    if (n == 0) throw new EndOfStreamException();
                    sha.AppendData(chunk, 0, n);
                    left -= n;
                }
                byte[] hash = r.ReadBytes(HashBytes);
                if (!sha.GetHashAndReset().AsSpan().SequenceEqual(hash))
                    throw new InvalidDataException($"Checkpoint '{path}' is damaged: its SHA-256 checksum does not match its contents.");
            }
            stream.Position = payloadStart;

            var p = r;
            var fingerprint = Enumerable.Range(0, p.ReadInt32()).Select(_ => (p.ReadString(), p.ReadString())).ToList();
            int epoch = p.ReadInt32(); long steps = p.ReadInt64(); double rate = p.ReadDouble();
            double best = p.ReadDouble(); int sinceBest = p.ReadInt32(); int bestEpoch = p.ReadInt32(); bool stopped = p.ReadBoolean();
            double bestLoss = version >= 4 ? p.ReadDouble() : double.NaN;
            var parameters = ReadTensors(p, wide);
            var lastGood = ReadTensors(p, wide);
            var bestParameters = ReadTensors(p, wide);
            var optimizer = version switch
            {
                1 => OptimizerState(steps, rate, Enumerable.Range(0, p.ReadInt32())
                    .Select(_ => p.ReadBoolean() ? new LayerOptimizerState(ReadTensor(p, wide), ReadTensor(p, wide), null, null) : new LayerOptimizerState(null, null, null, null))),
                2 => ReadVersion2State(p, rate, parameters.Count / 2, wide),
                _ => OptimizerState(p.ReadInt64(), p.ReadDouble(), Enumerable.Range(0, p.ReadInt32()).Select(_ =>
                {
                    var parts = ReadParts(p, 4, wide);
                    return new LayerOptimizerState(parts[0], parts[1], parts[2], parts[3]);
                })),
            };
            if (version >= 5)
                optimizer = new()
                {
                    Steps = optimizer.Steps, LearningRate = optimizer.LearningRate, Layers = optimizer.Layers,
                    Diagonals = Enumerable.Range(0, p.ReadInt32()).Select(_ =>
                    {
                        var parts = ReadParts(p, 2, wide);
                        return new DiagonalOptimizerState(parts[0], parts[1]);
                    }).ToList(),
                };
            byte[] generator = p.ReadBytes(p.ReadInt32());
            var history = Enumerable.Range(0, p.ReadInt32()).Select(_ =>
            {
                int e = p.ReadInt32(); double loss = p.ReadDouble(), train = p.ReadDouble();
                bool hasValidation = p.ReadBoolean(); double validation = p.ReadDouble();
                double seconds = p.ReadDouble(), rate = p.ReadDouble();
                var events = new NumericalEvents { NonFiniteSteps = p.ReadInt32(), JitterRetries = p.ReadInt32(), DoublePrecisionFallbacks = p.ReadInt32() };
                return new FitLoop.EpochResult(e, loss, train, hasValidation ? validation : null, seconds, rate, events, null) { ZeroWeightBatches = p.ReadInt32() };
            }).ToList();
            var averaged = version >= 6 ? ReadTensors(p, wide) : new List<Tensor>();
            var state = new TrainingState { Epoch = epoch, TotalSteps = steps, Best = best, BestLoss = bestLoss, SinceBest = sinceBest, BestEpoch = bestEpoch, EarlyStopped = stopped };
            state.LastGood.AddRange(lastGood);
            state.BestParameters.AddRange(bestParameters);
            state.Averaged.AddRange(averaged);
            state.History.AddRange(history);
            return new Checkpoint { Fingerprint = fingerprint, Parameters = parameters, State = state, Optimizer = optimizer, GeneratorState = generator };
        }

        /// <summary>Optional tensors, each a presence flag and, when present, the tensor.</summary>
        private static void WriteParts(BinaryWriter w, IReadOnlyList<(string Name, Tensor? Value)> parts)
        {
            foreach (var (_, t) in parts)
            {
                w.Write(t is not null);
                if (t is not null) WriteTensor(w, t);
            }
        }

        private static Tensor?[] ReadParts(BinaryReader p, int count, bool wide) =>
            Enumerable.Range(0, count).Select(_ => p.ReadBoolean() ? ReadTensor(p, wide) : null).ToArray();

        private static OptimizerState OptimizerState(long steps, double rate, IEnumerable<LayerOptimizerState> layers) =>
            new() { Steps = steps, LearningRate = rate, Layers = layers.ToList() };

        /// <summary>Version 2's positional list: per layer (v_W, v_b) for the heavy ball or (m_W, m_b, r, c) for the adaptive mass.</summary>
        private static OptimizerState ReadVersion2State(BinaryReader p, double rate, int layers, bool wide)
        {
            var list = Enumerable.Range(0, p.ReadInt32()).Select(_ => p.ReadBoolean() ? ReadTensor(p, wide) : null).ToList();
            long steps = p.ReadInt64();
            int perLayer = layers > 0 ? list.Count / layers : 0;
            if (perLayer is not (2 or 4) || perLayer * layers != list.Count)
                throw new InvalidDataException($"The checkpoint's optimizer state holds {list.Count} tensors for {layers} layers; version 2 has 2 or 4 per layer.");
            return OptimizerState(steps, rate, Enumerable.Range(0, layers).Select(l =>
                new LayerOptimizerState(list[perLayer * l], list[perLayer * l + 1], perLayer == 4 ? list[4 * l + 2] : null, perLayer == 4 ? list[4 * l + 3] : null)));
        }

        /// <summary>Throws naming every entry of the fingerprint that differs, with both values (a changed seed also changes what the data's split derives, so one cause can show as several).</summary>
        /// <exception cref="InvalidOperationException">The checkpoint was made with other data or options.</exception>
        /// <param name="current">The fingerprint of the fit that would resume.</param>
        /// <param name="path">The checkpoint's path, for the message.</param>
        /// <param name="writtenOnlyWhileOn">
        /// Entries a fingerprint holds only while what they name is on (parameter averaging, a learned input scale): one
        /// in the checkpoint but not in <paramref name="current"/> is a difference too (the run had it, this fit has not).
        /// Other entries may be absent for other reasons (an option written only when set explicitly) and are not compared that way.
        /// </param>
        public void CheckMatches(IReadOnlyList<(string Name, string Value)> current, string path, IReadOnlyCollection<string>? writtenOnlyWhileOn = null)
        {
            var differences = new List<string>();
            foreach (var (name, value) in current)
            {
                string? saved = Fingerprint.FirstOrDefault(f => f.Name == name).Value;
                if (saved != value)
                    differences.Add(saved is null
                        ? $"{name}: absent in the checkpoint (written with it off, or before it existed) but {value} now" +
                          (writtenOnlyWhileOn?.Contains(name) == true ? $" (turn {name} off to resume that run)" : "")
                        : $"{name}: {saved} in the checkpoint but {value} now");
            }
            foreach (var (name, saved) in Fingerprint)
                if (writtenOnlyWhileOn?.Contains(name) == true && !current.Any(c => c.Name == name))
                    differences.Add($"{name}: {saved} in the checkpoint but off now");
            if (differences.Count > 0)
                throw new InvalidOperationException(
                    $"Checkpoint '{path}' cannot be resumed: this fit differs from the run that wrote it in {string.Join("; ", differences)}. " +
                    "Use the same data and options, or delete the checkpoint to start afresh.");
        }

        private static void WriteTensors(BinaryWriter w, List<Tensor> tensors)
        {
            w.Write(tensors.Count);
            foreach (var t in tensors) WriteTensor(w, t);
        }

        private static void WriteTensor(BinaryWriter w, Tensor t) => CheckpointStreams.WriteTensor(w, t);

        private static List<Tensor> ReadTensors(BinaryReader r, bool wide) => Enumerable.Range(0, r.ReadInt32()).Select(_ => ReadTensor(r, wide)).ToList();

        /// <summary>One tensor; <c>wide</c>: Float32 values stored widened to Float64 (versions before 4).</summary>
        private static Tensor ReadTensor(BinaryReader r, bool wide) => CheckpointStreams.ReadTensor(r, wide);

        public void Dispose()
        {
            ReleaseParametersAndOptimizer();
            if (!_stateTaken) State.Dispose();
        }

        /// <summary>
        /// Hands <see cref="State"/> to the caller, who then owns it (a resume continues with it instead of a copy: the
        /// last-good and best parameters are as large as the model); this checkpoint no longer disposes it.
        /// </summary>
        public TrainingState TakeState()
        {
            if (_stateTaken) throw new InvalidOperationException("The checkpoint's training state was already taken.");
            _stateTaken = true;
            return State;
        }

        /// <summary>
        /// Releases <see cref="Parameters"/> and <see cref="Optimizer"/> once a resume has copied them into the network and
        /// the optimizer, so that a resume does not hold the model twice while it trains. Idempotent.
        /// </summary>
        public void ReleaseParametersAndOptimizer()
        {
            if (_released) return;
            _released = true;
            foreach (var t in Parameters) t.Dispose();
            Parameters.Clear();
            Optimizer.Dispose();
        }

        private bool _stateTaken, _released;
    }
}
