using System;
using System.Threading;
using Microsoft.ML;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Model;
using MLNetRiemannian.Numerics;
using MLNetRiemannian.Optimization;
using static TorchSharp.torch;

namespace MLNetRiemannian.Trainers
{
    /// <summary>
    /// Options shared by the three RiemannianMlp trainers. The defaults are meant to work unchanged on normalized
    /// tabular data from a hundred to a hundred thousand rows.
    /// </summary>
    public abstract class RiemannianMlpTrainerOptions
    {
        private protected RiemannianMlpTrainerOptions() { }

        /// <summary>The label column. Default "Label": a key for multiclass, Boolean for binary, Single for regression.</summary>
        public string LabelColumnName = "Label";

        /// <summary>The feature column, a known-size vector of Single. Default "Features".</summary>
        public string FeatureColumnName = "Features";

        /// <summary>
        /// An optional Single column of finite, non-negative example weights. Default none. Rows of weight 0 count for
        /// nothing: a batch (or its curvature rows) weighing 0 in total is skipped and counted in
        /// <see cref="EpochSummary.ZeroWeightBatches"/>; training rows that all weigh 0 throw before training.
        /// </summary>
        public string? ExampleWeightColumnName;

        /// <summary>
        /// Widths of the hidden layers, input side first; an empty array trains a linear model. Default null: one layer
        /// of 256, narrower for very wide inputs so that the first layer holds at most 4,194,304 weights (256 units up to
        /// 16,383 feature slots, 31 at 131,073, at least 16); the first log line of Fit says what was chosen.
        /// </summary>
        public int[]? HiddenLayerSizes;

        /// <summary>The hidden layers' nonlinearity. Default ReLU.</summary>
        public ActivationKind Activation = ActivationKind.ReLU;

        /// <summary>The output metric M. Default <see cref="Defaults.OutputMetric"/> (<see cref="OutputMetricKind.Identity"/>; Gauss-Newton measured against it: docs/method.md section 11.4).</summary>
        public OutputMetricKind OutputMetric = Defaults.OutputMetric;

        /// <summary>ε added to the Gauss-Newton metric's diagonal (the softmax Hessian is singular). Default 0.1.</summary>
        public double GaussNewtonEpsilon = Defaults.GaussNewtonEpsilon;

        /// <summary>
        /// For <see cref="OutputMetricKind.Custom"/>: maps outputs <c>[B, d]</c> and targets to symmetric positive
        /// definite matrices <c>[B, d, d]</c>. Targets are class indices (Int64 <c>[B]</c>), 0/1 (Single <c>[B]</c>) or
        /// values (Single <c>[B, 1]</c>).
        /// </summary>
        public Func<Tensor, Tensor, Tensor>? CustomOutputMetric;

        /// <summary>
        /// The mass <c>D</c> of every layer's metric. Default <see cref="Trainers.MassKind.Adaptive"/>: built each step from the
        /// gradient's running second moments, so η acts like Adam's rate on the directions the metric does not see.
        /// <see cref="Trainers.MassKind.Fixed"/> uses <see cref="Mass"/> or <see cref="LayerMasses"/> (the paper's step).
        /// </summary>
        public MassKind MassKind = MassKind.Adaptive;

        /// <summary>
        /// A per-feature scaling with smooth clipping, learned from the training rows and kept in the model
        /// (<see cref="InputScalingKind.Robust"/>), so skewed columns and outliers reach the first layer tamed;
        /// <see cref="InputScalingKind.None"/> feeds the features as the pipeline gives them. Default null: a new model
        /// takes <see cref="Defaults.InputScaling"/> (<see cref="InputScalingKind.Robust"/>, measured on the table suite:
        /// docs/method.md section 11.4), and a warm start continues with the initial model's own scaling, or none for a
        /// model trained without one (models saved before format version 5 among them). A warm start that asks for
        /// <see cref="InputScalingKind.Robust"/> on a model without a scaling is refused.
        /// </summary>
        public InputScalingKind? InputScaling;

        /// <summary>
        /// A learnable per-feature input scale <c>z_j = s_j·x_j</c> (one factor per feature slot, initialized to 1) between
        /// the input scaling and the first layer, trained with the network as a diagonal module with its own n × n metric
        /// (docs/method.md section 10.1) and kept in the model (the managed scorer, the ONNX export and a warm start apply
        /// it). Sparse features stay sparse (s multiplies stored values only), but the first layer then takes the dense
        /// step instead of the column-sparse one (docs/method.md section 12). Default null: a new model takes
        /// <see cref="Defaults.LearnInputScale"/> for dense features (false: no gain on the table suite, docs/method.md section
        /// 11.4) and no scale for sparse ones, and a warm
        /// start continues with the initial model's scale, or none for a model without one (models saved before format
        /// version 6 among them). A warm start that asks for a scale on a model without one is refused.
        /// </summary>
        /// <remarks>Source: the per-feature scaling layer of RealMLP (Holzmüller, Grinsztajn and Steinwart, NeurIPS 2024).</remarks>
        public bool? LearnInputScale;

