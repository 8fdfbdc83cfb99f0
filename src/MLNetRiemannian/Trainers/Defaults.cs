using System;

namespace MLNetRiemannian.Trainers
{
    /// <summary>
    /// Every default of the RiemannianMlp trainers in one place (ML.NET's <c>Options.Defaults</c> convention): the
    /// constants the catalog overloads and <see cref="RiemannianMlpTrainerOptions"/> start from, and the rules that
    /// derive the sizes the options leave open (batch, curvature rows, output rank, epochs) from the table's shape.
    /// </summary>
    internal static class Defaults
    {
        /// <summary>η with the fixed mass (see <see cref="RiemannianMlpTrainerOptions.LearningRate"/> for the η/μ rule).</summary>
        public const double FixedMassLearningRate = 0.2;

        /// <summary>
        /// η with the adaptive mass: a layer with <c>in</c> inputs moves the directions the metric does not see like Adam
        /// with rate <c>η/√(in + 1)</c>. Chosen on held-out training rows of three tables (the <c>compare</c> benchmark's
        /// <c>--evaluate validation</c>, one seed, default options otherwise): LetterRecognition's accuracy after its default
        /// 26 epochs was 0.862, 0.884 and 0.901 at η = 0.08, 0.12 and 0.16 (the fixed mass: 0.896); Fashion-MNIST's after
        /// 12 epochs 0.891, 0.891 and 0.886 (after one epoch 0.853, 0.838, 0.842); the digits' 0.977 at 0.08 and 0.16.
        /// 0.16 was then the smallest rate that kept LetterRecognition at the fixed mass's accuracy. Chosen again on
        /// 2026-12-07, with the robust input scaling, the bounded inner systems and 500 steps on small tables in place: on
        /// the nineteen meta-train tables (three seeds) η = 0.08 scored +0.27 points against 0.16 (PimaIndiansDiabetes2
        /// +4.5, attrition +1.0, austen_lines +0.9; Vowel −1.5, two_class_dat −0.6, LetterRecognition 0.9593 against
        /// 0.9613) and 0.24 −0.34 (docs/benchmarks/tables/screening/learning-rate); on Fashion-MNIST's held-out training
        /// rows (three seeds) 0.8604 after one epoch against 0.8545, 0.8977 at best against 0.8986.
        /// </summary>
        public const double AdaptiveMassLearningRate = 0.08;

        /// <summary>β₂, the decay of the adaptive mass's running second moments (Adam's default).</summary>
        public const double SecondMomentDecay = 0.999;

        /// <summary>Steps each draw of curvature rows serves with the adaptive mass.</summary>
        public const int CurvatureRefreshSteps = 8;

        /// <summary>η for <paramref name="kind"/>.</summary>
        public static double LearningRateFor(MassKind kind) => kind == MassKind.Adaptive ? AdaptiveMassLearningRate : FixedMassLearningRate;

        /// <summary>The options' η, or the default for their mass.</summary>
        public static double LearningRate(RiemannianMlpTrainerOptions options) => options.LearningRate ?? LearningRateFor(options.MassKind);

        /// <summary>The options' schedule, or the default for their mass: cosine with the adaptive mass, constant with the fixed one.</summary>
        public static Optimization.LearningRateSchedule Schedule(RiemannianMlpTrainerOptions options) =>
            (options.LearningRateSchedule ?? (options.MassKind == MassKind.Adaptive ? LearningRateScheduleKind.Cosine : LearningRateScheduleKind.Constant)) switch
            {
                LearningRateScheduleKind.Cosine => Optimization.LearningRateSchedule.Cosine(options.WarmupFraction),
                LearningRateScheduleKind.Linear => Optimization.LearningRateSchedule.Linear(options.WarmupFraction),
                _ => Optimization.LearningRateSchedule.Constant,
            };

        /// <summary>μ, the scalar mass of every layer.</summary>
        public const double Mass = 1;

        /// <summary>Heavy-ball momentum β.</summary>
        public const double Momentum = 0.9;

        /// <summary>The share of the planned steps the learning rate warms up over.</summary>
        public const double WarmupFraction = 0.02;

