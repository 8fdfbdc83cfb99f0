using System;
using System.Collections.Generic;
using System.Linq;
using MLNetRiemannian.Geometry;
using MLNetRiemannian.Numerics;
using static TorchSharp.torch;

namespace MLNetRiemannian.Optimization
{
    /// <summary>
    /// The first layer's column-sparse step for sparse inputs (docs/method.md section 12): each step reads and writes only
    /// the columns its batch and its curvature rows touch, and the columns it leaves alone are brought up to date lazily,
    /// exactly as the skipped steps would have moved them.
    /// </summary>
    /// <remarks>
    /// With the adaptive mass and no L2 term, a column j that no row of the batch or of the curvature rows touches has a
    /// zero gradient and a zero direction (<c>u = D⁻¹(g − Kᵀv)</c>, and column j of <c>Kᵀv</c> is <c>Σ_b x_bj(…)</c>).
    /// So each skipped step i only decays its averaged direction and second moment and moves its weights along the
    /// averaged direction: <c>m ← β₁m</c>, <c>c ← β₂c</c>, <c>w ← w − r_i m</c> with <c>r_i</c> the rule's rate of step i,
    /// recorded as the step is taken (<see cref="Record"/>). Over steps <c>s+1 … t</c> from its last update s that is
    /// <c>w ← w − B(s)·m</c>, <c>m ← β₁^{t−s} m</c>, <c>c ← β₂^{t−s} c</c> with <c>B(s) = Σ_{i=s+1}^{t} β₁^{i−s} r_i</c>,
    /// computed for every s at once by the recurrence <c>B(t) = 0, B(s) = β₁(r_{s+1} + B(s+1))</c> (the schedule's factors
    /// summed ahead). An L2 term or a decoupled weight decay would move every column at every step, so the step is not
    /// used with them (<see cref="OptimizerPlan.ColumnSparseFirstLayer"/>). Columns are brought up to date
    /// before a step reads them (<see cref="CatchUp"/>) and all together whenever the parameters are read outside a step
    /// (<see cref="CatchUpAll"/>: evaluation, snapshots, checkpoints, the model). In exact arithmetic the result is the
    /// dense step's; in floating point it differs by rounding only (one product where the dense run rounds each step).
    /// </remarks>
    internal sealed class ColumnSparseLayer : IDisposable
    {
        private readonly int[] _last;
        private readonly bool[] _touched;
        private readonly List<int> _touchedColumns = new();
        private readonly AdaptiveMassRule _rule;
        private readonly double _momentum, _secondMomentDecay;
        private readonly List<double> _rates = new();
        private long _settled;
        private (Tensor Of, SparseInput Rows)? _pruned;
        // The step under way (set by Begin): its batch, whose columns are all among the step's, and the step's columns.
        private InputBatch? _batch;
        private Tensor? _columns;

        /// <param name="atom">The first layer; its columns are the input's slots.</param>
        /// <param name="rule">The adaptive mass: its β₁ and β₂ decay the averaged direction and the column moments per step.</param>
        public ColumnSparseLayer(Dense atom, AdaptiveMassRule rule)
        {
            Atom = atom;
            _rule = rule;
            _momentum = rule.Momentum;
            _secondMomentDecay = rule.SecondMomentDecay;
            _last = new int[atom.InputSize];
            _touched = new bool[atom.InputSize];
        }

        /// <summary>The layer whose columns this tracks.</summary>
        public Dense Atom { get; }

        /// <summary>
        /// The batch as its compacted columns (<see cref="SparseInput"/>); a dense or entry batch becomes one over every
        /// column it holds, so the column-sparse step serves any batch (at the dense step's cost for a dense one).
        /// </summary>
        public static SparseInput Compacted(InputBatch input) => input switch
        {
            SparseInput sparse => sparse,
            DenseInput dense => new SparseInput(arange(dense.Width, dtype: ScalarType.Int64), dense.Values, dense.Width),
            _ => new SparseInput(arange(input.Width, dtype: ScalarType.Int64), input.ToDense(), input.Width),
        };

        /// <summary>
        /// The sorted union of the columns of <paramref name="batch"/> and, when given, of the curvature rows: the columns a
        /// step reads and writes. Curvature rows drawn from this batch (a narrowing of it) add none; kept ones add the
        /// columns they hold a non-zero in (a narrowed batch still lists all of the batch's columns).
        /// </summary>
        public Tensor StepColumns(SparseInput batch, InputBatch? curvature)
        {
            if (curvature is null) return batch.Columns;
            var theirs = Compacted(curvature);
            return ReferenceEquals(theirs.Columns, batch.Columns) ? batch.Columns : unique(cat(new[] { batch.Columns, Pruned(theirs).Columns }), sorted: true).Item1;
        }

