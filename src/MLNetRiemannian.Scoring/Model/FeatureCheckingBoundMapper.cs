using System.Collections.Generic;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetRiemannian.Model
{
    /// <summary>
    /// ML.NET's standard bound mapper for the model, except that it names the model as its bindable. ML.NET's scorers
    /// rebind every new input schema through <see cref="ISchemaBoundMapper.Bindable"/>; pointing it at the model routes
    /// each rebinding through <see cref="RiemannianMlpModelParameters.CheckFeatureColumn"/>, so a wrong feature size
    /// always gets the message that names the column and both sizes.
    /// </summary>
    internal sealed class FeatureCheckingBoundMapper : ISchemaBoundRowMapper
    {
        private readonly ISchemaBoundRowMapper _inner;

        public FeatureCheckingBoundMapper(ISchemaBoundRowMapper inner, RiemannianMlpModelParameters model)
        {
            _inner = inner;
            Bindable = model;
        }

        public ISchemaBindableMapper Bindable { get; }

        public RoleMappedSchema InputRoleMappedSchema => _inner.InputRoleMappedSchema;

        public DataViewSchema OutputSchema => _inner.OutputSchema;

        public DataViewSchema InputSchema => _inner.InputSchema;

        public IEnumerable<KeyValuePair<RoleMappedSchema.ColumnRole, string>> GetInputColumnRoles() => _inner.GetInputColumnRoles();

        public IEnumerable<DataViewSchema.Column> GetDependenciesForNewColumns(IEnumerable<DataViewSchema.Column> dependingColumns) =>
            _inner.GetDependenciesForNewColumns(dependingColumns);

        public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) => _inner.GetRow(input, activeColumns);
    }
}
