using System;

namespace MLNetRiemannian.Numerics
{
    /// <summary>
    /// A step produced a non-finite loss or direction. The step was not applied: the parameters and momentum are
    /// exactly as before it, so the caller can lower the learning rate and retry.
    /// </summary>
    public sealed class NonFiniteStepException : ArithmeticException
    {
        /// <summary>Creates the exception for <paramref name="quantity"/>.</summary>
        public NonFiniteStepException(string quantity)
            : base($"The {quantity} became non-finite; the step was not applied and the parameters are unchanged.")
        {
            Quantity = quantity;
        }

        /// <summary>What went non-finite, e.g. "loss" or "direction of layer 1 (256→10)".</summary>
        public string Quantity { get; }
    }
}
