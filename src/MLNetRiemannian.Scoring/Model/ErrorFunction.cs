using System;

namespace MLNetRiemannian.Model
{
    /// <summary>
    /// The error function and its complement in double precision, for the exact GELU of the managed scorer (.NET has
    /// no <c>Math.Erf</c>). W. J. Cody's rational Chebyshev approximations (Math. Comp. 23, 1969, 631–637; the
    /// CALERF routine of SPECFUN), relative error below 1e-15 on the whole line: far below the float32 rounding the
    /// scorer's results carry, so the managed GELU agrees with torch's to float precision.
    /// </summary>
    internal static class ErrorFunction
    {
        // Coefficients of CALERF: erf on |x| ≤ 0.46875 (A/B), erfc on 0.46875 < |x| ≤ 4 (C/D) and on |x| > 4 (P/Q).
        private static readonly double[] A = { 3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03, 1.85777706184603153e-1 };
        private static readonly double[] B = { 2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03 };
        private static readonly double[] C =
        {
            5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
            1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8,
        };
        private static readonly double[] D =
        {
            1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03, 3.29079923573345963e03,
            4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03,
        };
        private static readonly double[] P = { 3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2 };
        private static readonly double[] Q = { 2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1, 6.05183413124413191e-2, 2.33520497626869185e-3 };

        private const double SmallBreak = 0.46875;
        private const double InverseSqrtPi = 0.56418958354775628695;
        // erfc(x) underflows to 0 in double beyond this.
        private const double ErfcUnderflow = 26.543;

        /// <summary>erf(x) = 2/√π ∫₀ˣ e^{−t²} dt.</summary>
        public static double Erf(double x)
        {
            double y = Math.Abs(x);
            if (y <= SmallBreak) return SmallErf(x);
            double tail = ErfcOfPositive(y);
            return x > 0 ? 1 - tail : tail - 1;
        }

        /// <summary>erfc(x) = 1 − erf(x), without the cancellation of that difference for large x.</summary>
        public static double Erfc(double x)
        {
            double y = Math.Abs(x);
            if (y <= SmallBreak) return 1 - SmallErf(x);
            double tail = ErfcOfPositive(y);
            return x > 0 ? tail : 2 - tail;
        }

        /// <summary>The standard normal distribution function Φ(x) = erfc(−x/√2) / 2.</summary>
        public static double NormalCdf(double x) => 0.5 * Erfc(-x * 0.70710678118654752440);

        private static double SmallErf(double x)
        {
            double z = x * x;
            double numerator = A[4] * z, denominator = z;
            for (int i = 0; i < 3; i++)
            {
                numerator = (numerator + A[i]) * z;
                denominator = (denominator + B[i]) * z;
            }
            return x * (numerator + A[3]) / (denominator + B[3]);
        }

        // erfc(y) for y > 0.46875.
        private static double ErfcOfPositive(double y)
        {
            double ratio;
            if (y <= 4)
            {
                double numerator = C[8] * y, denominator = y;
                for (int i = 0; i < 7; i++)
                {
                    numerator = (numerator + C[i]) * y;
                    denominator = (denominator + D[i]) * y;
                }
                ratio = (numerator + C[7]) / (denominator + D[7]);
            }
            else
            {
                if (y >= ErfcUnderflow) return 0;
                double z = 1 / (y * y);
                double numerator = P[5] * z, denominator = z;
                for (int i = 0; i < 4; i++)
                {
                    numerator = (numerator + P[i]) * z;
                    denominator = (denominator + Q[i]) * z;
                }
                ratio = (InverseSqrtPi - z * (numerator + P[4]) / (denominator + Q[4])) / y;
            }
            // e^{−y²} as e^{−s²}·e^{−(y−s)(y+s)} with s = y rounded down to 1/16: s² is exact, which keeps the
            // relative error of the exponential at rounding level (Cody's device).
            double s = Math.Truncate(y * 16) / 16;
            return Math.Exp(-s * s) * Math.Exp(-(y - s) * (y + s)) * ratio;
        }
    }
}