        /// <summary>The default schedule of the default (adaptive) mass: a linear warm-up over <see cref="WarmupFraction"/> of the planned steps, then a cosine to 0.</summary>
        public static Optimization.LearningRateSchedule AdaptiveSchedule => Optimization.LearningRateSchedule.Cosine(WarmupFraction);

        /// <summary>One hidden layer of this width, unless the input is very wide (<see cref="HiddenLayerSizes"/>).</summary>
        public const int HiddenLayerSize = 256;

        /// <summary>
        /// Weights the first layer may hold when the options leave the hidden layers open. The first layer's weights,
        /// averaged direction and second moments are dense in memory (and a dense step reads and writes them whole; the
        /// column-sparse step of sparse inputs only the columns a batch uses), so its size sets a wide table's memory:
        /// 4,194,304 weights keep 256 units up to 16,383 slots (every dense table here) and narrow the layer for hashed
        /// or text features.
        /// </summary>
        public const long FirstLayerWeightBudget = 1L << 22;

        /// <summary>
        /// The narrowest default hidden layer, reached above 2²²/8 = 524,287 slots. Training holds the first layer about four
        /// times over (the weights, the averaged direction, the last-good snapshot and, with the default hold-out, the best
        /// epoch's), so its width sets a very wide input's memory: for three ids hashed to 2²⁰ slots each (field case c31)
        /// 16 units made a fit peak at 992 MiB and 8 at 605 MiB, with the same hold-out AUC within noise (0.547 and 0.542;
        /// SdcaLogisticRegression 0.542). Every table of the suite has fewer slots, so none is affected.
        /// </summary>
        public const int MinimumHiddenLayerSize = 8;

        /// <summary>
        /// One hidden layer of <see cref="HiddenLayerSize"/> units, narrowed so that the first layer holds at most
        /// <see cref="FirstLayerWeightBudget"/> weights, never below <see cref="MinimumHiddenLayerSize"/>.
        /// </summary>
        /// <param name="slots">The feature vector's length.</param>
        public static int[] HiddenLayerSizes(int slots) =>
            new[] { (int)Math.Clamp(FirstLayerWeightBudget / (slots + 1L), MinimumHiddenLayerSize, HiddenLayerSize) };

        /// <summary>
        /// Networks of at most this many parameters train on one libtorch thread when the options leave
        /// <see cref="RiemannianMlpTrainerOptions.NumberOfThreads"/> open. Their step is a few hundred small operations (a
        /// 64-256-10 network at batch 64 multiplies about 1.2 M weights by rows per step), too small for a second thread to
        /// share, while OpenMP's hand-over between threads costs at every one of them and far more when another process
        /// wants the cores: on 2 shared cores (load 9) the default step (<c>step --mass adaptive</c>) took 1.2 ms on one
        /// thread and 2.2 ms on two for 34-256-1 at batch 64, 1.5 and 7.7 ms for 64-256-10, 4.9 and 15.2 ms for 16-256-26
        /// at batch 128, and 9.0 and 9.3 ms for 784-256-10 at batch 256 (Fashion-MNIST's 203,530 parameters, above the
        /// bound, keep the process's count). 65,536 holds every dense table of the suite's default networks (up to
        /// 180-256-3's 47,107) and none of the image or text ones.
        /// </summary>
        public const long SingleThreadParameters = 1L << 16;

        /// <summary>
        /// libtorch's thread count for a fit of a network of <paramref name="sizes"/>: the options' <c>NumberOfThreads</c>
        /// when set, else one thread for a network of at most <see cref="SingleThreadParameters"/> parameters, else null (the
        /// process's count).
        /// </summary>
        public static int? Threads(RiemannianMlpTrainerOptions options, int[] sizes) =>
            options.NumberOfThreads ?? (ModelSizeCheck.Parameters(sizes) <= SingleThreadParameters ? 1 : null);