        /// <summary>
        /// The same rows without the columns they hold only zeros in. The kept curvature rows serve several steps, so their
        /// pruned form is kept with them (outside every dispose scope) until other rows come.
        /// </summary>
        private SparseInput Pruned(SparseInput rows)
        {
            if (_pruned is { } kept && ReferenceEquals(kept.Of, rows.Compact)) return kept.Rows;
            using var scope = NewDisposeScope();
            var used = rows.Compact.ne(0).any(0);
            var pruned = new SparseInput(rows.Columns.masked_select(used).DetachFromDisposeScope(),
                rows.Compact.index_select(1, used.nonzero().view(-1)).DetachFromDisposeScope(), rows.Width);
            _pruned?.Rows.DisposeTensors();
            _pruned = (rows.Compact, pruned);
            return pruned;
        }

        /// <summary>Rows of <paramref name="rows"/> over the columns <paramref name="columns"/> (a superset of those they hold non-zeros in), dense <c>[B, |columns|]</c>.</summary>
        public DenseInput Over(Tensor columns, InputBatch rows)
        {
            var sparse = Compacted(rows);
            if (ReferenceEquals(sparse.Columns, columns)) return new DenseInput(sparse.Compact);
            // A batch's columns are all in the step's; kept curvature rows list columns they hold only zeros in.
            if (!ReferenceEquals(rows, _batch)) sparse = Pruned(sparse);
            var positions = searchsorted(columns, sparse.Columns);
            return new DenseInput(zeros(sparse.Rows, columns.shape[0], dtype: sparse.Dtype).index_copy_(1, positions, sparse.Compact));
        }

        /// <summary>
        /// <see cref="StepColumns"/> of <paramref name="batch"/>: the ones <see cref="Begin"/> found when it is the step's
        /// batch (a step's curvature rows are the ones Begin was given), else found anew.
        /// </summary>
        public Tensor ColumnsOf(SparseInput batch, InputBatch? curvature) =>
            ReferenceEquals(batch, _batch) && _columns is { } found ? found : StepColumns(batch, curvature);

        /// <summary>
        /// Starts a step on <paramref name="batch"/> with the kept curvature rows <paramref name="curvature"/> (null at a
        /// refresh: the rows come from the batch): finds the step's columns and brings them up to the end of step
        /// <paramref name="step"/>, the last one taken.
        /// </summary>
        public void Begin(SparseInput batch, InputBatch? curvature, long step, LayerOptimizerState state)
        {
            _batch = batch;
            _columns = StepColumns(batch, curvature);
            CatchUp(_columns, step, state);
        }

        /// <summary>Releases the kept pruned curvature rows.</summary>
        public void Dispose()
        {
            _pruned?.Rows.DisposeTensors();
            _pruned = null;
        }

        /// <summary>
        /// Brings <paramref name="columns"/> (Int64, sorted, distinct) of the layer's weights, averaged direction and
        /// second moments up to the end of step <paramref name="step"/>.
        /// </summary>
        public void CatchUp(Tensor columns, long step, LayerOptimizerState state)
        {
            var list = columns.data<long>();
            var due = new List<long>(checked((int)list.Count));
            foreach (long j in list)
            {
                if (!_touched[j])
                {
                    // A column no step has touched holds zero moments: nothing to bring up to date.
                    _touched[j] = true;
                    _touchedColumns.Add((int)j);
                    _last[j] = checked((int)step);
                }
                else if (_last[j] < step) due.Add(j);
            }
            Apply(due, step, state);
        }

        /// <summary>Brings every touched column up to the end of step <paramref name="step"/>.</summary>
        public void CatchUpAll(long step, LayerOptimizerState state)
        {
            var due = new List<long>();
            foreach (int j in _touchedColumns)
                if (_last[j] < step) due.Add(j);
            Apply(due, step, state);
            // Every column is now at least at this step: the steps before it are no longer needed.
            _rates.RemoveRange(0, checked((int)(step - _settled)));
            _settled = step;
        }

        /// <summary>The touched columns, Int64 <c>[n]</c> in the caller's dispose scope.</summary>
        public Tensor TouchedColumnIndex() => tensor(_touchedColumns.Select(j => (long)j).ToArray());

        /// <summary>
        /// The step's <c>D⁻¹</c> on <paramref name="columns"/> (<see cref="AdaptiveMassRule.MassOnColumns"/>) from the
        /// gradient over them, <c>[out, k]</c> and <c>[out]</c>.
        /// </summary>
        public MassInverse Mass(LayerOptimizerState state, Tensor columns, Tensor gradientWeight, Tensor gradientBias, long step, double learningRate) =>
            _rule.MassOnColumns(Atom, state, columns, gradientWeight, gradientBias, step, learningRate);

        /// <summary>
        /// Takes step <paramref name="step"/> on <paramref name="columns"/> from the direction over them
        /// (<see cref="AdaptiveMassRule.ApplyOnColumns"/>) and records how it moved every other column.
        /// </summary>
        public void Apply(LayerOptimizerState state, Tensor columns, Tensor directionWeight, Tensor directionBias, long step, double scheduleFactor) =>
            Record(columns, step, _rule.ApplyOnColumns(Atom, state, columns, directionWeight, directionBias, step, scheduleFactor));

