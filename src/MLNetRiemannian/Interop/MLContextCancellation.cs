namespace Microsoft.ML
{
    /// <summary>Cancellation of a running <c>Fit</c>, which ML.NET 5.0.1 keeps internal to its own packages.</summary>
    public static class MLContextCancellation
    {
        /// <summary>
        /// Asks every component running under <paramref name="mlContext"/> to stop: a RiemannianMlp <c>Fit</c> in
        /// progress throws <see cref="System.OperationCanceledException"/> before its next step. Safe from any thread.
        /// The context stays cancelled; create a new <see cref="MLContext"/> to train again. To stop and keep the model
        /// instead (the best validation epoch's parameters), cancel the trainer options' <c>StopToken</c>.
        /// </summary>
        public static void CancelExecution(this MLContext mlContext)
        {
            System.ArgumentNullException.ThrowIfNull(mlContext);
            mlContext.CancelExecution(); // ML.NET's internal instance method (reached through IgnoresAccessChecksTo)
        }
    }
}
