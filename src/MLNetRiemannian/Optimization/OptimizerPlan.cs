using System;
using MLNetRiemannian.Numerics;

namespace MLNetRiemannian.Optimization
{
    /// <summary>
    /// Everything <see cref="RiemannianSgd"/> is told once, at construction, options and defaults already resolved
    /// (LightGbm's resolved parameters, TorchSharp's constructor arguments): the rate and its schedule, the update rule,
    /// the curvature rows and their refresh, the output factor's rank, the L2 penalty and the inner solve's precision.
    /// The trainer resolves its options into one (<c>Training/TrainingPlan</c>), and the optimizer, the log and the
    /// checkpoint read that.
    /// </summary>
    internal sealed record OptimizerPlan
    {
        /// <summary>η &gt; 0 and finite.</summary>
        public required double LearningRate { get; init; }

        /// <summary>The learning rate's schedule over <see cref="PlannedSteps"/>; constant by default.</summary>
        public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

        /// <summary>The steps the run plans (epochs × batches per epoch), over which <see cref="Schedule"/> runs; 0, the default, holds its factor at 1.</summary>
        public long PlannedSteps { get; init; }

        /// <summary>The mass and momentum rule (docs/method.md sections 8 and 9); the paper's plain step by default.</summary>
        public UpdateRulePlan Rule { get; init; } = UpdateRulePlan.HeavyBall(0);

        /// <summary>
        /// How many samples of each batch enter the metric (the first ones; batches are shuffled): the gradient uses the
        /// whole batch, the Woodbury system only <c>b·k</c> rows (curvature subsampling). 0, the default, uses the whole batch.
        /// </summary>
        public int CurvatureRows { get; init; }

        /// <summary>
        /// Steps each draw of curvature samples serves (docs/method.md section 9.2): the samples' inputs and pulled-back
        /// factor rows at every layer are kept this many steps, so the steps in between pull back the gradient alone.
        /// 1, the default, refreshes every step.
        /// </summary>
        public int CurvatureRefreshSteps { get; init; } = 1;

        /// <summary>
        /// Rows k of the output metric's factor per curvature sample: 0, the default, for the metric's exact factor, else a
        /// factor of that rank (<see cref="Geometry.OutputMetric.FactorOfRank"/>), which bounds every inner system at <c>b·k</c> rows.
        /// </summary>
        public int OutputRank { get; init; }

        /// <summary>λ ≥ 0: adds <c>λ·W</c> to each weight gradient (not to biases). 0 by default.</summary>
        public double L2Regularization { get; init; }

        /// <summary>Precision of the inner solve; <see cref="SolvePrecision.Single"/> by default.</summary>
        public SolvePrecision Precision { get; init; } = SolvePrecision.Single;

        /// <summary>When true, every step adds its training diagnostics (docs/method.md section 1); false, the default, costs nothing.</summary>
        public bool RecordDiagnostics { get; init; }

        /// <summary>
        /// When true, the first layer (the network's first module, fed the raw input) takes the column-sparse step
        /// (<see cref="ColumnSparseLayer"/>, docs/method.md section 12): each step touches only the columns its batch and
        /// curvature rows use, for sparse inputs. It needs the adaptive mass, no L2 term, no weight decay (each moves every
        /// column at every step, even those no row touches) and no diagnostics; false by default.
        /// </summary>
        public bool ColumnSparseFirstLayer { get; init; }

