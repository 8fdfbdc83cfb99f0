using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace MLNetRiemannian.Training
{
    /// <summary>
    /// The fit loop's own state, kept once: what <see cref="FitLoop.Run"/> carries from epoch to epoch and what a
    /// <see cref="Checkpoint"/> saves beside the parameters, the optimizer's state (<see cref="Optimization.OptimizerState"/>)
    /// and the random generator's. A resume starts from a copy of the saved one. Owns its tensors.
    /// </summary>
    internal sealed class TrainingState : IDisposable
    {
        /// <summary>Epochs completed.</summary>
        public int Epoch { get; set; }

        /// <summary>Steps taken over all epochs (the last-good snapshot is taken every <see cref="FitLoop.SnapshotInterval"/> of them).</summary>
        public long TotalSteps { get; set; }

        /// <summary>The best validation metric so far; NaN before the first.</summary>
        public double Best { get; set; } = double.NaN;

        /// <summary>
        /// The mean loss on the validation rows at the <see cref="Best"/> epoch (NaN before the first, and in checkpoints
        /// before version 4): an epoch whose metric ties the best one is better when its loss is lower.
        /// </summary>
        public double BestLoss { get; set; } = double.NaN;

        /// <summary>Epochs since <see cref="Best"/> improved.</summary>
        public int SinceBest { get; set; }

        /// <summary>The epoch whose parameters <see cref="BestParameters"/> holds; 0 for none.</summary>
        public int BestEpoch { get; set; }

        /// <summary>Whether early stopping ended training.</summary>
        public bool EarlyStopped { get; set; }

        /// <summary>The parameters of at most <see cref="FitLoop.SnapshotInterval"/> steps ago (weight, bias per layer): what a recovery from a non-finite step restores.</summary>
        public List<Tensor> LastGood { get; } = new();

        /// <summary>The parameters at the end of epoch <see cref="BestEpoch"/> (empty without validation).</summary>
        public List<Tensor> BestParameters { get; } = new();

        /// <summary>
        /// The parameters' moving average θ̄ (weight, bias per layer, then the input scales; empty without averaging,
        /// <see cref="FitLoop.Settings.AveragingDecay"/>), as it stood after the optimizer's last step.
        /// </summary>
        public List<Tensor> Averaged { get; } = new();

        /// <summary>One result per epoch completed.</summary>
        public List<FitLoop.EpochResult> History { get; } = new();

        /// <summary>A copy whose tensors are outside every dispose scope.</summary>
        public TrainingState Clone()
        {
            var copy = new TrainingState { Epoch = Epoch, TotalSteps = TotalSteps, Best = Best, BestLoss = BestLoss, SinceBest = SinceBest, BestEpoch = BestEpoch, EarlyStopped = EarlyStopped };
            copy.LastGood.AddRange(LastGood.Select(t => t.clone().DetachFromDisposeScope()));
            copy.BestParameters.AddRange(BestParameters.Select(t => t.clone().DetachFromDisposeScope()));
            copy.Averaged.AddRange(Averaged.Select(t => t.clone().DetachFromDisposeScope()));
            copy.History.AddRange(History);
            return copy;
        }

        /// <summary>Releases the snapshots' tensors.</summary>
        public void Dispose()
        {
            foreach (var t in LastGood.Concat(BestParameters).Concat(Averaged)) t.Dispose();
            LastGood.Clear();
            BestParameters.Clear();
            Averaged.Clear();
        }
    }
}