        /// <summary>
        /// A piecewise linear encoding of each feature slot after the input scaling (<see cref="InputEncodingKind.PiecewiseLinear"/>):
        /// the slot's training values are cut into up to <see cref="PiecewiseLinearBins"/> bins at their quantiles, and the
        /// first layer sees the value and, per bin, how far into it the value lies (0 below, 1 above), so it can put a
        /// threshold at any quantile as a tree does (docs/method.md section 10.2). Learned from the training rows and kept in
        /// the model (the managed scorer, the ONNX export and a warm start apply it); the encoded rows are dense. Default
        /// null: a new model takes <see cref="Defaults.InputEncoding"/> when the encoded rows stay within
        /// <see cref="Defaults.MaximumEncodedInputs"/> inputs and <see cref="Defaults.MaximumEncodedValues"/> values (images,
        /// text and hashed features keep one input per slot; the log says which), and a warm start continues with the initial
        /// model's encoding or none. Asking for it on sparse features too wide to make dense, or on a warm start of a model
        /// without one, is refused.
        /// </summary>
        /// <remarks>Source: the piecewise linear encoding of Gorishniy, Rubachev and Babenko, "On Embeddings for Numerical
        /// Features in Tabular Deep Learning" (NeurIPS 2022).</remarks>
        public InputEncodingKind? InputEncoding;

        /// <summary>The most bins <see cref="InputEncoding"/> cuts a slot into, from 2 to 256; a slot with fewer distinct training values gets fewer. Default <see cref="Defaults.PiecewiseLinearBins"/>.</summary>
        public int PiecewiseLinearBins = Defaults.PiecewiseLinearBins;

        /// <summary>
        /// μ, the scalar mass of every layer with <see cref="Trainers.MassKind.Fixed"/> (docs/method.md section 4). Larger is
        /// more conservative: directions the batch's metric does not see move like plain SGD with rate <c>η/μ</c>. Default 1.
        /// </summary>
        public double Mass = Defaults.Mass;

        /// <summary>Per-layer masses with <see cref="Trainers.MassKind.Fixed"/>, input side first (hidden layers then the output layer); overrides <see cref="Mass"/>. Default none.</summary>
        public double[]? LayerMasses;

        /// <summary>
        /// η. Default null: 0.08 with the adaptive mass, where a layer with <c>in</c> inputs moves the directions the metric
        /// does not see like Adam with rate <c>η/√(in + 1)</c> (0.01 for a layer of 256 inputs; docs/method.md section 9.1);
        /// 0.2 with the fixed mass, so that <c>η/μ = 0.2</c>: the rule to keep when changing μ, since the step along
        /// directions the metric does not see is <c>η/μ</c> times the gradient, and with momentum 0.9 ten times that in the
        /// long run. The metric is averaged over the batch (docs/method.md section 2), so η needs no rescaling with the
        /// batch size. The schedule multiplies it step by step.
        /// </summary>
        public double? LearningRate;

        /// <summary>
        /// The learning rate's schedule over the planned steps (<see cref="NumberOfEpochs"/> × batches per epoch; early
        /// stopping does not shorten it). Default null: <see cref="LearningRateScheduleKind.Cosine"/> with the adaptive
        /// mass, <see cref="LearningRateScheduleKind.Constant"/> with the fixed mass.
        /// </summary>
        public LearningRateScheduleKind? LearningRateSchedule;

        /// <summary>The share of the planned steps over which a cosine or linear schedule warms up from 0, in [0, 1). Default 0.02.</summary>
        public double WarmupFraction = Defaults.WarmupFraction;

        /// <summary>
        /// Momentum in [0, 1): with the adaptive mass, β₁ of the directions' running average (bias-corrected, as in Adam);
        /// with the fixed mass, heavy-ball momentum on the Riemannian direction. Default 0.9.
        /// </summary>
        public double Momentum = Defaults.Momentum;

        /// <summary>
        /// Steps each draw of curvature rows serves: their inputs and pulled-back factor rows at every layer are kept
        /// this many steps, and the steps in between pull back the gradient alone (docs/method.md section 9.2). Default
        /// null: 8 with the adaptive mass, 1 (every step) with the fixed mass, whose unseen directions move like SGD and
        /// diverge with a stale metric.
        /// </summary>
        public int? CurvatureRefreshSteps;

        /// <summary>
        /// Rows per step. Default null: 64 up to 6,400 training rows, then 64 per 6,400 rows (rounded), at most 256 with the
        /// adaptive mass and 512 with the fixed mass.
        /// </summary>
        public int? BatchSize;

