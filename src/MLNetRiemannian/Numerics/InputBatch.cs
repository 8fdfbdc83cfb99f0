using static TorchSharp.torch;

namespace MLNetRiemannian.Numerics
{
    /// <summary>
    /// A batch of a layer's input rows <c>X</c> <c>[B, in]</c>, dense or sparse, with the products of X that the
    /// forward pass, the gradient and the Woodbury step need (docs/method.md section 3). Each product is GEMM-shaped for both
    /// kinds: a sparse batch multiplies through its compacted columns (<see cref="SparseInput"/>). Tensors returned
    /// belong to the caller's dispose scope.
    /// </summary>
    internal abstract class InputBatch
    {
        /// <summary>B.</summary>
        public abstract long Rows { get; }

        /// <summary>in, the width of a row.</summary>
        public abstract long Width { get; }

        /// <summary>The element type of the stored values.</summary>
        public abstract ScalarType Dtype { get; }

        /// <summary>X as one <c>[B, in]</c> tensor when the batch is stored dense; null for a sparse batch.</summary>
        public virtual Tensor? DenseValues => null;

        /// <summary><c>X Wᵀ + b</c>, <c>[B, out]</c>, for W <c>[out, in]</c> and b <c>[out]</c>: the dense layer's forward pass.</summary>
        public abstract Tensor Linear(Tensor weight, Tensor bias);

        /// <summary><c>X Aᵀ</c>, <c>[B, m]</c>, for A <c>[m, in]</c>.</summary>
        public abstract Tensor TimesTransposed(Tensor matrix);

        /// <summary><c>Pᵀ X</c>, <c>[m, in]</c>, for P <c>[B, m]</c>: the weight gradient <c>δᵀX</c> and the Woodbury product <c>Pᵀ X̃</c>'s weight part.</summary>
        public abstract Tensor TransposedTimes(Tensor p);

        /// <summary><c>G − Pᵀ X</c>, <c>[m, in]</c>, for G <c>[m, in]</c> and P <c>[B, m]</c> (one fused product for a dense batch).</summary>
        public virtual Tensor MinusTransposedTimes(Tensor from, Tensor p) => from - TransposedTimes(p);

        /// <summary><see cref="TransposedTimes"/> written into <paramref name="target"/> <c>[m, in]</c> (a dense batch's GEMM writes it directly, allocating nothing).</summary>
        public virtual void TransposedTimesInto(Tensor target, Tensor p) => target.copy_(TransposedTimes(p));

        /// <summary><c>G ← G − Pᵀ X</c> in place, for G <c>[m, in]</c> and P <c>[B, m]</c> (a dense batch's GEMM updates G directly).</summary>
        public virtual void SubtractTransposedTimes(Tensor target, Tensor p) => target.sub_(TransposedTimes(p));

        /// <summary><c>X diag(s)</c>: the same rows with column j scaled by <c>s[j]</c>, for s <c>[in]</c>.</summary>
        public abstract InputBatch ColumnsScaled(Tensor scale);

        /// <summary>
        /// <c>X̃ diag(γ) X̃ᵀ</c> <c>[B, B]</c> with <c>x̃ = [x; 1]</c>: <c>X diag(γ[..in]) Xᵀ + γ[in]</c>, or
        /// <c>X Xᵀ + 1</c> when <paramref name="columnScale"/> (γ, <c>[in + 1]</c>) is null.
        /// </summary>
        public abstract Tensor Gram(Tensor? columnScale);

        /// <summary>The same rows with values of <paramref name="dtype"/>.</summary>
        public abstract InputBatch ToType(ScalarType dtype);

        /// <summary>The first <paramref name="rows"/> rows (views where the kind allows).</summary>
        public abstract InputBatch Narrow(long rows);

        /// <summary>The rows as a dense <c>[B, in]</c> tensor (a copy for a sparse batch: tests and modules that are not <c>Dense</c>).</summary>
        public abstract Tensor ToDense();

        /// <summary>
        /// A compact copy that outlives the caller's dispose scope (the curvature rows kept between refreshes); release it
        /// with <see cref="DisposeTensors"/>.
        /// </summary>
        public abstract InputBatch Detached();

        /// <summary>Disposes the tensors of a batch made by <see cref="Detached"/>.</summary>
        public abstract void DisposeTensors();

        /// <summary>A copy of <paramref name="t"/> in no dispose scope.</summary>
        private protected static Tensor Keep(Tensor t) => t.clone().DetachFromDisposeScope();
    }

    /// <summary>A dense batch: one strided <c>[B, in]</c> tensor, multiplied exactly as a plain tensor would be.</summary>
    internal sealed class DenseInput : InputBatch
    {
        public DenseInput(Tensor values) => Values = values;

        /// <summary>X, <c>[B, in]</c>.</summary>
        public Tensor Values { get; }

        public override long Rows => Values.shape[0];

        public override long Width => Values.shape[1];

        public override ScalarType Dtype => Values.dtype;

        public override Tensor? DenseValues => Values;

        public override Tensor Linear(Tensor weight, Tensor bias) => nn.functional.linear(Values, weight, bias);

        public override Tensor TimesTransposed(Tensor matrix) => Values.mm(matrix.t());

        public override Tensor TransposedTimes(Tensor p) => p.t().mm(Values);

        public override Tensor MinusTransposedTimes(Tensor from, Tensor p) => from.addmm(p.t(), Values, beta: 1, alpha: -1);

        // The target is cleared (its old values, even non-finite ones, are ignored), then the product added with β = 1:
        // MKL's β = 0 path was the slower on parameter-sized targets (784→256 on 2 threads: 0.91–1.04 ms against
        // 0.75–0.80 at B = 256, 152–240 µs against 81–88 at B = 16).
        public override void TransposedTimesInto(Tensor target, Tensor p)
        {
            FusedPasses.Clear(target);
            target.addmm_(p.t(), Values, beta: 1, alpha: 1);
        }

        public override void SubtractTransposedTimes(Tensor target, Tensor p) => target.addmm_(p.t(), Values, beta: 1, alpha: -1);

        public override InputBatch ColumnsScaled(Tensor scale) => new DenseInput(Values * scale);

        public override Tensor Gram(Tensor? columnScale)
        {
            if (columnScale is null) return Values.mm(Values.t()).add_(1);
            var columns = columnScale.to_type(Values.dtype);
            return (Values * columns.narrow(0, 0, Width)).mm(Values.t()).add_(columns[Width]);
        }

        public override InputBatch ToType(ScalarType dtype) => new DenseInput(Values.to_type(dtype));

        public override InputBatch Narrow(long rows) => new DenseInput(Values.narrow(0, 0, rows));

        public override Tensor ToDense() => Values;

        public override InputBatch Detached() => new DenseInput(Keep(Values));

        public override void DisposeTensors() => Values.Dispose();
    }
}
