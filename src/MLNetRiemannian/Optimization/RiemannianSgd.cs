using System;
using System.Collections.Generic;
using System.Linq;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Optimization
{
    /// <summary>
    /// Layerwise Riemannian gradient descent (docs/method.md section 3, Algorithm 1): per step and per dense layer a,
    /// <c>Δw_a = −η · G_a⁻¹ g_a</c> with <c>G_a = Σ_b ω_b J_{a,b}ᵀ M_b J_{a,b} + D_a</c>, solved by <see cref="WoodburyStep"/>;
    /// a diagonal module (the input scale) takes the same step with its own n × n metric, solved by <see cref="DiagonalStep"/>.
    /// </summary>
    /// <remarks>
    /// Batch scaling: the loss is the weighted mean <c>ℓ = Σ_b ω_b l(ŷ_b, y_b)</c> with <c>ω_b = w_b / Σ w</c>
    /// (<c>1/B</c> without example weights), and the metric is averaged the same way, exactly as docs/method.md section 2
    /// states. So the metric term does not grow with the batch size while the mass <c>D</c> stays fixed.
    /// The metric's factor and the loss gradient travel backward together: one pullback of <c>[B, r + 1, d]</c>
    /// rows gives every layer both its factor <c>R</c> and its gradient (the extra row is <c>∂ℓ/∂z</c>).
    /// </remarks>
    public sealed class RiemannianSgd : IDisposable
    {
        private readonly RiemannianModule _network;
        private readonly Loss _loss;
        private readonly OutputFactor _factor;
        private readonly UpdateRule _rule;
        private readonly Dictionary<Dense, LayerOptimizerState> _state;
        private readonly DiagonalRule _diagonalRule;
        private readonly Dictionary<Diagonal, DiagonalOptimizerState> _diagonalState;
        private readonly ParameterBuffer? _gradient, _direction, _momentum;
        private const int StepsBetweenHeapChecks = 16;
        private CurvatureSamples? _kept;
        private List<ScaleCurvature>? _keptScales; // the diagonal modules' share of _kept, kept and forgotten with it
        private readonly ColumnSparseLayer? _sparse;
        private bool _disposed;

        /// <summary>Creates the optimizer for <paramref name="network"/>, with each layer's own fixed mass and the metric's exact factor.</summary>
        /// <param name="network">The model; its <see cref="Dense"/> atoms are updated in place.</param>
        /// <param name="loss">The per-sample loss.</param>
        /// <param name="metric">The output metric M.</param>
        /// <param name="learningRate">η &gt; 0.</param>
        /// <param name="momentum">Heavy-ball momentum β in [0, 1) on the Riemannian direction; 0 (default) is the paper's plain step.</param>
        /// <param name="precision">Precision of the inner solve; <see cref="SolvePrecision.Single"/> by default.</param>
        /// <param name="curvatureBatchSize">
        /// How many samples of each batch enter the metric (the first ones; batches are shuffled): the gradient uses the
        /// whole batch, the Woodbury system only <c>b·k</c> rows. 0, the default, uses the whole batch.
        /// </param>
        /// <param name="l2Regularization">λ ≥ 0: adds <c>λ·W</c> to each weight gradient (not to biases). 0 by default.</param>
        /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it and its value.</exception>
        public RiemannianSgd(RiemannianModule network, Loss loss, OutputMetric metric, double learningRate,
            double momentum = 0, SolvePrecision precision = SolvePrecision.Single, int curvatureBatchSize = 0, double l2Regularization = 0)
            : this(network, loss, metric, new OptimizerPlan
            {
                LearningRate = learningRate, Rule = UpdateRulePlan.HeavyBall(momentum), Precision = precision,
                CurvatureRows = curvatureBatchSize, L2Regularization = l2Regularization,
            })
        {
        }

        /// <summary>Creates the optimizer for <paramref name="network"/> with every setting of <paramref name="plan"/>, which it keeps for the whole run.</summary>
        /// <param name="network">The model; its <see cref="Dense"/> atoms are updated in place.</param>
        /// <param name="loss">The per-sample loss.</param>
        /// <param name="metric">The output metric M.</param>
        /// <param name="plan">The resolved settings; validated here.</param>
        /// <param name="generator">Draws a sampled output factor's rows (<see cref="OptimizerPlan.OutputRank"/> &gt; 0); required then.</param>
        /// <exception cref="ArgumentOutOfRangeException">A setting of the plan is out of range; the message names it.</exception>
        internal RiemannianSgd(RiemannianModule network, Loss loss, OutputMetric metric, OptimizerPlan plan, Generator? generator = null)
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(loss);
            ArgumentNullException.ThrowIfNull(metric);
            ArgumentNullException.ThrowIfNull(plan);
            plan.Validate();
            Plan = plan;
            _network = network;
            _loss = loss;
            _factor = plan.OutputRank > 0
                ? metric.FactorOfRank(plan.OutputRank, generator ?? throw new ArgumentNullException(nameof(generator), "A sampled output factor (OutputRank > 0) draws from a generator."))
                : metric.ExactFactor();
            _rule = plan.Rule.Create();
            var atoms = network.Atoms;
            if (plan.ColumnSparseFirstLayer && atoms.Count > 0 && _rule is AdaptiveMassRule adaptive)
            {
                if (!ReferenceEquals(FirstModule(network), atoms[0]))
                    throw new ArgumentException("The column-sparse first-layer step needs the network's first module to be its first dense layer (it is fed the raw input).", nameof(plan));
                _sparse = new ColumnSparseLayer(atoms[0], adaptive);
            }
            // Every parameter-sized tensor a step writes lives in flat buffers made here, once per fit (a network of mixed
            // dtypes or devices steps through fresh tensors instead). A column-sparse first layer has none: its step's
            // tensors are the size of the columns it touches.
            var buffered = atoms.Where(a => a != _sparse?.Atom).ToList();
            if (buffered.Count > 0 && buffered.All(a => a.Weight.dtype == buffered[0].Weight.dtype && a.Weight.device_type == TorchSharp.DeviceType.CPU))
            {
                var layout = ParameterLayout.Of(buffered);
                _gradient = new ParameterBuffer(layout, buffered[0].Weight.dtype);
                _direction = new ParameterBuffer(layout, buffered[0].Weight.dtype);
                _momentum = _rule.KeepsMomentum ? new ParameterBuffer(layout, buffered[0].Weight.dtype) : null;
            }
            _state = atoms.ToDictionary(atom => atom, atom => _rule.NewState(atom, atom == _sparse?.Atom ? null : _momentum?.Of(atom)));
            _diagonalRule = new DiagonalRule(plan.Rule);
            _diagonalState = network.Diagonals.ToDictionary(d => d, d => _diagonalRule.NewState(d));
            LearningRate = plan.LearningRate;
            Diagnostics = plan.RecordDiagnostics ? new TrainingDiagnostics(network.Atoms) : null;
            Interop.GlibcAllocator.Configure();
        }

        /// <summary>The per-sample loss the optimizer minimizes (the fit loop measures held-out rows with it too).</summary>
        internal Loss Loss => _loss;

        /// <summary>The settings the optimizer was made with.</summary>
        internal OptimizerPlan Plan { get; }

        /// <summary>The rule the plan asked for (the step benchmark times its parts).</summary>
        internal UpdateRule Rule => _rule;

        /// <summary>The flat buffers a step writes its gradient, direction and momentum into (none when the network's layers differ in type or device).</summary>
        internal IEnumerable<Tensor> Buffers => new[] { _gradient, _direction, _momentum }.OfType<ParameterBuffer>().Select(b => b.Flat);

        /// <summary>The state of <paramref name="atom"/>, one of the network's dense layers.</summary>
        internal LayerOptimizerState StateOf(Dense atom) => _state[atom];

        /// <summary>The state of <paramref name="module"/>, one of the network's diagonal modules.</summary>
        internal DiagonalOptimizerState StateOf(Diagonal module) => _diagonalState[module];

        /// <summary>η now: the plan's, halved by each <see cref="HalveLearningRate"/> (a recovery from a non-finite step).</summary>
        public double LearningRate { get; private set; }

        /// <summary>Precision of the inner solve.</summary>
        public SolvePrecision Precision => Plan.Precision;

        /// <summary>Steps each draw of curvature samples serves (<see cref="OptimizerPlan.CurvatureRefreshSteps"/>).</summary>
        public int CurvatureRefreshSteps => Plan.CurvatureRefreshSteps;

        /// <summary>Numerical trouble recovered from so far (jitter, Float64 fallbacks, refused steps).</summary>
        public NumericalEvents Events { get; } = new();

        /// <summary>Steps taken so far (refused and skipped ones not counted): the schedule's and the averages' step counter.</summary>
        public long Steps { get; private set; }

        /// <summary>
        /// Steps skipped so far because the batch's example weights, or those of its curvature rows, sum to 0: the weighted
        /// mean <c>ω = w / Σw</c> does not exist there, and such a batch carries no information, so the step changes
        /// nothing (neither the parameters nor the momentum).
        /// </summary>
        public int ZeroWeightBatches { get; private set; }

        /// <summary>Every step's training diagnostics (docs/method.md section 1) when the plan records them, else null.</summary>
        internal TrainingDiagnostics? Diagnostics { get; }

        /// <summary>
        /// When set, called at the end of each part of a step with the part's name ("forward", "784→256: mass", "update"
        /// …), and at a step's start with <see cref="BetweenSteps"/> (the caller's own work since the last step ended), so
        /// the benchmarks can measure every part inside the real step's sequence. Null, the default, costs nothing.
        /// </summary>
        internal Action<string>? Probe { get; set; }

        /// <summary>The part <see cref="Probe"/> names at the start of a step: what the caller did since the previous step.</summary>
        internal const string BetweenSteps = "between steps";

        /// <summary>Halves η for the rest of training (the fit loop's recovery from a non-finite step).</summary>
        internal void HalveLearningRate() => LearningRate /= 2;

        /// <summary>
        /// Takes one step on a mini-batch and returns the batch loss before the step.
        /// </summary>
        /// <exception cref="NonFiniteStepException">The loss or a direction was non-finite; nothing was changed.</exception>
        /// <param name="input">Features <c>[B, in]</c>.</param>
        /// <param name="target">Targets in the form the loss takes.</param>
        /// <param name="weights">
        /// Optional example weights <c>[B]</c>, finite and non-negative. When they, or those of the curvature rows, sum to 0
        /// the step is skipped (counted in <see cref="ZeroWeightBatches"/>) and returns 0.
        /// </param>
        public double Step(Tensor input, Tensor target, Tensor? weights = null)
        {
            using var scope = NewDisposeScope();
            return StepCore(new DenseInput(input), target, weights).Loss.to_type(ScalarType.Float64).item<double>();
        }

        /// <summary>
        /// <see cref="Step"/> without synchronizing on the loss: returns the batch loss and the network's output
        /// before the step, as tensors in the caller's dispose scope. The input may be sparse.
        /// </summary>
        internal (Tensor Loss, Tensor Output) StepCore(InputBatch input, Tensor target, Tensor? weights)
        {
            using var noGrad = no_grad();
            Probe?.Invoke(BetweenSteps);
            if (_sparse is { } sparse)
            {
                // The columns this step reads are brought up to the end of the last step before the forward pass reads them.
                var compact = ColumnSparseLayer.Compacted(input);
                input = compact;
                sparse.Begin(compact, KeptCurvatureInput(), Steps, _state[sparse.Atom]);
            }
            if (weights is not null && !HasWeight(weights))
            {
                ZeroWeightBatches++;
                var forward = _network.Forward(input);
                return (zeros(new long[0], dtype: forward.dtype), forward);
            }
            (Tensor Loss, Tensor Output, List<LayerStep> Layers, List<ScaleStep> Scales) step;
            try
            {
                step = AllDirections(input, target, weights);
                CheckFinite(step.Layers); // before anything changes, so a refused step leaves no trace
                CheckFinite(step.Scales);
                Probe?.Invoke("finite check");
            }
            catch (NonFiniteStepException)
            {
                Events.NonFiniteSteps++;
                _rule.Forget();
                _diagonalRule.Forget();
                throw;
            }
            var (loss, output, layers, scales) = step;
            long t = Steps + 1;
            double factor = ScheduleFactor(t);
            foreach (var layer in layers)
            {
                if (layer.Columns is { } columns)
                {
                    _sparse!.Apply(_state[layer.Atom], columns, layer.DirectionWeight, layer.DirectionBias, t, factor);
                    continue;
                }
                var (appliedWeight, appliedBias, rate) = _rule.Apply(layer.Atom, _state[layer.Atom], layer.DirectionWeight, layer.DirectionBias, t, LearningRate, factor);
                Diagnostics?.AddLayer(layer, appliedWeight, appliedBias, rate);
            }
            foreach (var scale in scales)
                _diagonalRule.Apply(scale.Module, _diagonalState[scale.Module], scale.Direction, t, LearningRate, factor);
            Probe?.Invoke("update");
            Steps = t;
            if (_kept is not null) _kept.Age++;
            // Large freed inner systems pile up in the OpenMP threads' arenas; a step that frees little is not trimmed (see GlibcAllocator).
            if (Steps % StepsBetweenHeapChecks == 0 && Interop.GlibcAllocator.ReleaseFreeMemoryIfLarge()) Probe?.Invoke("heap trim");
            if (Diagnostics is { } diagnostics)
            {
                var after = _network.Forward(input);
                var w = ExampleWeights(weights, after);
                diagnostics.AddLossChange(loss.to_type(ScalarType.Float64).item<double>(), BatchLoss(after, target, w / w.sum()).to_type(ScalarType.Float64).item<double>());
            }
            return (loss, output);
        }

        private static RiemannianModule FirstModule(RiemannianModule module) =>
            module is Sequential { Children.Count: > 0 } sequential ? FirstModule(sequential.Children[0]) : module;

        /// <summary>The schedule's factor s_t of step <paramref name="step"/> (1 without planned steps).</summary>
        private double ScheduleFactor(long step) => Plan.PlannedSteps > 0 ? Plan.Schedule.Factor(step, Plan.PlannedSteps) : 1;

        /// <summary>The first layer's kept curvature rows when the next step uses them (between refreshes), else null.</summary>
        private InputBatch? KeptCurvatureInput() =>
            _kept is { } kept && kept.Age < Plan.CurvatureRefreshSteps ? kept.Layers[^1].Input : null; // last layer first: the first layer is last

        /// <summary>
        /// Brings every column of a column-sparse first layer up to the end of the last step (docs/method.md section 12),
        /// so the parameters and the optimizer's state are what the dense step would hold: before the parameters are read
        /// outside a step (evaluation, snapshots, checkpoints, the model). Nothing to do for other networks.
        /// </summary>
        internal void BringUpToDate()
        {
            if (_sparse is { } sparse) sparse.CatchUpAll(Steps, _state[sparse.Atom]);
        }

        /// <summary>Whether the first layer takes the column-sparse step.</summary>
        internal bool ColumnSparse => _sparse is not null;

        /// <summary>
        /// The columns of <paramref name="atom"/>'s weights that steps have changed so far (Int64, in the caller's dispose
        /// scope) when it takes the column-sparse step: every other column still holds its initial value. Null for a layer
        /// whose every column may have changed. A snapshot refreshed from the same parameters needs to copy only these.
        /// </summary>
        internal Tensor? ChangedColumns(Dense atom) => atom == _sparse?.Atom ? _sparse.TouchedColumnIndex() : null;

        /// <summary>
        /// The forward pass, one batched pullback, and every layer's gradient and direction, without changing the
        /// parameters or the rule's state. Returns the batch loss and output. All tensors belong to the caller's dispose
        /// scope. Between curvature refreshes only the gradient row is pulled back; the metric's rows are the kept ones.
        /// </summary>
        internal (Tensor Loss, Tensor Output, List<LayerStep> Layers) Directions(InputBatch input, Tensor target, Tensor? weights)
        {
            var (loss, output, layers, _) = AllDirections(input, target, weights);
            return (loss, output, layers);
        }

        /// <summary><see cref="Directions"/> with the diagonal modules' directions too (docs/method.md section 10.1).</summary>
        private (Tensor Loss, Tensor Output, List<LayerStep> Layers, List<ScaleStep> Scales) AllDirections(InputBatch input, Tensor target, Tensor? weights)
        {
            var trace = new ForwardTrace();
            var output = _network.Forward(input, trace);
            Probe?.Invoke("forward");
            // ω = w / Σw; without example weights ω = 1/B, and the loss and its gradient take it as a number.
            var w = weights is null ? null : ExampleWeights(weights, output);
            var omega = w is null ? null : w / w.sum();

            var (values, gradient) = _loss.ValueAndGradient(output, target);
            var loss = omega is null ? values.mean() : (values * omega).sum();
            if (!double.IsFinite(loss.to_type(ScalarType.Float64).item<double>())) throw new NonFiniteStepException("loss");
            if (omega is null) gradient.mul_(1.0 / output.shape[0]);
            else gradient.mul_(omega.unsqueeze(1));
            Probe?.Invoke("loss and its gradient");

            IReadOnlyList<AtomPullback> gradients;
            IReadOnlyList<DiagonalPullback> scaleGradients;
            CurvatureSamples curvature;
            IReadOnlyList<ScaleCurvature> scaleCurvature;
            if (_kept is { } kept && kept.Age < Plan.CurvatureRefreshSteps)
            {
                _network.Pullback(gradient.unsqueeze(1), trace, toInput: false);
                (gradients, scaleGradients, curvature, scaleCurvature) = (trace.Atoms, trace.Diagonals, kept, _keptScales!);
                Probe?.Invoke("gradient pullback");
            }
            else
            {
                (gradients, scaleGradients, curvature, scaleCurvature) = PullBack(trace, output, target, w ?? ExampleWeights(null, output), gradient);
                Probe?.Invoke("curvature draw and pullback");
                if (Plan.CurvatureRefreshSteps > 1)
                {
                    ForgetCurvature();
                    _kept = curvature.Detached();
                    _keptScales = scaleCurvature.Select(c => new ScaleCurvature(c.Input.Detached(), c.Factor.clone().DetachFromDisposeScope())).ToList();
                }
            }

            var layers = new List<LayerStep>(_network.Atoms.Count);
            var diagnostics = Diagnostics;
            for (int i = 0; i < gradients.Count; i++)
            {
                var (atom, x, rows) = gradients[i];
                var samples = curvature.Layers[i];
                var delta = rows.select(1, rows.shape[1] - 1); // ∂ℓ/∂z, [B, out]: the last row
                if (atom == _sparse?.Atom)
                {
                    layers.Add(ColumnSparseDirection(atom, x, samples, curvature.Root, delta));
                    continue;
                }
                Tensor gradientWeight, gradientBias;
                if (_gradient is { } buffer)
                {
                    (gradientWeight, gradientBias) = buffer.Of(atom);
                    x.TransposedTimesInto(gradientWeight, delta);
                    gradientBias.copy_(delta.sum(dim: 0));
                }
                else (gradientWeight, gradientBias) = (x.TransposedTimes(delta), delta.sum(dim: 0));
                if (Plan.L2Regularization > 0) gradientWeight.add_(atom.Weight, Plan.L2Regularization);
                Probe?.Invoke($"{atom.InputSize}→{atom.OutputSize}: gradient");
                var mass = _rule.Mass(atom, _state[atom], gradientWeight, gradientBias, Steps + 1, LearningRate);
                Probe?.Invoke($"{atom.InputSize}→{atom.OutputSize}: mass");
                Action<double>? report = diagnostics is null ? null : c => diagnostics.AddCondition(atom, c);
                var (uWeight, uBias) = Direction(atom, mass, samples, samples.Input, curvature.Root, gradientWeight, gradientBias, report, _direction?.Of(atom));
                layers.Add(new LayerStep(atom, mass, gradientWeight, gradientBias, uWeight, uBias, samples.Input, samples.Factor));
            }
            var scales = new List<ScaleStep>(scaleGradients.Count);
            for (int i = 0; i < scaleGradients.Count; i++)
            {
                var (module, x, rows) = scaleGradients[i];
                // g_s = Σ_b x_b ⊙ ∂ℓ/∂z_b (ω already inside ∂ℓ/∂z), [n].
                var scaleGradient = (x.ToDense() * rows.select(1, rows.shape[1] - 1)).sum(dim: 0);
                var massInverse = _diagonalRule.MassInverse(module, _diagonalState[module], scaleGradient, Steps + 1, LearningRate);
                var direction = DiagonalStep.Direction(scaleCurvature[i].Input, scaleCurvature[i].Factor, scaleGradient, massInverse, Precision, Events);
                scales.Add(new ScaleStep(module, scaleGradient, direction));
                Probe?.Invoke($"input scale of {module.InputSize}: solve");
            }
            return (loss, output, layers, scales);
        }

        /// <summary>A diagonal module's curvature samples: their inputs <c>[b, n]</c> and factor rows at its output <c>[b, k, n]</c>.</summary>
        private readonly record struct ScaleCurvature(InputBatch Input, Tensor Factor);

        /// <summary>A diagonal module's share of a step: its gradient g and direction <c>u = G⁻¹g</c>, both <c>[n]</c>.</summary>
        private readonly record struct ScaleStep(Diagonal Module, Tensor Gradient, Tensor Direction);

        /// <summary>
        /// The first layer's gradient and direction on the columns its batch <paramref name="x"/> and its curvature rows
        /// touch (<see cref="ColumnSparseLayer"/>): the same products as the dense step's on <c>[B, k]</c> blocks.
        /// </summary>
        private LayerStep ColumnSparseDirection(Dense atom, InputBatch x, CurvatureSamples.Layer samples, Tensor root, Tensor delta)
        {
            var batch = ColumnSparseLayer.Compacted(x);
            var sparse = _sparse!;
            var columns = sparse.ColumnsOf(batch, samples.Input);
            var (input, curvatureInput) = (sparse.Over(columns, batch), sparse.Over(columns, samples.Input));
            var (gradientWeight, gradientBias) = (input.TransposedTimes(delta), delta.sum(dim: 0));
            Probe?.Invoke($"{atom.InputSize}→{atom.OutputSize}: gradient");
            var mass = sparse.Mass(_state[atom], columns, gradientWeight, gradientBias, Steps + 1, LearningRate);
            Probe?.Invoke($"{atom.InputSize}→{atom.OutputSize}: mass");
            var (uWeight, uBias) = Direction(atom, mass, samples, curvatureInput, root, gradientWeight, gradientBias, report: null, into: null);
            return new LayerStep(atom, mass, gradientWeight, gradientBias, uWeight, uBias, curvatureInput, samples.Factor, columns);
        }

        /// <summary>
        /// <c>u = G⁻¹g</c> for one layer (<see cref="WoodburyStep"/>) from its curvature samples, whose inputs are
        /// <paramref name="input"/> (the samples' own, or over a column-sparse step's columns).
        /// </summary>
        private (Tensor Weight, Tensor Bias) Direction(Dense atom, MassInverse mass, CurvatureSamples.Layer samples, InputBatch input, Tensor root,
            Tensor gradientWeight, Tensor gradientBias, Action<double>? report, (Tensor Weight, Tensor Bias)? into)
        {
            // The output layer under the identity metric receives the metric's factor untouched: R_b = √ω_b·I.
            var direction = samples.IdentityFactor && !mass.IsExplicit
                ? WoodburyStep.DirectionForIdentityFactor(atom, mass, input, root, gradientWeight, gradientBias, Precision, report, into)
                : WoodburyStep.Direction(atom, mass, input, samples.Factor, gradientWeight, gradientBias, Precision, Events, report, into);
            Probe?.Invoke($"{atom.InputSize}→{atom.OutputSize}: Woodbury solve");
            return direction;
        }

        /// <summary>
        /// Pulls the gradient row and the metric's factor rows back (docs/method.md section 2.2) and returns every
        /// layer's gradient pullback, last layer first, and the curvature samples' share of the metric.
        /// </summary>
        private (IReadOnlyList<AtomPullback> Gradients, IReadOnlyList<DiagonalPullback> ScaleGradients, CurvatureSamples Curvature, IReadOnlyList<ScaleCurvature> ScaleCurvature) PullBack(ForwardTrace trace, Tensor output, Tensor target, Tensor w, Tensor gradient)
        {
            long batch = output.shape[0];
            long curvature = CurvatureRows(batch);
            // The metric is the weighted mean over the curvature samples (docs/method.md sections 2.1 and 2.3: K_b = √ω̃_b L_b J_b, ω̃ renormalized over the curvature samples).
            var wc = w.narrow(0, 0, curvature);
            var root = (wc / wc.sum()).sqrt_();
            var factor = _factor.Draw(output.narrow(0, 0, curvature), target.narrow(0, 0, curvature), Events) * root.view(-1, 1, 1);
            long rank = factor.shape[1];
            // Only the identity metric's exact factor is √ω_b·I at the output layer; a sketch of it is not.
            bool identity = _factor.IsIdentity((int)output.shape[1]);

            // One pullback carries the factor rows and the gradient row together when every sample is in the metric;
            // with a curvature subset, the factor rows go back through a trace of those samples only, so the other
            // samples carry their gradient row alone instead of rows of zeros.
            IReadOnlyList<AtomPullback> gradients, factors;
            IReadOnlyList<DiagonalPullback> scaleGradients, scaleFactors;
            Tensor pulledFactor;
            if (curvature == batch)
            {
                pulledFactor = cat(new[] { factor, gradient.unsqueeze(1) }, 1);
                _network.Pullback(pulledFactor, trace, toInput: false);
                gradients = factors = trace.Atoms;
                scaleGradients = scaleFactors = trace.Diagonals;
            }
            else
            {
                var curvatureTrace = trace.Narrowed(curvature);
                _network.Pullback(gradient.unsqueeze(1), trace, toInput: false);
                pulledFactor = factor;
                _network.Pullback(pulledFactor, curvatureTrace, toInput: false);
                (gradients, factors) = (trace.Atoms, curvatureTrace.Atoms);
                (scaleGradients, scaleFactors) = (trace.Diagonals, curvatureTrace.Diagonals);
            }
            var layers = factors.Select(f => new CurvatureSamples.Layer(f.Input, f.Factor.narrow(1, 0, rank), identity && ReferenceEquals(f.Factor, pulledFactor))).ToList();
            var scales = scaleFactors.Select(f => new ScaleCurvature(f.Input, f.Factor.narrow(1, 0, rank))).ToList();
            return (gradients, scaleGradients, new CurvatureSamples(layers, root), scales);
        }

        private long CurvatureRows(long batch) => Plan.CurvatureRows > 0 ? Math.Min(Plan.CurvatureRows, batch) : batch;

        /// <summary>Forgets the kept curvature samples, so the next step draws new ones (the parameters or the sampling changed).</summary>
        internal void ForgetCurvature()
        {
            _kept?.Dispose();
            _kept = null;
            foreach (var (input, factor) in _keptScales ?? new List<ScaleCurvature>())
            {
                input.DisposeTensors();
                factor.Dispose();
            }
            _keptScales = null;
        }

        /// <summary>Whether the batch's weights and its curvature rows' weights both have a positive sum (one synchronization).</summary>
        private bool HasWeight(Tensor weights)
        {
            using var scope = NewDisposeScope();
            return stack(new[] { weights.sum(), weights.narrow(0, 0, CurvatureRows(weights.shape[0])).sum() }).min().to_type(ScalarType.Float64).item<double>() > 0;
        }

        /// <summary>
        /// Each layer's inner system for <paramref name="samples"/> curvature samples and <paramref name="outputs"/>
        /// outputs, for the log, e.g. "16→256 layer 512×512, 256→26 output layer 64×64 (block solve)". The last atom is
        /// taken as the output layer (true of the trainers' sequential networks).
        /// </summary>
        internal string DescribeInnerSystems(long samples, int outputs)
        {
            var atoms = _network.Atoms;
            long rows = samples * _factor.Rows(outputs);
            bool identity = _factor.IsIdentity(outputs);
            // The input scale's system is the smaller of its n × n metric and Woodbury's b·k × b·k (DiagonalStep).
            var scales = _network.Diagonals.Select(d => $"input scale of {d.InputSize} {Math.Min(d.InputSize, rows)}×{Math.Min(d.InputSize, rows)}");
            return string.Join(", ", scales.Concat(atoms.Select((atom, i) =>
            {
                bool output = i == atoms.Count - 1;
                string layer = $"{atom.InputSize}→{atom.OutputSize} {(output ? "output " : "")}layer";
                if (output && identity && !_rule.IsExplicit(atom))
                    return $"{layer} {samples}×{samples}{(_rule.HasRowFactor(atom) ? $" blocks ×{outputs}" : "")} (block solve)";
                return $"{layer} {rows}×{rows}";
            })));
        }

        /// <summary>The example weights in the output's dtype, ones when there are none.</summary>
        private static Tensor ExampleWeights(Tensor? weights, Tensor output) =>
            weights?.to_type(output.dtype) ?? ones(output.shape[0], dtype: output.dtype);

        /// <summary>The weighted mean loss <c>Σ_b ω_b l(ŷ_b, y_b)</c>, <c>ω_b = w_b / Σ w</c>.</summary>
        private Tensor BatchLoss(Tensor output, Tensor target, Tensor omega) => (_loss.Value(output, target) * omega).sum();

        private static bool Finite(Tensor t) => FusedPasses.Applies(t) ? FusedPasses.AllFinite(t) : t.isfinite().all().item<bool>();

        private void CheckFinite(List<LayerStep> layers)
        {
            // Every layer's direction is in the flat buffer (a column-sparse layer's is its own, small): one pass over it.
            if (_direction is { } buffer && FusedPasses.Applies(buffer.Flat) && FusedPasses.AllFinite(buffer.Flat)
                && layers.All(l => l.Columns is null || (Finite(l.DirectionWeight) && Finite(l.DirectionBias)))) return;
            var checks = new List<Tensor>(2 * layers.Count);
            foreach (var layer in layers)
            {
                checks.Add(layer.DirectionWeight.isfinite().all());
                checks.Add(layer.DirectionBias.isfinite().all());
            }
            if (stack(checks).all().item<bool>()) return;
            int index = Enumerable.Range(0, layers.Count).First(i => !checks[2 * i].item<bool>() || !checks[2 * i + 1].item<bool>());
            var atom = layers[index].Atom;
            throw new NonFiniteStepException($"direction of the {atom.InputSize}→{atom.OutputSize} layer");
        }

        /// <summary>Throws naming the first diagonal module whose direction is not finite.</summary>
        private static void CheckFinite(List<ScaleStep> scales)
        {
            foreach (var scale in scales)
                if (!Finite(scale.Direction)) throw new NonFiniteStepException($"direction of the input scale of {scale.Module.InputSize} slots");
        }

        /// <summary>Forgets the momentum (after the parameters were restored to an earlier state) and the kept curvature samples.</summary>
        internal void ResetMomentum()
        {
            foreach (var state in _state.Values) state.ResetMomentum();
            foreach (var state in _diagonalState.Values) state.ResetMomentum();
            if (_sparse is { } sparse) sparse.Restored(Steps, _state[sparse.Atom]);
            _rule.Forget();
            _diagonalRule.Forget();
            ForgetCurvature();
        }

        /// <summary>A copy of the optimizer's state (<see cref="OptimizerState"/>), outside every dispose scope.</summary>
        internal OptimizerState ExportState()
        {
            BringUpToDate();
            return new()
            {
                Steps = Steps, LearningRate = LearningRate, Layers = _network.Atoms.Select(atom => _state[atom].Clone()).ToList(),
                Diagonals = _network.Diagonals.Select(d => _diagonalState[d].Clone()).ToList(),
            };
        }

        /// <summary>
        /// The optimizer's state as it stands, brought up to date (<see cref="BringUpToDate"/>), without a copy: the result
        /// names the optimizer's own tensors, so the caller must neither change nor dispose it (the checkpoint writes it).
        /// </summary>
        internal OptimizerState CurrentState()
        {
            BringUpToDate();
            return new()
            {
                Steps = Steps, LearningRate = LearningRate, Layers = _network.Atoms.Select(atom => _state[atom]).ToList(),
                Diagonals = _network.Diagonals.Select(d => _diagonalState[d]).ToList(),
            };
        }

        /// <summary>Overwrites the optimizer's state with <paramref name="saved"/>'s (copied); the curvature is drawn anew.</summary>
        /// <exception cref="System.IO.InvalidDataException">The saved state belongs to another rule or network.</exception>
        internal void ImportState(OptimizerState saved)
        {
            var atoms = _network.Atoms;
            if (saved.Layers.Count != atoms.Count)
                throw new System.IO.InvalidDataException($"The saved optimizer state has {saved.Layers.Count} layers; the network has {atoms.Count}.");
            for (int i = 0; i < atoms.Count; i++) _state[atoms[i]].CopyFrom(saved.Layers[i], $"{atoms[i].InputSize}→{atoms[i].OutputSize}");
            var diagonals = _network.Diagonals;
            if (saved.Diagonals.Count != diagonals.Count)
                throw new System.IO.InvalidDataException($"The saved optimizer state has {saved.Diagonals.Count} input scales; the network has {diagonals.Count}.");
            for (int i = 0; i < diagonals.Count; i++) _diagonalState[diagonals[i]].CopyFrom(saved.Diagonals[i]);
            Steps = saved.Steps;
            LearningRate = saved.LearningRate;
            if (_sparse is { } sparse) sparse.Reset(Steps, _state[sparse.Atom]);
            _rule.Forget();
            _diagonalRule.Forget();
            ForgetCurvature();
        }

        /// <summary>Releases the optimizer's state and the kept curvature samples (the network is the caller's).</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var state in _state.Values) state.Dispose();
            foreach (var state in _diagonalState.Values) state.Dispose();
            _rule.Forget();
            _diagonalRule.Forget();
            ForgetCurvature();
            _gradient?.Dispose();
            _direction?.Dispose();
            _momentum?.Dispose();
            _sparse?.Dispose();
        }
    }
}
