using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLNetRiemannian.Geometry;

namespace MLNetRiemannian.Model
{
    /// <summary>
    /// The binary stream a <see cref="RiemannianMlpModelParameters"/> saves inside ML.NET's model zip. Everything is
    /// little-endian (<see cref="BinaryWriter"/>'s encoding):
    /// <code>
    /// int32   format version (7; versions 1 to 6, which lack the later fields marked below, are still read)
    /// int64   payload length in bytes
    /// payload:
    ///   int32   task (PredictionTask), int32 activation (ActivationKind)
    ///   int32   number of layer sizes n, then n × int32 sizes, input first
    ///   per dense layer l: float32[sizes[l+1] · sizes[l]] weights, row-major [out, in]; float32[sizes[l+1]] bias
    ///   string  output metric (BinaryWriter's length-prefixed UTF-8)
    ///   from version 4: bool has label standardization, and when true float64 mean, float64 scale (LabelStandardization)
    ///   from version 7: bool has input encoding, and when true int32 feature slots F, then per network input
    ///           (sizes[0] of them) int32 source slot, float32 lower edge, float32 inverse width, bool clipped (InputEncoding);
    ///           F = sizes[0] without one
    ///   from version 5: bool has input scaling, and when true float32[F] center, float32[F] scale,
    ///           float32 clip bound (InputScaling)
    ///   from version 6: bool has input scale, and when true float32[sizes[0]] factors (InputScale)
    ///   int32   number of epochs, then per epoch: int32 epoch, float64 training loss, float64 training metric,
    ///           bool has validation metric, float64 validation metric (0 when absent), float64 seconds,
    ///           from version 2: int32 non-finite steps, int32 jitter retries, int32 Float64 fallbacks,
    ///           from version 3: int32 diagnosed layers m (0 when the epoch has no diagnostics), and when m &gt; 0
    ///           float64 action, float64 loss decrease, then per layer 5 × float64 (the fields of LayerDiagnostics in order),
    ///           from version 4: int32 zero-weight batches
    ///   from version 4: bool has training outcome, and when true int32 reason (TrainingStopReason), int32 epoch,
    ///           int32 step, int32 kept epoch (−1 when none) (TrainingOutcome)
    /// byte[32] SHA-256 of everything above
    /// </code>
    /// The checksum is there because a flipped bit in a weight still parses: without it a damaged file would load and
    /// predict wrongly instead of failing. A checksum anyone can recompute does not stop a deliberate edit, so the reader
    /// also refuses what no trainer writes: impossible sizes, unknown names, and non-finite weights or biases.
    /// Version history: 1, the first release; 2 adds the numerical-event counts; 3 the per-epoch diagnostics; 4 the
    /// label standardization, the zero-weight batch counts and the training outcome; 5 the input scaling; 6 the learned input scale;
    /// 7 the input encoding. Floats are copied as their bit patterns, so a model loads back bit-identically.
    /// </summary>
    internal static class RiemannianMlpFormat
    {
        /// <summary>The format version this code writes; it reads this one and every older one.</summary>
        public const int Version = 7;

        /// <summary>The first released format (no numerical-event counts in the history).</summary>
        private const int FirstVersion = 1;

        /// <summary>The largest payload the format writes: it is assembled in a <see cref="MemoryStream"/>, whose length is an int.</summary>
        internal const long MaximumPayloadBytes = int.MaxValue;

        private const int HeaderBytes = sizeof(int) + sizeof(long);
        private const int ChecksumBytes = 32;
        private const int FirstVersionEpochBytes = sizeof(int) + 4 * sizeof(double) + sizeof(bool);
        private const int EventBytes = 3 * sizeof(int);
        private const int LayerDiagnosticsBytes = 5 * sizeof(double);