        /// <summary>Throws naming the first setting out of range and its value.</summary>
        /// <exception cref="ArgumentOutOfRangeException">A setting is out of its range.</exception>
        public void Validate()
        {
            if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
                throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, $"Invalid learning rate: {LearningRate}. It must be positive and finite.");
            ArgumentNullException.ThrowIfNull(Schedule, nameof(Schedule));
            ArgumentNullException.ThrowIfNull(Rule, nameof(Rule));
            Rule.Validate();
            if (PlannedSteps < 0)
                throw new ArgumentOutOfRangeException(nameof(PlannedSteps), PlannedSteps, $"Invalid planned steps: {PlannedSteps}. It must be ≥ 0.");
            if (CurvatureRows < 0)
                throw new ArgumentOutOfRangeException(nameof(CurvatureRows), CurvatureRows, $"Invalid curvature batch size: {CurvatureRows}. It must be ≥ 0.");
            if (CurvatureRefreshSteps < 1)
                throw new ArgumentOutOfRangeException(nameof(CurvatureRefreshSteps), CurvatureRefreshSteps, $"Invalid curvature refresh steps: {CurvatureRefreshSteps}. It must be ≥ 1.");
            if (OutputRank < 0)
                throw new ArgumentOutOfRangeException(nameof(OutputRank), OutputRank, $"Invalid output rank: {OutputRank}. It must be ≥ 0.");
            if (!(L2Regularization >= 0) || double.IsInfinity(L2Regularization))
                throw new ArgumentOutOfRangeException(nameof(L2Regularization), L2Regularization, $"Invalid L2 regularization: {L2Regularization}. It must be finite and ≥ 0.");
            // Each of these moves every column at every step, so a skipped column would not be what the dense step makes it.
            if (ColumnSparseFirstLayer && (!Rule.Adaptive || L2Regularization > 0 || Rule.WeightDecay > 0 || RecordDiagnostics))
                throw new ArgumentOutOfRangeException(nameof(ColumnSparseFirstLayer), ColumnSparseFirstLayer,
                    $"The column-sparse first-layer step needs the adaptive mass, no L2 regularization, no weight decay and no diagnostics (here: {Rule.Name}, L2 {L2Regularization}, diagnostics {RecordDiagnostics}).");
        }

        /// <summary>For the log: the rule, η, and the schedule over the planned steps.</summary>
        public override string ToString() =>
            FormattableString.Invariant($"{Rule.Name}, η = {LearningRate}, schedule {Schedule} over {PlannedSteps} steps{(ColumnSparseFirstLayer ? ", column-sparse first layer" : "")}");
    }

    /// <summary>Which <see cref="UpdateRule"/> a plan asks for, with its constants.</summary>
    /// <param name="Adaptive">The adaptive Kronecker mass (<see cref="AdaptiveMassRule"/>) when true, else each layer's fixed mass with heavy-ball momentum.</param>
    /// <param name="Momentum">β (heavy ball) or β₁ (the directions' averaging), in [0, 1).</param>
    /// <param name="SecondMomentDecay">β₂ in (0, 1), for the adaptive mass; ignored by the heavy ball.</param>
    internal sealed record UpdateRulePlan(bool Adaptive, double Momentum, double SecondMomentDecay)
    {
        /// <summary>The paper's fixed masses with heavy-ball momentum β in [0, 1).</summary>
        public static UpdateRulePlan HeavyBall(double momentum) => new(false, momentum, 0);

        /// <summary>The adaptive Kronecker mass with averaged directions.</summary>
        public static UpdateRulePlan AdaptiveMass(double momentum, double secondMomentDecay) => new(true, momentum, secondMomentDecay);

        /// <summary>
        /// Decoupled weight decay λ ≥ 0: each step, after the direction, every weight shrinks by <c>η·s_t·λ·w</c>
        /// (<see cref="UpdateRule.Decay"/>); neither the gradient nor the mass sees it. 0 by default.
        /// </summary>
        public double WeightDecay { get; init; }

        /// <summary>A name for logs, with the rule's constants.</summary>
        public string Name => (Adaptive
            ? FormattableString.Invariant($"adaptive Kronecker mass, β₁ {Momentum}, β₂ {SecondMomentDecay}")
            : FormattableString.Invariant($"fixed mass, heavy-ball momentum {Momentum}"))
            + (WeightDecay > 0 ? FormattableString.Invariant($", weight decay {WeightDecay}") : "");

        /// <summary>Throws naming the constant out of range.</summary>
        public void Validate()
        {
            if (!(Momentum >= 0 && Momentum < 1))
                throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, $"Invalid momentum: {Momentum}. It must be in [0, 1).");
            if (Adaptive && !(SecondMomentDecay > 0 && SecondMomentDecay < 1))
                throw new ArgumentOutOfRangeException(nameof(SecondMomentDecay), SecondMomentDecay, $"Invalid second-moment decay: {SecondMomentDecay}. It must be in (0, 1).");
            if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay))
                throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, $"Invalid weight decay: {WeightDecay}. It must be finite and ≥ 0.");
        }

        /// <summary>A new rule of this kind.</summary>
        public UpdateRule Create() => Adaptive
            ? new AdaptiveMassRule(Momentum, SecondMomentDecay) { WeightDecay = WeightDecay }
            : new HeavyBallRule(Momentum) { WeightDecay = WeightDecay };
    }
}