        /// <summary>
        /// The output metric M (docs/method.md section 5). Identity. Gauss-Newton (the loss's Hessian in the outputs, plus
        /// <see cref="GaussNewtonEpsilon"/>) was measured against it and left an option: on the 19 meta-train tables (three
        /// seeds, docs/benchmarks/tables/screening/output-metric) +1.34 points against LightGbm instead of +1.14, one or two
        /// test rows a table, but −0.24 on the meta-test tables (docs/benchmarks/tables/suite/2026-12-07-gauss-newton); on
        /// Fashion-MNIST level in time to each accuracy level over two runs (docs/benchmarks/compare/output-metric and
        /// 2026-12-07-gauss-newton) and 0.2–0.4 points higher from epoch 4 on; its step between refreshes took 1.20–1.57×
        /// Adam's at batch 128 in three runs against the identity's 0.89–1.20× (docs/benchmarks/step/output-metric-2026-12-07:
        /// the output layer's 160-row inner system replaces the identity's block-diagonal solve), with the bound at 1.3×.
        /// </summary>
        public const OutputMetricKind OutputMetric = OutputMetricKind.Identity;

        /// <summary>ε added to the Gauss-Newton output metric's diagonal.</summary>
        public const double GaussNewtonEpsilon = 0.1;

        /// <summary>
        /// Epochs without validation improvement before early stopping. On the meta-train tables of 1,000+ rows with the
        /// default hold-out (three seeds, docs/benchmarks/tables/screening/hold-out-confirm) 10 kept the same epochs as 5
        /// and took half again as long.
        /// </summary>
        public const int EarlyStoppingPatience = 5;

        /// <summary>
        /// The share of the training rows held out for validation when the options leave <c>ValidationSetFraction</c> open
        /// (null) and give no validation set: each epoch is evaluated on them, training stops early on them and the model
        /// keeps the best epoch. On the five meta-train tables of 1,000+ rows (three seeds,
        /// docs/benchmarks/tables/screening/hold-out-confirm) 20 % held out gave the same accuracy as training on every
        /// row (−0.05 points on average: attrition +3.1, DNA −1.9, digits −1.2) in a third less fit time. 10 % did as well on
        /// those tables with one seed (docs/benchmarks/tables/screening/hold-out) and was not confirmed with three.
        /// </summary>
        public const double ValidationSetFraction = 0.2;

        /// <summary>
        /// The fewest rows a table needs for the automatic hold-out. Below it the rows are too few to spare: on the table
        /// suite's small meta-train tables (docs/benchmarks/tables/screening/hold-out, one seed) holding out 20 % cost more
        /// than choosing the epoch gained, even with the whole schedule run and the best epoch kept (Servo −8 points of R²,
        /// Glass −5, ad_data −3 against training on every row), and early stopping on 30-odd validation rows stopped
        /// the schedule at its high learning rate (Servo −83, Glass −23 at a patience of 5). Refitting on every row for the
        /// epoch a hold-out chose scored −0.02 points on the fourteen meta-train tables under this bound (three seeds; ±4 to 6
        /// points a table both ways: docs/benchmarks/tables/screening/small-table-refit), so below it every row trains.
        /// </summary>
        public const long MinimumRowsForHoldOut = 1000;

        /// <summary>
        /// The fraction of <paramref name="rows"/> training rows to hold out: none when a validation set is given, the
        /// options' fraction when they set one (0: none), else <see cref="ValidationSetFraction"/> on tables of at least
        /// <see cref="MinimumRowsForHoldOut"/> rows and none below.
        /// </summary>
        public static double HeldOutFraction(RiemannianMlpTrainerOptions options, long rows, bool validationSetGiven) =>
            validationSetGiven ? 0 : options.ValidationSetFraction ?? (rows >= MinimumRowsForHoldOut ? ValidationSetFraction : 0);

        /// <summary>
        /// Decoupled weight decay λ (<c>w ← w − η·s_t·λ·w</c> each step). 0: on ten meta-train tables (one seed,
        /// docs/benchmarks/tables/screening/weight-decay) λ = 0.01, 0.03 and 0.1 gained up to 3 points on small binary
        /// tables and lost 4, 11 and 26 on LetterRecognition and 2.5, 7 and 13 points of R² on Boston: the decay per step
        /// is η·λ and the runs take 600 to 2,700 steps, so no one λ suits them.
        /// </summary>
        public const double WeightDecay = 0;