        /// <summary>Writes <paramref name="model"/> in the format above.</summary>
        public static void Write(BinaryWriter writer, RiemannianMlpModelParameters model)
        {
            using var payload = new MemoryStream();
            using (var w = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
            {
                w.Write((int)model.Task);
                w.Write((int)model.Activation);
                w.Write(model.LayerSizes.Count);
                foreach (int size in model.LayerSizes) w.Write(size);
                for (int l = 0; l < model.LayerSizes.Count - 1; l++)
                {
                    WriteFloats(w, model.GetWeights(l));
                    WriteFloats(w, model.GetBias(l));
                }
                w.Write(model.OutputMetric);
                w.Write(model.LabelStandardization is not null);
                if (model.LabelStandardization is { } standardization)
                {
                    w.Write(standardization.Mean);
                    w.Write(standardization.Scale);
                }
                w.Write(model.InputEncoding is not null);
                if (model.InputEncoding is { } encoding)
                {
                    w.Write(encoding.InputWidth);
                    for (int o = 0; o < encoding.Width; o++)
                    {
                        w.Write(encoding.Source[o]);
                        w.Write(encoding.Lower[o]);
                        w.Write(encoding.InverseWidth[o]);
                        w.Write(encoding.Clipped[o]);
                    }
                }
                w.Write(model.InputScaling is not null);
                if (model.InputScaling is { } scaling)
                {
                    WriteFloats(w, scaling.Center);
                    WriteFloats(w, scaling.Scale);
                    w.Write(scaling.ClipBound);
                }
                w.Write(model.InputScale is not null);
                if (model.InputScale is { } scale) WriteFloats(w, scale.Factors);
                w.Write(model.History.Count);
                foreach (var epoch in model.History)
                {
                    w.Write(epoch.Epoch);
                    w.Write(epoch.TrainingLoss);
                    w.Write(epoch.TrainingMetric);
                    w.Write(epoch.ValidationMetric.HasValue);
                    w.Write(epoch.ValidationMetric ?? 0);
                    w.Write(epoch.Seconds);
                    w.Write(epoch.NonFiniteSteps);
                    w.Write(epoch.JitterRetries);
                    w.Write(epoch.DoublePrecisionFallbacks);
                    WriteDiagnostics(w, epoch.Diagnostics);
                    w.Write(epoch.ZeroWeightBatches);
                }
                w.Write(model.Outcome is not null);
                if (model.Outcome is { } outcome)
                {
                    w.Write((int)outcome.Reason);
                    w.Write(outcome.Epoch);
                    w.Write(outcome.Step);
                    w.Write(outcome.KeptEpoch ?? -1);
                }
            }

            var body = payload.GetBuffer().AsSpan(0, checked((int)payload.Length));
            Span<byte> header = stackalloc byte[HeaderBytes];
            BinaryPrimitives.WriteInt32LittleEndian(header, Version);
            BinaryPrimitives.WriteInt64LittleEndian(header.Slice(sizeof(int)), body.Length);
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            sha.AppendData(header);
            sha.AppendData(body);
            writer.Write(header);
            writer.Write(body);
            writer.Write(sha.GetHashAndReset());
        }

        /// <summary>
        /// Reads a model written by <see cref="Write"/>, checking the version, the length, the checksum and every
        /// shape before building anything; any defect throws <see cref="InvalidDataException"/> saying what is wrong.
        /// </summary>
        public static RiemannianMlpModelParameters Read(IHostEnvironment env, Stream stream)
        {
            byte[] bytes;
            using (var copy = new MemoryStream())
            {
                stream.CopyTo(copy);
                bytes = copy.ToArray();
            }

            if (bytes.Length < HeaderBytes)
                throw Truncated($"it holds {bytes.Length} bytes, fewer than its {HeaderBytes}-byte header");
            int version = BinaryPrimitives.ReadInt32LittleEndian(bytes);
            if (version < FirstVersion || version > Version)
                throw new InvalidDataException(version > Version && version < 1000
                    ? $"The RiemannianMlp model stream '{RiemannianMlpModelParameters.StreamName}' has format version {version}, but this MLNetRiemannian reads version {Version}: update the MLNetRiemannian.Scoring package (or MLNetRiemannian, which brings it) to load it."
                    : Message("is corrupt", $"its format version is {version}, not {FirstVersion} to {Version}"));
            long payloadLength = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(sizeof(int)));
            if (payloadLength < 0 || payloadLength > int.MaxValue)
                throw Corrupt($"its header gives an impossible payload length, {payloadLength} bytes");
            long expected = HeaderBytes + payloadLength + ChecksumBytes;
            if (bytes.Length < expected)
                throw Truncated($"it holds {bytes.Length} bytes but its header announces {expected}");
            if (bytes.Length > expected)
                throw Corrupt($"it holds {bytes.Length - expected} bytes after its end");
            int checkedLength = HeaderBytes + (int)payloadLength;
            if (!SHA256.HashData(bytes.AsSpan(0, checkedLength)).AsSpan().SequenceEqual(bytes.AsSpan(checkedLength, ChecksumBytes)))
                throw Corrupt("its SHA-256 checksum does not match its contents (the file was damaged or edited)");

            try
            {
                return ReadPayload(env, new BinaryReader(new MemoryStream(bytes, HeaderBytes, (int)payloadLength, writable: false), Encoding.UTF8), version);
            }
            catch (EndOfStreamException e)
            {
                throw new InvalidDataException(Message("is corrupt", "its payload ends early"), e);
            }
            catch (FormatException e)
            {
                // BinaryReader.ReadString on bytes that are no length prefix (a payload whose sizes were edited).
                throw new InvalidDataException(Message("is corrupt", "its output metric's name is not a valid string"), e);
            }
            catch (ArgumentException e)
            {
                // The constructor's shape checks, for a payload that is intact but describes an impossible network.
                throw new InvalidDataException(Message("is corrupt", e.Message), e);
            }
        }