        /// <summary>
        /// Rows of each batch that enter the metric (curvature subsampling: the gradient uses the whole batch, the
        /// Woodbury system only these rows); 0 uses the whole batch. Default null: 16 with the adaptive mass, 64 with the
        /// fixed mass, or the whole batch if smaller.
        /// The step's cost grows with the cube of this times the outputs, and only linearly with the batch.
        /// </summary>
        public int? CurvatureBatchSize;

        /// <summary>
        /// k, the rows of the output metric's factor per curvature sample: each step then uses a random factor R with
        /// <c>E[Rᵀ R] = M</c> (sampled labels for the softmax Gauss-Newton metric, a random orthogonal sketch of the
        /// factor otherwise), so every layer's inner system has <c>b·k</c> rows instead of <c>b·d</c> for d outputs.
        /// 0, or any value ≥ d, uses the exact factor (d rows). Draws come from the trainer's seeded generator.
        /// Default null: the exact factor while <c>b·d</c> is at most 640 (40 classes at the adaptive mass's 16 curvature
        /// rows, 10 at the fixed mass's 64), else the largest k with <c>b·k ≤ 256</c> (16 at 16 curvature rows, 4 at 64); with k set and the curvature rows left open,
        /// the curvature rows are cut to keep <c>b·k ≤ 256</c>. The first lines of the training log say what was chosen
        /// and how large each layer's inner system is.
        /// </summary>
        public int? OutputRank;

        /// <summary>
        /// Passes over the training data. Default null: enough epochs for about 1,000 steps per 10 outputs (1,000 for up to 10; 500 per 10 on a table of fewer than 1,000 rows, where by default nothing is held out), at least 5 and at most 200.
        /// </summary>
        public int? NumberOfEpochs;

        /// <summary>L2 penalty λ on the weights (not the biases), added to the gradient as <c>λ·W</c>. Default 0. See also <see cref="WeightDecay"/>.</summary>
        public double L2Regularization;

        /// <summary>
        /// β in [0, 1) of the parameters' exponential moving average (Polyak averaging of the iterates): after each step
        /// <c>θ̄ ← β_t θ̄ + (1 − β_t) θ</c> with <c>β_t = min(β, (1 + t)/(10 + t))</c> at step t, and the model is θ̄ — the
        /// validation each epoch, the best epoch kept and the returned parameters are the average's, while the steps move
        /// θ as always (docs/method.md section 11.6). The reported training loss and metric are those of the batches at θ.
        /// The ramp bounds β_t below 0.9 until step 80 and below 0.99 until step 890, so a run that short (or whose kept
        /// epoch comes that early) averages alike for every β above it. 0 turns it off. Default null: 0.99, except when the first layer would take the column-sparse step on sparse
        /// features (averaging touches every weight each step; there it is off). Set there, it makes that layer take the
        /// dense step (docs/method.md section 12), at the cost of every column at every step; the log says so. A checkpoint
        /// written with averaging resumes only with it, and one written without it only with 0.
        /// </summary>
        public double? ParameterAveragingDecay;

        /// <summary>
        /// Label smoothing α in [0, 1) for classification: the loss is the cross-entropy against <c>(1 − α)·y + α/K</c>
        /// (K classes; K = 2 for binary) instead of the one-hot label y (docs/method.md section 11). Ignored for regression.
        /// The reported training loss is the smoothed one. Default 0.
        /// </summary>
        public double LabelSmoothing = Defaults.LabelSmoothing;

        /// <summary>
        /// Seed for initialization, shuffling and the validation split. Default: the MLContext's seed, else 0. The same
        /// seed, data (in the same order), options and <see cref="NumberOfThreads"/> give a bit-identical model on the
        /// same machine. A different thread count, or a CPU with other vector instructions, changes how libtorch splits
        /// its sums and so the last bits of every step, and from there the model.
        /// </summary>
        public int? Seed;

        /// <summary>Shuffle the rows every epoch. Default true.</summary>
        public bool Shuffle = true;

        /// <summary>Data to report a validation metric on, to stop early with, and to choose the epoch a <see cref="StopToken"/> stop keeps. Default none.</summary>
        public IDataView? ValidationSet;

        /// <summary>
        /// When no <see cref="ValidationSet"/> is given, the fraction of training rows held out for validation, in [0, 0.5]
        /// (stratified by class for classification): each epoch is evaluated on them, training stops early on them
        /// (<see cref="EarlyStoppingPatience"/>) and the model keeps the best epoch's parameters. 0 trains on every row,
        /// with nothing held out. Default null: 0.2 when the table has at least 1,000 rows, none below that (too few rows to
        /// spare: measured in docs/benchmarks/tables/screening/hold-out; the log says so). Named as ML.NET's ImageClassificationTrainer names it
        /// (<c>ValidationFraction</c> before MLNetRiemannian 0.1).
        /// </summary>
        public double? ValidationSetFraction;