        /// <summary>
        /// β of the parameters' moving average when the options leave it open (<see cref="ParameterAveraging"/>). 0.99: on
        /// Fashion-MNIST's held-out training rows (the last 10,000; seed 1, 12 epochs) the average was 0.8 points ahead
        /// after epoch 1, 1.5 after epoch 2 and reached 88 % in 2 epochs against 4.25, smoothed the dips of single steps
        /// (−2.5 points at epoch 5) and ended level (0.8948 both); on LetterRecognition's 0.7–2 points ahead from epoch 2
        /// to 9 and level at the end; on the digits' behind after epoch 1 (0.9115 against 0.9500, 17 steps an epoch),
        /// within a held-out row from epoch 5 and a row ahead at the end. On the 19 meta-train tables (three seeds) +1.14
        /// points against LightGbm as without it, no table moving more than 0.3. β = 0.995 and 0.999 scored within 0.05
        /// points of 0.99 on Fashion-MNIST (the rule's warm-up, <c>(1 + t)/(10 + t)</c>, sets β_t for the first 890
        /// steps). docs/benchmarks/compare/averaging.
        /// </summary>
        public const double ParameterAveragingDecay = 0.99;

        /// <summary>
        /// The averaging's β for <paramref name="options"/>: theirs when set, else <see cref="ParameterAveragingDecay"/>,
        /// or 0 when the first layer would take the column-sparse step (<paramref name="columnSparseEligible"/>, see
        /// <see cref="TrainingSizes.ColumnSparseEligible"/>), whose untouched weights the average would have to visit every step.
        /// </summary>
        public static double ParameterAveraging(RiemannianMlpTrainerOptions options, bool columnSparseEligible) =>
            options.ParameterAveragingDecay ?? (columnSparseEligible ? 0 : ParameterAveragingDecay);

        /// <summary>
        /// Label smoothing α for classification. 0: α = 0.1 gained 0.46 points on ten meta-train tables with one seed but
        /// lost 0.11 on all 19 with three (DNA +2.4, attrition −2.8; docs/benchmarks/tables/screening/label-smoothing).
        /// </summary>
        public const double LabelSmoothing = 0;

        /// <summary>
        /// The input scaling (docs/method.md section 10). Robust: on the 19 meta-train tables (three seeds, the default
        /// hold-out; docs/benchmarks/tables/screening/robust-default) RiemannianMlp − LightGbm went from +0.02 to +0.55 points
        /// on average, 11 tables at or above LightGbm either way, LetterRecognition from 0.911 to 0.961 and Servo's R² up 9.4
        /// points, for PimaIndiansDiabetes2 −4.5, Boston −2.4 (R²) and Glass −2.3 (one test row). A hidden layer of 512, two
        /// of 256, η 0.08 or 0.24, label smoothing 0.1 or weight decay 0.003 on top of it added nothing with one seed (the
        /// decay, confirmed with three, +0.05 points: within the seeds' spread).
        /// </summary>
        public const InputScalingKind InputScaling = InputScalingKind.Robust;

        /// <summary>
        /// The learnable per-feature input scale (docs/method.md section 10.1) for dense features. Off: on the 19 meta-train
        /// tables (one seed, LightGbm in the same run; docs/benchmarks/tables/screening/input-scale) RiemannianMlp − LightGbm
        /// went from +0.25 to +0.13 points on average and from 9 to 8 tables at or above LightGbm (the 18 dense tables:
        /// +0.37 to +0.12, 9 to 7): Servo +3.5 points of R², Vowel +1.0, but Ionosphere −5.7 (4 of 70 test rows), digits
        /// −1.4, HouseVotes84 −1.1; a tenth of the rate for s scored −0.03. Not helpful on the screen, so not confirmed
        /// with three seeds.
        /// </summary>
        public const bool LearnInputScale = false;