        private static RiemannianMlpModelParameters ReadPayload(IHostEnvironment env, BinaryReader reader, int version)
        {
            var task = (PredictionTask)reader.ReadInt32();
            if (!Enum.IsDefined(task)) throw Corrupt($"it names an unknown prediction task, {(int)task}");
            var activation = (ActivationKind)reader.ReadInt32();
            if (!Enum.IsDefined(activation)) throw Corrupt($"it names an unknown activation, {(int)activation}");

            int count = reader.ReadInt32();
            if (count < 2 || count > Remaining(reader) / sizeof(int))
                throw Corrupt($"it gives {count} layer sizes");
            var sizes = new int[count];
            for (int i = 0; i < count; i++)
            {
                sizes[i] = reader.ReadInt32();
                if (sizes[i] <= 0) throw Corrupt($"layer size {i} is {sizes[i]}");
            }

            var weights = new float[count - 1][];
            var biases = new float[count - 1][];
            for (int l = 0; l < count - 1; l++)
            {
                weights[l] = ReadFiniteFloats(reader, (long)sizes[l + 1] * sizes[l], $"layer {l}'s {sizes[l + 1]} x {sizes[l]} weights");
                biases[l] = ReadFiniteFloats(reader, sizes[l + 1], $"layer {l}'s {sizes[l + 1]} biases");
            }

            string outputMetric = reader.ReadString();
            LabelStandardization? standardization = version >= 4 && reader.ReadBoolean()
                ? new LabelStandardization(reader.ReadDouble(), reader.ReadDouble())
                : null;
            InputEncoding? inputEncoding = version >= 7 && reader.ReadBoolean() ? ReadEncoding(reader, sizes[0]) : null;
            int features = inputEncoding?.InputWidth ?? sizes[0];
            InputScaling? inputScaling = null;
            if (version >= 5 && reader.ReadBoolean())
            {
                var center = ReadFiniteFloats(reader, features, $"the input scaling's {features} centers");
                var scale = ReadFiniteFloats(reader, features, $"the input scaling's {features} scales");
                // The constructor refuses a non-positive scale or bound; its message says which.
                inputScaling = new InputScaling(center, scale, reader.ReadSingle());
            }
            InputScale? inputScale = version >= 6 && reader.ReadBoolean()
                ? new InputScale(ReadFiniteFloats(reader, sizes[0], $"the input scale's {sizes[0]} factors"))
                : null;
            int epochs = reader.ReadInt32();
            int epochBytes = FirstVersionEpochBytes + (version >= 2 ? EventBytes : 0) + (version >= 3 ? sizeof(int) : 0) + (version >= 4 ? sizeof(int) : 0);
            if (epochs < 0 || epochs > Remaining(reader) / epochBytes)
                throw Corrupt($"it gives {epochs} epochs of history but holds {Remaining(reader)} bytes for them");
            var history = new List<EpochSummary>(epochs);
            for (int i = 0; i < epochs; i++)
            {
                int epoch = reader.ReadInt32();
                double loss = reader.ReadDouble(), metric = reader.ReadDouble();
                bool hasValidation = reader.ReadBoolean();
                double validation = reader.ReadDouble(), seconds = reader.ReadDouble();
                var summary = new EpochSummary(epoch, loss, metric, hasValidation ? validation : null, seconds);
                if (version >= 2)
                    summary = summary with { NonFiniteSteps = reader.ReadInt32(), JitterRetries = reader.ReadInt32(), DoublePrecisionFallbacks = reader.ReadInt32() };
                if (version >= 3)
                    summary = summary with { Diagnostics = ReadDiagnostics(reader, epoch) };
                if (version >= 4)
                    summary = summary with { ZeroWeightBatches = reader.ReadInt32() };
                history.Add(summary);
            }
            TrainingOutcome? outcome = null;
            if (version >= 4 && reader.ReadBoolean())
            {
                var reason = (TrainingStopReason)reader.ReadInt32();
                if (!Enum.IsDefined(reason)) throw Corrupt($"it names an unknown training stop reason, {(int)reason}");
                int epoch = reader.ReadInt32(), step = reader.ReadInt32(), kept = reader.ReadInt32();
                // The constructor checks the numbers; its message says what is impossible.
                outcome = new TrainingOutcome(reason, epoch, step, kept == -1 ? null : kept);
            }
            if (Remaining(reader) != 0)
                throw Corrupt($"{Remaining(reader)} bytes of its payload are left over after the history");

            return new RiemannianMlpModelParameters(env, task, activation, sizes, weights, biases, outputMetric, history, standardization, outcome, inputScaling, inputScale, inputEncoding);
        }

