using System;
using System.Collections.Generic;
using System.IO;

namespace MLNetRiemannian.Onnx
{
    /// <summary>
    /// A float32 ONNX graph under construction (nodes in execution order, constant tensors, typed inputs and outputs)
    /// and its encoding as an ONNX <c>ModelProto</c>. Field numbers are those of onnx/onnx.proto (github.com/onnx/onnx),
    /// which are frozen: ONNX only ever adds fields.
    /// </summary>
    internal sealed class OnnxGraph
    {
        /// <summary>A shape entry meaning the symbolic batch dimension <see cref="BatchDimensionName"/>.</summary>
        public const long Batch = -1;

        /// <summary>The name of the batch dimension (<c>dim_param</c>) in input and output shapes.</summary>
        public const string BatchDimensionName = "N";

        private const int FloatType = 1; // TensorProto.DataType.FLOAT

        private readonly List<Node> _nodes = new();
        private readonly List<Initializer> _initializers = new();
        private readonly List<ValueInfo> _inputs = new();
        private readonly List<ValueInfo> _outputs = new();
        private readonly HashSet<string> _defined = new(StringComparer.Ordinal); // initializer and node-output names

        /// <summary>Adds a constant float tensor (a copy of <paramref name="values"/>, row-major) named <paramref name="name"/>
        /// and returns its name; <paramref name="dims"/> is its shape, none for a scalar.</summary>
        public string AddInitializer(string name, ReadOnlySpan<float> values, params long[] dims)
        {
            Define(name);
            _initializers.Add(new Initializer(name, dims, values.ToArray()));
            return name;
        }

        /// <summary>Appends a node of the default (ai.onnx) domain with one output and returns the output's name.</summary>
        public string AddNode(string opType, string[] inputs, string output, params OnnxAttribute[] attributes)
        {
            Define(output);
            _nodes.Add(new Node(opType, inputs, output, attributes));
            return output;
        }

        /// <summary>Declares a float graph input of the given shape (<see cref="Batch"/> for the batch dimension).</summary>
        public void AddInput(string name, params long[] shape) => _inputs.Add(new ValueInfo(name, shape));

        /// <summary>Declares a node output as a float graph output of the given shape.</summary>
        public void AddOutput(string name, params long[] shape) => _outputs.Add(new ValueInfo(name, shape));

        /// <summary>Whether a node output or an initializer already has this name.</summary>
        public bool Defines(string name) => _defined.Contains(name);

        /// <summary>Writes the graph as a complete ONNX model file.</summary>
        /// <param name="stream">Where the model's bytes go; not closed.</param>
        /// <param name="irVersion">The ONNX IR version (7 for opset 13).</param>
        /// <param name="opsetVersion">The ai.onnx operator set every node is read against.</param>
        /// <param name="graphName">The graph's name.</param>
        /// <param name="producerName">Who wrote the file.</param>
        /// <param name="producerVersion">Which version of it.</param>
        /// <param name="docString">What the model computes, for people reading the file.</param>
        public void WriteModel(Stream stream, long irVersion, long opsetVersion, string graphName, string producerName, string producerVersion, string docString)
        {
            var model = new ProtobufWriter();
            model.WriteInt64(1, irVersion);                  // ModelProto.ir_version
            model.WriteString(2, producerName);              // ModelProto.producer_name
            model.WriteString(3, producerVersion);           // ModelProto.producer_version
            model.WriteString(6, docString);                 // ModelProto.doc_string
            model.WriteMessage(7, graph => WriteGraph(graph, graphName)); // ModelProto.graph
            model.WriteMessage(8, opset =>                   // ModelProto.opset_import
            {
                opset.WriteString(1, "");                    // OperatorSetIdProto.domain: "" is ai.onnx
                opset.WriteInt64(2, opsetVersion);           // OperatorSetIdProto.version
            });
            model.CopyTo(stream);
        }

        private void WriteGraph(ProtobufWriter graph, string name)
        {
            foreach (var node in _nodes) graph.WriteMessage(1, node.Write);               // GraphProto.node
            graph.WriteString(2, name);                                                  // GraphProto.name
            foreach (var tensor in _initializers) graph.WriteMessage(5, tensor.Write);    // GraphProto.initializer
            foreach (var input in _inputs) graph.WriteMessage(11, input.Write);          // GraphProto.input
            foreach (var output in _outputs) graph.WriteMessage(12, output.Write);       // GraphProto.output
        }

        private void Define(string name)
        {
            if (!_defined.Add(name)) throw new InvalidOperationException($"The ONNX graph already defines a value named '{name}'.");
        }

        private sealed record Node(string OpType, string[] Inputs, string Output, OnnxAttribute[] Attributes)
        {
            public void Write(ProtobufWriter node)
            {
                foreach (var input in Inputs) node.WriteString(1, input);  // NodeProto.input
                node.WriteString(2, Output);                              // NodeProto.output
                node.WriteString(3, Output);                              // NodeProto.name: the output's, unique by construction
                node.WriteString(4, OpType);                              // NodeProto.op_type
                foreach (var attribute in Attributes) node.WriteMessage(5, attribute.Write); // NodeProto.attribute
            }
        }

        private sealed record Initializer(string Name, long[] Dims, float[] Values)
        {
            public void Write(ProtobufWriter tensor)
            {
                foreach (long dim in Dims) tensor.WriteInt64(1, dim);  // TensorProto.dims
                tensor.WriteInt64(2, FloatType);                      // TensorProto.data_type
                tensor.WriteString(8, Name);                          // TensorProto.name
                tensor.WriteFloatsAsBytes(9, Values);                 // TensorProto.raw_data: little-endian, row-major
            }
        }

        private sealed record ValueInfo(string Name, long[] Shape)
        {
            public void Write(ProtobufWriter valueInfo)
            {
                valueInfo.WriteString(1, Name);                                   // ValueInfoProto.name
                valueInfo.WriteMessage(2, type =>                                 // ValueInfoProto.type
                    type.WriteMessage(1, tensor =>                                // TypeProto.tensor_type
                    {
                        tensor.WriteInt64(1, FloatType);                          // TypeProto.Tensor.elem_type
                        tensor.WriteMessage(2, shape =>                           // TypeProto.Tensor.shape
                        {
                            foreach (long size in Shape)
                                shape.WriteMessage(1, dim =>                      // TensorShapeProto.dim
                                {
                                    if (size == Batch) dim.WriteString(2, BatchDimensionName); // Dimension.dim_param
                                    else dim.WriteInt64(1, size);                 // Dimension.dim_value
                                });
                        });
                    }));
            }
        }
    }

    /// <summary>An integer or float node attribute.</summary>
    internal readonly struct OnnxAttribute
    {
        private readonly string _name;
        private readonly long _int;
        private readonly float? _float;

        private OnnxAttribute(string name, long integer, float? real) => (_name, _int, _float) = (name, integer, real);

        /// <summary>An INT attribute.</summary>
        public static OnnxAttribute Of(string name, long value) => new(name, value, null);

        /// <summary>A FLOAT attribute.</summary>
        public static OnnxAttribute Of(string name, float value) => new(name, 0, value);

        public void Write(ProtobufWriter attribute)
        {
            attribute.WriteString(1, _name);                         // AttributeProto.name
            if (_float is float f)
            {
                attribute.WriteFloat(2, f);                          // AttributeProto.f
                attribute.WriteInt64(20, 1);                         // AttributeProto.type = FLOAT
            }
            else
            {
                attribute.WriteInt64(3, _int);                       // AttributeProto.i
                attribute.WriteInt64(20, 2);                         // AttributeProto.type = INT
            }
        }
    }
}