        /// <summary>
        /// Whether a new model learns an input scale: the option when set; else <see cref="LearnInputScale"/> for dense
        /// features, and no scale for sparse ones, whose first layer would otherwise lose the column-sparse step.
        /// </summary>
        public static bool InputScaleOn(RiemannianMlpTrainerOptions options, bool sparseInput) => options.LearnInputScale ?? (LearnInputScale && !sparseInput);

        /// <summary>
        /// The input encoding of a new model (docs/method.md section 10.2), within <see cref="MaximumEncodedInputs"/> and
        /// <see cref="MaximumEncodedValues"/>. Piecewise linear: on the 19 meta-train tables (three seeds, default options
        /// otherwise, docs/benchmarks/tables/screening/input-encoding) RiemannianMlp − LightGbm went from +0.71 to +1.14 points
        /// on average and from 11 to 12 tables at or above LightGbm (Boston +4.8 points of R², Ionosphere +4.3, Glass +2.3,
        /// Servo +1.6), for PimaIndiansDiabetes2 −5.2 (a table a linear model fits best: SDCA 0.779) and LetterRecognition
        /// −0.2. The bins alone, without the value (8 bins), scored +0.84 with 9 tables at or above LightGbm and
        /// LetterRecognition −1.8.
        /// </summary>
        public const InputEncodingKind InputEncoding = InputEncodingKind.PiecewiseLinear;

        /// <summary>
        /// The most bins the piecewise linear encoding cuts a slot into. 4: on the same screen 8 bins scored +1.08 points
        /// (11 tables at or above LightGbm) and 16 bins +0.96 (10), against 4's +1.14 (12), in wider first layers.
        /// </summary>
        public const int PiecewiseLinearBins = 4;

        /// <summary>
        /// The widest encoded input the defaults make: the first layer's weights and each step's input GEMMs grow with it, so
        /// up to about 400 dense slots of many values are encoded at 4 bins (each 5 inputs), and an image keeps one input per
        /// slot (Fashion-MNIST's 784 pixels would make 2,534 inputs: many of its pixels are mostly 0, so their quantiles tie).
        /// </summary>
        public const int MaximumEncodedInputs = 2048;

        /// <summary>The most values (rows × encoded inputs, 512 MiB of Float32) the defaults let the encoded training rows hold.</summary>
        public const long MaximumEncodedValues = 1L << 27;

        /// <summary>Rows of each batch in the metric when the options leave it open, with the fixed mass.</summary>
        public const int CurvatureRows = 64;

        /// <summary>
        /// Rows of each batch in the metric with the adaptive mass. Its unseen directions move like Adam's, so the metric
        /// need not see much of the batch; the inner system (b·d rows) and the pullback of the factor shrink with b, and
        /// every step between refreshes still solves it (docs/method.md section 9.2).
        /// </summary>
        public const int AdaptiveCurvatureRows = 16;

        /// <summary>
        /// The bound on every inner system's rows, <c>b·k</c> (b curvature rows, k factor rows each), when the defaults
        /// sample the output factor (more than <see cref="ExactInnerSystemRows"/> rows exactly). The step's cost grows
        /// with the cube of the rows: on c17 (120 classes; 1,072 steps; each fit in its own process on 2 busy cores)
        /// 512 rows fitted in 8.5× SdcaMaximumEntropy's time, 256 in 4–4.6×, 128 in 2×, all to training accuracy 1; on
        /// LetterRecognition's validation rows 416 to 512 rows gave the same accuracy at the same steps (0.817–0.820),
        /// and so did 256 rows split as 64×4, 32×8 or 16×16 (0.900–0.905 at 30 epochs). 256 is well within the issue's
        /// bound of about 512, with room for the data's own cost.
        /// </summary>
        public const int InnerSystemRows = 256;

        /// <summary>
        /// Up to this many rows (<c>b·d</c>) the defaults keep the exact factor: 64 curvature rows × 10 classes, so
        /// 10-class problems (digits, Fashion-MNIST) train exactly as before the output rank existed. The largest inner
        /// system the defaults make is therefore 640 rows, whatever the number of outputs.
        /// </summary>
        public const int ExactInnerSystemRows = 640;