        /// <summary>
        /// Records that step <paramref name="step"/> (the one after the last recorded) updated <paramref name="columns"/>
        /// and moved every other column by <c>w ← w − rate·m</c>.
        /// </summary>
        private void Record(Tensor columns, long step, double rate)
        {
            if (step != _settled + _rates.Count + 1)
                throw new InvalidOperationException($"Step {step} recorded after step {_settled + _rates.Count}: the column-sparse layer records every step in order.");
            _rates.Add(rate);
            foreach (long j in columns.data<long>()) _last[j] = checked((int)step);
        }

        /// <summary>
        /// After the parameters were restored to a snapshot and the averaged directions zeroed (a recovery from a non-finite
        /// step): every column's second moment is brought to step <paramref name="step"/> and the restored weights count as
        /// that step's, as the dense step holds them.
        /// </summary>
        public void Restored(long step, LayerOptimizerState state)
        {
            using var scope = NewDisposeScope();
            var due = _touchedColumns.Where(j => _last[j] < step).Select(j => (long)j).ToArray();
            if (due.Length > 0)
            {
                var c = state.SecondMomentColumns!;
                var factors = due.Select(j => Math.Pow(_secondMomentDecay, step - _last[j])).ToArray();
                if (ColumnPasses.Applies(c)) ColumnPasses.Scale(c, due, factors);
                else
                {
                    var index = tensor(due);
                    c.index_copy_(0, index, c.index_select(0, index).mul_(tensor(factors).to_type(c.dtype)));
                }
                foreach (long j in due) _last[j] = checked((int)step);
            }
            _rates.RemoveRange(0, checked((int)(step - _settled)));
            _settled = step;
        }

        /// <summary>
        /// Starts over from <paramref name="state"/> as it stands at step <paramref name="step"/>, every column up to date
        /// there (a checkpoint is written with every column brought up to date): the touched columns are those with a
        /// non-zero second moment or averaged direction.
        /// </summary>
        public void Reset(long step, LayerOptimizerState state)
        {
            using var scope = NewDisposeScope();
            Array.Fill(_last, checked((int)step));
            _rates.Clear();
            _settled = step;
            Array.Clear(_touched);
            _touchedColumns.Clear();
            var inputs = Atom.InputSize;
            var nonZero = state.SecondMomentColumns!.narrow(0, 0, inputs).ne(0).logical_or_(state.MomentumWeight!.ne(0).any(0));
            foreach (long j in nonZero.nonzero().view(-1).data<long>())
            {
                _touched[j] = true;
                _touchedColumns.Add((int)j);
            }
        }

        private void Apply(List<long> due, long step, LayerOptimizerState state)
        {
            if (due.Count == 0) return;
            using var scope = NewDisposeScope();
            long earliest = step;
            foreach (long j in due) earliest = Math.Min(earliest, _last[j]);
            if (earliest < _settled || step > _settled + _rates.Count)
                throw new InvalidOperationException($"Columns last at step {earliest} brought to step {step}, but the steps recorded are {_settled + 1} to {_settled + _rates.Count}.");
            // B(s) for s = earliest … step, backward: B(step) = 0, B(s) = β₁ (r_{s+1} + B(s+1)).
            int span = checked((int)(step - earliest));
            var sums = new double[span + 1];
            for (int k = span - 1; k >= 0; k--)
                sums[k] = _momentum * (_rates[checked((int)(earliest + k - _settled))] + sums[k + 1]); // r of step earliest + k + 1
            var powers = new (double Direction, double Moment)[span + 1];
            for (int k = 0; k <= span; k++) powers[k] = (Math.Pow(_momentum, span - k), Math.Pow(_secondMomentDecay, span - k));
            var (moveBy, directionDecay, momentDecay) = (new double[due.Count], new double[due.Count], new double[due.Count]);
            for (int n = 0; n < due.Count; n++)
            {
                int s = _last[due[n]];
                moveBy[n] = sums[s - earliest];
                (directionDecay[n], momentDecay[n]) = powers[s - earliest];
                _last[due[n]] = checked((int)step);
            }
            var weight = Atom.Weight;
            var (m, c) = (state.MomentumWeight!, state.SecondMomentColumns!);
            if (ColumnPasses.Applies(weight, m, c))
            {
                var list = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(due);
                ColumnPasses.CatchUp(weight, m, list, moveBy, directionDecay);
                ColumnPasses.Scale(c, list, momentDecay);
                return;
            }
            var dtype = weight.dtype;
            var index = tensor(due.ToArray());
            var (w, mj, cj) = (weight.index_select(1, index), m.index_select(1, index), c.index_select(0, index));
            w.sub_(mj * tensor(moveBy).to_type(dtype));
            mj.mul_(tensor(directionDecay).to_type(dtype));
            cj.mul_(tensor(momentDecay).to_type(dtype));
            weight.index_copy_(1, index, w);
            m.index_copy_(1, index, mj);
            c.index_copy_(0, index, cj);
        }
    }
}
