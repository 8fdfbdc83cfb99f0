using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using MLNetRiemannian.Data;
using MLNetRiemannian.Model;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Trainers
{
    /// <summary>
    /// What a checkpoint must satisfy, checked by the trainer before training: its folder can be written, it was made on the
    /// same rows with the same options (its fingerprint), and it holds no more epochs than asked for.
    /// </summary>
    internal static class CheckpointChecks
    {
        /// <summary>
        /// Before any work, so that a checkpoint that cannot be written fails now rather than at the first epoch's end: the
        /// folder of <see cref="RiemannianMlpTrainerOptions.CheckpointPath"/> exists and a file can be created in it.
        /// </summary>
        /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
        /// <exception cref="UnauthorizedAccessException">No file can be created in it.</exception>
        public static void Folder(string? checkpointPath)
        {
            if (checkpointPath is not { } target || Path.GetDirectoryName(Path.GetFullPath(target)) is not { } folder) return;
            if (!Directory.Exists(folder))
                throw new DirectoryNotFoundException($"The folder of CheckpointPath '{target}', '{folder}', does not exist.");
            string probe = Path.Combine(folder, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.probe");
            try
            {
                using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                throw new UnauthorizedAccessException(
                    $"CheckpointPath '{target}' cannot be written: creating a file in its folder '{folder}' failed ({e.Message}). " +
                    "Choose a writable folder, or leave CheckpointPath null to train without checkpoints.", e);
            }
        }

        /// <summary>
        /// A checkpoint of more epochs than this Fit asks for cannot give the run asked for (its parameters have already
        /// moved past it), and returning the longer run would answer another question than the one asked: refuse, as any
        /// other difference between the checkpoint and the options is refused.
        /// </summary>
        /// <exception cref="InvalidOperationException">The checkpoint holds more epochs than <paramref name="epochs"/>.</exception>
        public static void Epochs(RiemannianMlpTrainerOptions options, int checkpointEpochs, int epochs)
        {
            if (checkpointEpochs > epochs)
                throw new InvalidOperationException(
                    $"Checkpoint '{options.CheckpointPath}' cannot be resumed: it holds {checkpointEpochs} epochs, more than NumberOfEpochs asks for " +
                    $"({epochs}{(options.NumberOfEpochs is null ? ", the default for this data" : "")}). Set NumberOfEpochs to at least {checkpointEpochs} " +
                    "to continue that run, or delete the checkpoint (or choose another CheckpointPath) to train a new one.");
        }

        /// <summary>
        /// The fingerprint's entries that <see cref="Fingerprint"/> writes only while what they name is on, so that one in a
        /// checkpoint and missing now is a difference (<see cref="Training.Checkpoint.CheckMatches"/>).
        /// </summary>
        public static readonly string[] WrittenOnlyWhileOn = { nameof(RiemannianMlpTrainerOptions.ParameterAveragingDecay), nameof(RiemannianMlpTrainerOptions.LearnInputScale) };

        /// <summary>
        /// What a checkpoint must agree on to be resumed: the data's shape, every option the steps depend on and digests of the
        /// cached rows themselves, each formatted with the invariant culture so that a checkpoint resumes under any culture.
        /// </summary>
        /// <remarks>
        /// <see cref="Training.Checkpoint.CheckMatches"/> names every entry that differs in this order, so the order says what is
        /// reported first when one change moves several entries: the shapes first; then the options the user set (every option with a value of
        /// its own, and each nullable one that is set), before the sizes derived from them (a changed MassKind moves the
        /// default batch, curvature rows, learning rate and schedule, and is named itself); then the seed, which decides
        /// the validation split; then the rows' digests; last the label standardization, which follows from the labels.
        /// </remarks>
        /// <param name="options">The trainer's options.</param>
        /// <param name="task">The trainer's task.</param>
        /// <param name="outputMetric">The output metric as the model describes it (invariant culture).</param>
        /// <param name="columns">The checked training columns.</param>
        /// <param name="sizes">The layer sizes, input first.</param>
        /// <param name="trainX">The training features, as cached.</param>
        /// <param name="trainY">The training labels, as the steps see them (standardized for regression).</param>
        /// <param name="trainW">The example weights as the steps see them, or null.</param>
        /// <param name="validation">The validation rows, or null.</param>
        /// <param name="trainingSizes">The sizes resolved from the options and the table.</param>
        /// <param name="seed">The seed in use.</param>
        /// <param name="standardization">The regression label's standardization, or null.</param>
        /// <param name="averaging">The parameter averaging's β in use (0: none).</param>
        public static List<(string Name, string Value)> Fingerprint(RiemannianMlpTrainerOptions options, PredictionTask task, string outputMetric,
            ColumnChecks columns, int[] sizes, FeatureMatrix trainX, Tensor trainY, Tensor? trainW, (FeatureMatrix X, Tensor Y)? validation,
            TrainingSizes trainingSizes, int seed, LabelStandardization? standardization, double averaging)
        {
            static string N(double x) => x.ToString("R", CultureInfo.InvariantCulture);
            static string I(long x) => x.ToString(CultureInfo.InvariantCulture);
            var schedule = Defaults.Schedule(options);
            var set = new List<(string Name, string Value, bool Set)>
            {
                (nameof(options.Activation), options.Activation.ToString(), true),
                (nameof(options.MassKind), options.MassKind.ToString(), true),
                (nameof(options.InputScaling), (options.InputScaling ?? Defaults.InputScaling).ToString(), true),
                (nameof(options.OutputMetric), outputMetric, true),
                (nameof(options.BatchSize), I(trainingSizes.BatchSize), options.BatchSize is not null),
                (nameof(options.OutputRank), I(trainingSizes.OutputRank), options.OutputRank is not null),
                (nameof(options.CurvatureBatchSize), trainingSizes.CurvatureRows > 0 ? I(trainingSizes.CurvatureRows) : "whole batch", options.CurvatureBatchSize is not null),
                (nameof(options.LearningRate), N(Defaults.LearningRate(options)), options.LearningRate is not null),
                (nameof(options.LearningRateSchedule), schedule.GetType().Name.Replace("Schedule", "", StringComparison.Ordinal), options.LearningRateSchedule is not null),
                (nameof(options.WarmupFraction), N(schedule.WarmupFraction), true),
                (nameof(options.CurvatureRefreshSteps), I(trainingSizes.CurvatureRefreshSteps), options.CurvatureRefreshSteps is not null),
                (nameof(options.Momentum), N(options.Momentum), true),
                (nameof(options.Mass), N(options.Mass), true),
                (nameof(options.LayerMasses), options.LayerMasses is null ? "none" : string.Join(",", options.LayerMasses.Select(N)), true),
                (nameof(options.L2Regularization), N(options.L2Regularization), true),
                (nameof(options.WeightDecay), N(options.WeightDecay), true),
                (nameof(options.LabelSmoothing), N(options.LabelSmoothing), true),
                (nameof(options.ValidationSetFraction), options.ValidationSetFraction is { } f ? N(f) : "default", options.ValidationSetFraction is not null),
                (nameof(options.SolvePrecision), options.SolvePrecision.ToString(), true),
                (nameof(options.Shuffle), options.Shuffle.ToString(), true),
                (nameof(options.EarlyStoppingPatience), I(options.EarlyStoppingPatience), true),
            };
            var fingerprint = new List<(string Name, string Value)>
            {
                ("the task", task.ToString()),
                ($"the width of feature column '{columns.FeatureColumn}'", I(columns.FeatureCount)),
                ("the class count", I(columns.ClassCount)),
                ("the training row count", I(trainX.Rows)),
                ("the validation row count", validation is { } v ? I(v.X.Rows) : "none"),
                ("the layer sizes", string.Join("-", sizes)),
            };
            // Only when on, so a checkpoint written before the option existed (without a scale) still resumes.
            if (Defaults.InputScaleOn(options, trainX.Compressed is not null))
                set.Add((nameof(options.LearnInputScale), "True", options.LearnInputScale is not null));
            // Only when asked for, so a checkpoint written before the option existed still resumes (the layer sizes above
            // tell an encoded network from one that is not).
            if (options.InputEncoding is { } encoding)
                set.Add((nameof(options.InputEncoding), encoding.ToString(), true));
            // Only when on, so a checkpoint written before averaging existed resumes with it turned off (0) and is refused,
            // naming it, with it on: that run holds no average to continue.
            if (averaging > 0)
                set.Add((nameof(options.ParameterAveragingDecay), N(averaging), options.ParameterAveragingDecay is not null));
            if (options.PiecewiseLinearBins != Defaults.PiecewiseLinearBins)
                set.Add((nameof(options.PiecewiseLinearBins), I(options.PiecewiseLinearBins), true));
            // OrderBy is stable: the set options keep their order, then the derived ones keep theirs.
            fingerprint.AddRange(set.OrderBy(o => !o.Set).Select(o => (o.Name, o.Value)));
            fingerprint.Add(("the seed", I(seed)));
            // Same counts but other rows, another order or another normalizer would resume into a different run.
            const string digest = "(SHA-256 of their values, in order)";
            fingerprint.Add(($"the training features {digest}", DataDigest.Of(trainX)));
            fingerprint.Add(($"the training labels {digest}", DataDigest.Of(trainY)));
            fingerprint.Add(($"the example weights {digest}", trainW is null ? "none" : DataDigest.Of(trainW)));
            fingerprint.Add(($"the validation rows {digest}", validation is { } held ? DataDigest.Of(held.X, held.Y) : "none"));
            fingerprint.Add(("the label standardization", standardization is { } s ? $"mean {N(s.Mean)}, scale {N(s.Scale)}" : "none"));
            return fingerprint;
        }
    }
}