        /// <summary>
        /// With the adaptive mass, the exact factor up to this many rows (16 curvature rows × 16 outputs) and beyond it a
        /// sampled factor of <see cref="AdaptiveInnerSystemRows"/> rows (8 directions per sample at 16 rows): its steps are
        /// otherwise cheap, and every one of them (between refreshes too) factorizes the inner system, whose Gram and
        /// Cholesky grow with the square and the cube of its rows. On LetterRecognition (26 classes: 416 rows exactly)
        /// the 16→256 layer's solve was 2.2 of a 3.0 ms step. The suite's three meta-train tables this changes, three seeds
        /// each (docs/benchmarks/tables/screening/output-rank): LetterRecognition 0.9618 against 0.9593 exactly (each seed
        /// above the exact factor's best) in 4.5 s against 9.0 s; c17 (120 classes, 256 rows before) 1.0 in 2.9 s against
        /// 4.1 s (one seed one test row lower); Vowel (11 classes), sampled at 8 against exactly, the same median 0.9646, so
        /// 16 outputs stay exact. Ten classes (digits, Fashion-MNIST: 160 rows) are not affected.
        /// </summary>
        public const int AdaptiveExactInnerSystemRows = 256, AdaptiveInnerSystemRows = 128;

        /// <summary>Training steps the automatic epoch count aims at on a table of at least <see cref="MinimumRowsForHoldOut"/> rows.</summary>
        public const int TargetSteps = 1000;

        /// <summary>
        /// Training steps the automatic epoch count aims at on a smaller table, where by default nothing is held out and the
        /// whole plan runs. On the suite's fourteen such meta-train tables (three seeds; docs/benchmarks/tables/screening/
        /// small-table-steps) 500 steps scored −0.07 points against 1,000 on average (Ionosphere −1.4, one test row; Boston
        /// −0.9 points of R²; two_class_dat +1.3; ten tables equal), 700 steps −0.12, in about half the steps' time on the
        /// tables the epoch cap does not already bound.
        /// </summary>
        public const int SmallTableTargetSteps = 500;

        /// <summary>Bounds of the automatic epoch count.</summary>
        public const int MinimumEpochs = 5, MaximumEpochs = 200;

        /// <summary>64 rows per step up to 6,400 training rows, then 64 per 6,400 rows (rounded), at most 512: the fixed mass's rule.</summary>
        public static int BatchSize(long rows) => (int)Math.Clamp(64 * Math.Round(rows / 6400.0), 64, 512);

        /// <summary>
        /// The adaptive mass's rule: the fixed mass's (64 rows per 6,400 training rows, rounded, at least 64) capped at 256.
        /// Its step costs little beyond the forward and backward pass (16 curvature rows), so it gains from more steps per
        /// epoch than the fixed mass's 512; on Fashion-MNIST's held-out training rows (one seed) batches of 256 reached
        /// 0.854 after one epoch in 3.1 s and 0.891 after 12 in 16.5 s, against 0.842 in 4.8 s and 0.886 in 27.4 s at 128,
        /// and 0.833 and 0.885 at 512.
        /// </summary>
        public static int AdaptiveBatchSize(long rows) => Math.Min(BatchSize(rows), 256);

