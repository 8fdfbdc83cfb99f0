namespace MLNetRiemannian.Model
{
    /// <summary>Why training ended.</summary>
    public enum TrainingStopReason
    {
        /// <summary>Every epoch of <c>NumberOfEpochs</c> ran.</summary>
        Completed = 0,

        /// <summary>The validation metric did not improve for <c>EarlyStoppingPatience</c> epochs.</summary>
        EarlyStopping = 1,

        /// <summary>
        /// The options' <c>StopToken</c> was cancelled: training ended before the next step. A stop before the first step
        /// leaves no model (<c>Fit</c> throws <see cref="System.OperationCanceledException"/>); a stop before the first
        /// epoch's end keeps a model never evaluated (<see cref="TrainingOutcome.EndedBeforeFirstEpoch"/>, and a Warning).
        /// </summary>
        StopRequested = 2,
    }

    /// <summary>
    /// How a model's training ended and which parameters it kept. A stop leaves the epoch it interrupted out of
    /// <see cref="RiemannianMlpModelParameters.History"/> (a part of an epoch has no validation metric and a training
    /// metric over other rows than the rest); <see cref="Epoch"/> and <see cref="Step"/> say where it came.
    /// </summary>
    /// <param name="Reason">Why training ended.</param>
    /// <param name="Epoch">The epoch training ended in, counting from 1; after a stop possibly one not in the history.</param>
    /// <param name="Step">
    /// The steps of <see cref="Epoch"/> that ran, counting from 1: all of them when the epoch completed, 0 when a stop came
    /// before its first step.
    /// </param>
    /// <param name="KeptEpoch">
    /// The epoch at whose end the model's parameters were taken: with validation, the best validation epoch when early
    /// stopping was on or a stop came (a run to the end without early stopping keeps its last epoch); without, the last
    /// completed epoch.
    /// <see langword="null"/> when the parameters are those of the moment of a stop in the middle of an epoch (no
    /// validation), or the initial ones (a stop before the first step).
    /// </param>
    public sealed record TrainingOutcome(TrainingStopReason Reason, int Epoch, int Step, int? KeptEpoch)
    {
        /// <summary>
        /// True when a stop came during the first epoch: the parameters are those of <see cref="Step"/> steps, never
        /// evaluated, and the history is empty (<c>Fit</c> logs a Warning). A stop before the first step returns no model
        /// at all: <c>Fit</c> throws <see cref="System.OperationCanceledException"/>.
        /// </summary>
        public bool EndedBeforeFirstEpoch => Reason == TrainingStopReason.StopRequested && Epoch == 1 && KeptEpoch is null;

        // ToString shows the four recorded values only: EndedBeforeFirstEpoch follows from them.
        private bool PrintMembers(System.Text.StringBuilder builder)
        {
            builder.Append($"Reason = {Reason}, Epoch = {Epoch}, Step = {Step}, KeptEpoch = {KeptEpoch}");
            return true;
        }
    }
}