        private static void WriteDiagnostics(BinaryWriter writer, EpochDiagnostics? diagnostics)
        {
            writer.Write(diagnostics?.Layers.Count ?? 0);
            if (diagnostics is null || diagnostics.Layers.Count == 0) return;
            writer.Write(diagnostics.Action);
            writer.Write(diagnostics.LossDecrease);
            foreach (var layer in diagnostics.Layers)
            {
                writer.Write(layer.GradientDualNormSquared);
                writer.Write(layer.SolverResidual);
                writer.Write(layer.StepLength);
                writer.Write(layer.Action);
                writer.Write(layer.InnerSystemCondition);
            }
        }

        private static EpochDiagnostics? ReadDiagnostics(BinaryReader reader, int epoch)
        {
            int layers = reader.ReadInt32();
            if (layers == 0) return null;
            if (layers < 0 || layers > (Remaining(reader) - 2 * sizeof(double)) / LayerDiagnosticsBytes)
                throw Corrupt($"epoch {epoch} gives diagnostics for {layers} layers but holds {Remaining(reader)} bytes for them");
            double action = reader.ReadDouble(), lossDecrease = reader.ReadDouble();
            var perLayer = new LayerDiagnostics[layers];
            for (int l = 0; l < layers; l++)
                perLayer[l] = new LayerDiagnostics(reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble());
            return new EpochDiagnostics(action, lossDecrease, perLayer);
        }

        private static void WriteFloats(BinaryWriter writer, ReadOnlySpan<float> values)
        {
            if (BitConverter.IsLittleEndian)
            {
                writer.Write(MemoryMarshal.AsBytes(values));
                return;
            }
            foreach (float value in values) writer.Write(value);
        }

        private static float[] ReadFloats(BinaryReader reader, long count, string what)
        {
            if (count * sizeof(float) > Remaining(reader))
                throw Corrupt($"{what} need {count * sizeof(float)} bytes but {Remaining(reader)} remain");
            var values = new float[count];
            var bytes = MemoryMarshal.AsBytes(values.AsSpan());
            reader.BaseStream.ReadExactly(bytes);
            if (!BitConverter.IsLittleEndian)
                for (int i = 0; i < values.Length; i++)
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * sizeof(float)));
            return values;
        }

        /// <summary>The input encoding of a network of <paramref name="inputs"/> inputs; its constructor refuses what no trainer writes.</summary>
        private static InputEncoding ReadEncoding(BinaryReader reader, int inputs)
        {
            int features = reader.ReadInt32();
            if (features < 1 || features > inputs) throw Corrupt($"its input encoding reads {features} feature slots into {inputs} inputs");
            const int entryBytes = sizeof(int) + 2 * sizeof(float) + sizeof(bool);
            if ((long)inputs * entryBytes > Remaining(reader)) throw Corrupt($"its input encoding needs {(long)inputs * entryBytes} bytes but {Remaining(reader)} remain");
            var source = new int[inputs];
            var lower = new float[inputs];
            var inverseWidth = new float[inputs];
            var clipped = new bool[inputs];
            for (int o = 0; o < inputs; o++)
            {
                source[o] = reader.ReadInt32();
                lower[o] = reader.ReadSingle();
                inverseWidth[o] = reader.ReadSingle();
                clipped[o] = reader.ReadBoolean();
            }
            try { return new InputEncoding(features, source, lower, inverseWidth, clipped); }
            catch (ArgumentException e) { throw Corrupt(e.Message); }
        }

        /// <summary>
        /// <see cref="ReadFloats"/>, refusing NaN and infinities: training refuses every non-finite step, so such a value
        /// means an edited file, and a model holding one would score every row NaN without a word.
        /// </summary>
        private static float[] ReadFiniteFloats(BinaryReader reader, long count, string what)
        {
            var values = ReadFloats(reader, count, what);
            int bad = Array.FindIndex(values, v => !float.IsFinite(v));
            if (bad >= 0)
                throw Corrupt($"{what} hold the non-finite value {values[bad]} at index {bad}; a trained network's parameters are finite");
            return values;
        }

        private static long Remaining(BinaryReader reader) => reader.BaseStream.Length - reader.BaseStream.Position;

        private static string Message(string state, string detail) =>
            $"The RiemannianMlp model stream '{RiemannianMlpModelParameters.StreamName}' {state}: {detail}.";

        private static InvalidDataException Corrupt(string detail) => new InvalidDataException(Message("is corrupt", detail));

        private static InvalidDataException Truncated(string detail) => new InvalidDataException(Message("is truncated", detail));
    }
}