        /// <summary>
        /// Enough epochs for about <see cref="TargetSteps"/> steps per 10 outputs (at least <see cref="TargetSteps"/>; on a table under
        /// <see cref="MinimumRowsForHoldOut"/> rows <see cref="SmallTableTargetSteps"/>),
        /// within [<see cref="MinimumEpochs"/>, <see cref="MaximumEpochs"/>]. More outputs, more steps: the output
        /// layer grows with them, and beyond 10 each step's sampled factor sees only k of the d output directions.
        /// LetterRecognition (26 classes, validation rows of the training split, batch 128) rose from 0.82 at 880 steps
        /// to 0.90 at 2,640 and 0.92 at 3,520; steps no longer cost more with more classes, so the time stays within
        /// a few times LightGbm's.
        /// </summary>
        /// <param name="rows">Training rows (after any validation split).</param>
        /// <param name="batchSize">Rows per step.</param>
        /// <param name="outputs">Network outputs.</param>
        /// <param name="tableRows">Rows of the table given to the trainer, before any split (null: <paramref name="rows"/>): below
        /// <see cref="MinimumRowsForHoldOut"/> the plan aims at <see cref="SmallTableTargetSteps"/>.</param>
        public static int Epochs(long rows, int batchSize, int outputs = 1, long? tableRows = null)
        {
            int target = (tableRows ?? rows) < MinimumRowsForHoldOut ? SmallTableTargetSteps : TargetSteps;
            return (int)Math.Clamp((long)Math.Ceiling(target * Math.Max(1, outputs / 10.0) * batchSize / Math.Max(rows, 1)), MinimumEpochs, MaximumEpochs);
        }

        /// <summary>
        /// k for <paramref name="samples"/> curvature rows and <paramref name="outputs"/> outputs: 0 (the exact factor)
        /// while <c>b·d ≤ </c><see cref="ExactInnerSystemRows"/>, else the largest k with <c>b·k ≤ </c><see cref="InnerSystemRows"/>
        /// (at least 1; 4 at the default 64 curvature rows); with the adaptive mass, the bounds
        /// <see cref="AdaptiveExactInnerSystemRows"/> and <see cref="AdaptiveInnerSystemRows"/> (8 at its 16 rows).
        /// </summary>
        public static int OutputRank(int samples, int outputs, MassKind mass = MassKind.Fixed)
        {
            var (exact, sampled) = InnerSystemBounds(mass);
            return (long)samples * outputs <= exact ? 0 : Math.Clamp(sampled / Math.Max(samples, 1), 1, outputs);
        }

        /// <summary>The defaults' bounds on the inner system's rows for <paramref name="mass"/>: exact factor, sampled factor.</summary>
        public static (int Exact, int Sampled) InnerSystemBounds(MassKind mass) =>
            mass == MassKind.Adaptive ? (AdaptiveExactInnerSystemRows, AdaptiveInnerSystemRows) : (ExactInnerSystemRows, InnerSystemRows);

        /// <summary>
        /// The sizes <paramref name="options"/> ask for on a table of <paramref name="shape"/>: each one the options
        /// leave open (null) is derived here; the ones they set are kept.
        /// </summary>
        public static TrainingSizes Resolve(RiemannianMlpTrainerOptions options, TableShape shape)
        {
            int batch = options.BatchSize ?? (options.MassKind == MassKind.Adaptive ? AdaptiveBatchSize(shape.Rows) : BatchSize(shape.Rows));
            int curvature = options.CurvatureBatchSize ?? Math.Min(batch, options.MassKind == MassKind.Adaptive ? AdaptiveCurvatureRows : CurvatureRows);
            int samples = curvature == 0 ? batch : Math.Min(curvature, batch);
            int rank = options.OutputRank ?? OutputRank(samples, shape.Outputs, options.MassKind);
            if (rank >= shape.Outputs) rank = 0;
            // A rank the user chose, with curvature rows left open: keep b·k within the bound.
            if (rank > 0 && options.CurvatureBatchSize is null) curvature = Math.Min(curvature, Math.Max(1, InnerSystemBounds(options.MassKind).Sampled / rank));
            int epochs = options.NumberOfEpochs ?? Epochs(shape.Rows, batch, shape.Outputs, shape.TableRows);
            int refresh = options.CurvatureRefreshSteps ?? (options.MassKind == MassKind.Adaptive ? CurvatureRefreshSteps : 1);
            return new TrainingSizes(batch, curvature, rank, epochs, refresh);
        }
    }