        /// <summary>
        /// With validation: stop after this many epochs without improvement and keep the best epoch's parameters
        /// (<see cref="RiemannianMlpModelParameters.Outcome"/> says so); 0 never stops early and keeps the last epoch. Default 5.
        /// </summary>
        public int EarlyStoppingPatience = Defaults.EarlyStoppingPatience;

        /// <summary>
        /// Decoupled weight decay λ ≥ 0 (AdamW's): after each step's direction is computed, every weight (not the biases)
        /// shrinks by <c>w ← w − η·s_t·λ·w</c>, with η the learning rate and s_t the schedule's factor. It enters neither
        /// the gradient nor the mass (unlike <see cref="L2Regularization"/>, whose <c>λw</c> the metric preconditions;
        /// docs/method.md section 11). Default 0.
        /// </summary>
        public double WeightDecay = Defaults.WeightDecay;

        /// <summary>Precision of the Woodbury inner solve. Default <see cref="Numerics.SolvePrecision.Single"/>.</summary>
        public SolvePrecision SolvePrecision = SolvePrecision.Single;

        /// <summary>
        /// Threads for libtorch while training. Default null: one thread for a network of at most 65,536 parameters (every
        /// dense table's default network up to about 250 features: its step is too small to share, and a second thread costs
        /// more than it gives, most of all when other processes want the cores; docs/method.md section 11.5), else the
        /// process's count (libtorch's own choice unless the app set one). libtorch's count is process-wide, so concurrent fits in one process that ask for different counts
        /// take turns (the later one waits, and its log says so); fits with the same count run together. Each gives the
        /// model it gives alone. The process's count is restored when the last fit ends.
        /// </summary>
        public int? NumberOfThreads;

        /// <summary>
        /// Record per-epoch, per-layer training diagnostics (docs/method.md section 1: the gradient's dual norm, the solver
        /// residual, the step's metric length, the action against the loss decrease, the inner system's condition) in
        /// <see cref="EpochSummary.Diagnostics"/> and the log. Costs roughly one extra forward pass and a few
        /// matrix-vector products per layer and step. Default false (no cost).
        /// </summary>
        public bool RecordDiagnostics;

        /// <summary>Called after every epoch with its summary. Default none.</summary>
        public IProgress<EpochSummary>? Progress;

        /// <summary>
        /// A graceful stop: when this token is cancelled (from any thread), training ends before its next step and
        /// <c>Fit</c> returns a model as usual. With validation (<see cref="ValidationSet"/> or
        /// <see cref="ValidationSetFraction"/>, whether or not <see cref="EarlyStoppingPatience"/> is on) the model holds the
        /// parameters of the epoch end with the best validation metric so far; without, those of the moment of the stop.
        /// The epoch the stop interrupts is left out of the history; <see cref="RiemannianMlpModelParameters.Outcome"/>
        /// says that training was stopped, in which epoch and after how many of its steps, and which epoch's parameters
        /// were kept. A token cancelled before <c>Fit</c> starts returns the initial network. Unlike this,
        /// <c>mlContext.CancelExecution()</c> aborts: <c>Fit</c> throws <see cref="OperationCanceledException"/>.
        /// Default none (<see cref="CancellationToken.None"/>).
        /// </summary>
        public CancellationToken StopToken;

        /// <summary>
        /// A file for checkpoints and resume. Default null: none. When set, <c>Fit</c> writes a checkpoint here every
        /// <see cref="CheckpointEveryEpochs"/> epochs, atomically (a temporary file in the same folder, flushed, then renamed
        /// over this one, so a crash never leaves a partial checkpoint). It holds everything the next step depends on: the
        /// weights, the momentum, the learning rate after any recovery halving, the last-good snapshot and step counter, the
        /// early-stopping state and best parameters, the history and the random generator's state. When the file exists at
        /// <c>Fit</c>, training resumes from it and continues exactly as the uninterrupted run would have (bit-identical
        /// weights) up to <see cref="NumberOfEpochs"/> in all; delete it to start afresh. A resume with other data (feature
        /// width, class count, rows) or contradicting options (layer sizes, activation, batch size, learning rate, momentum,
        /// seed, output metric and rank, curvature rows, ...) throws <see cref="InvalidOperationException"/> naming both
        /// values; a damaged file throws <see cref="System.IO.InvalidDataException"/>. Resumed epochs carry no
        /// <see cref="EpochSummary.Diagnostics"/>.
        /// </summary>
        public string? CheckpointPath;

        /// <summary>Epochs between checkpoints when <see cref="CheckpointPath"/> is set; positive. Default 1.</summary>
        public int CheckpointEveryEpochs = 1;
    }
}
