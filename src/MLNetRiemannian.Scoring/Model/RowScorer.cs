using System;
using System.Numerics.Tensors;
using Microsoft.ML.Data;

namespace MLNetRiemannian.Model
{
    /// <summary>
    /// Scores rows one at a time for one caller: ML.NET asks for a mapper per cursor and uses it on one thread, so the
    /// scratch lives here and the shared model stays immutable. Allocates only when created.
    /// </summary>
    internal sealed class RowScorer
    {
        private readonly ManagedMlp _network;
        private readonly float[] _scratch;
        private readonly float[] _output;

        public RowScorer(RiemannianMlpModelParameters model)
        {
            _network = model.Network;
            _scratch = new float[_network.ScratchSize];
            _output = new float[_network.OutputSize];
        }

        /// <summary>Multiclass Score: the softmax of the network's outputs, the class probabilities.</summary>
        public void Probabilities(in VBuffer<float> features, ref VBuffer<float> probabilities)
        {
            var editor = VBufferEditor.Create(ref probabilities, _network.OutputSize);
            Span<float> p = editor.Values;
            Forward(features, p);
            // Shift by the largest logit so that exp cannot overflow (torch's softmax does the same).
            TensorPrimitives.Subtract(p, TensorPrimitives.Max(p), p);
            TensorPrimitives.Exp(p, p);
            TensorPrimitives.Divide(p, TensorPrimitives.Sum(p), p);
            probabilities = editor.Commit();
        }

        /// <summary>Binary Score (the logit) or regression Score: the network's single output.</summary>
        public void Score(in VBuffer<float> features, ref float score)
        {
            Forward(features, _output);
            score = _output[0];
        }

        /// <summary>Binary Score (the logit) and Probability = sigmoid(Score).</summary>
        public void ScoreAndProbability(in VBuffer<float> features, ref float score, ref float probability)
        {
            Score(features, ref score);
            probability = (float)(1 / (1 + Math.Exp(-(double)score)));
        }

        /// <summary>The network's output for a dense or sparse row; a sparse one is never densified.</summary>
        private void Forward(in VBuffer<float> features, Span<float> output)
        {
            if (features.Length != _network.InputSize)
                throw new InvalidOperationException($"The feature vector has {features.Length} slots but the model was trained on {_network.InputSize}.");
            if (features.IsDense) _network.Forward(features.GetValues(), output, _scratch);
            else _network.ForwardSparse(features.GetIndices(), features.GetValues(), output, _scratch);
        }
    }
}