    /// <summary>What the defaults are derived from: the training table's shape, known once the data has been read.</summary>
    /// <param name="Rows">Training rows (after any validation split).</param>
    /// <param name="Slots">Feature slots (the feature vector's length).</param>
    /// <param name="NonZerosPerRow">Mean stored non-zeros per row (equal to <paramref name="Slots"/> for dense data).</param>
    /// <param name="Outputs">Network outputs: classes for multiclass, 1 otherwise.</param>
    /// <param name="TableRows">Rows of the table given to the trainer, before any validation split (null: <paramref name="Rows"/>).</param>
    internal readonly record struct TableShape(long Rows, int Slots, double NonZerosPerRow, int Outputs, long? TableRows = null);

    /// <summary>The sizes training runs with, options and defaults resolved.</summary>
    /// <param name="BatchSize">Rows per step.</param>
    /// <param name="CurvatureRows">Rows of each batch in the metric (0 = the whole batch).</param>
    /// <param name="OutputRank">Rows of the output metric's factor per curvature row, k (0 = the exact factor).</param>
    /// <param name="Epochs">Passes over the training rows.</param>
    /// <param name="CurvatureRefreshSteps">Steps each draw of curvature rows serves.</param>
    internal readonly record struct TrainingSizes(int BatchSize, int CurvatureRows, int OutputRank, int Epochs, int CurvatureRefreshSteps)
    {
        /// <summary>Steps in an epoch over <paramref name="rows"/> training rows (the last batch may be short).</summary>
        public long StepsPerEpoch(long rows) => (rows + BatchSize - 1) / BatchSize;

        /// <summary>The steps the run plans over <paramref name="rows"/> training rows: epochs × batches per epoch (the schedule's length).</summary>
        public long PlannedSteps(long rows) => Epochs * StepsPerEpoch(rows);

        /// <summary>Rows of each batch that enter the metric: the curvature rows, or the whole batch when they are 0 or more.</summary>
        public int MetricRows => CurvatureRows > 0 ? Math.Min(CurvatureRows, BatchSize) : BatchSize;

        /// <summary>
        /// Whether the first layer can take the column-sparse step (docs/method.md section 12): <paramref name="sparseInput"/>,
        /// the adaptive mass, no L2 term, no weight decay, no diagnostics and no learned input scale (<paramref name="inputScale"/>)
        /// before it. It takes it unless parameter averaging is asked for as well (<see cref="Defaults.ParameterAveraging"/>).
        /// </summary>
        public static bool ColumnSparseEligible(RiemannianMlpTrainerOptions options, bool sparseInput, bool inputScale) =>
            sparseInput && !inputScale && options.MassKind == MassKind.Adaptive && options.L2Regularization == 0 && options.WeightDecay == 0 && !options.RecordDiagnostics;

        /// <summary>
        /// The optimizer's settings for <paramref name="options"/> at these sizes over <paramref name="rows"/> training rows:
        /// the options resolved once (η, schedule, rule), so the optimizer, the log and the checkpoint read the same values.
        /// With <paramref name="sparseInput"/> the first layer takes the column-sparse step wherever it is exact
        /// (<see cref="ColumnSparseEligible"/>) and no parameter averaging is asked for.
        /// </summary>
        public Optimization.OptimizerPlan OptimizerPlan(RiemannianMlpTrainerOptions options, long rows, bool sparseInput = false, bool inputScale = false) => new()
        {
            ColumnSparseFirstLayer = ColumnSparseEligible(options, sparseInput, inputScale)
                && Defaults.ParameterAveraging(options, columnSparseEligible: true) == 0,
            LearningRate = Defaults.LearningRate(options),
            Schedule = Defaults.Schedule(options),
            PlannedSteps = PlannedSteps(rows),
            Rule = options.MassKind == MassKind.Adaptive
                ? Optimization.UpdateRulePlan.AdaptiveMass(options.Momentum, Defaults.SecondMomentDecay) with { WeightDecay = options.WeightDecay }
                : Optimization.UpdateRulePlan.HeavyBall(options.Momentum) with { WeightDecay = options.WeightDecay },
            CurvatureRows = CurvatureRows,
            CurvatureRefreshSteps = CurvatureRefreshSteps,
            OutputRank = OutputRank,
            L2Regularization = options.L2Regularization,
            Precision = options.SolvePrecision,
            RecordDiagnostics = options.RecordDiagnostics,
        };
    }
}
