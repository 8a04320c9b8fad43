namespace MeshProxy.Xds.Schema;

/// <summary>A message's fields, as its <c>DescriptorProto</c> declares them.</summary>
public sealed class MessageSchema
{
    private readonly Dictionary<int, FieldSchema> _byNumber = [];
    private readonly Dictionary<string, FieldSchema> _byName = new(StringComparer.Ordinal);

    internal MessageSchema(ProtoSchema schema, string fullName, bool isMapEntry)
    {
        Schema = schema;
        FullName = fullName;
        IsMapEntry = isMapEntry;
    }

    public ProtoSchema Schema { get; }

    /// <summary>Package and nesting included (<c>envoy.config.cluster.v3.Cluster.CommonLbConfig</c>).</summary>
    public string FullName { get; }

    /// <summary>The generated entry type of a <c>map&lt;K, V&gt;</c> field (fields <c>key</c> = 1, <c>value</c> = 2).</summary>
    public bool IsMapEntry { get; }

    /// <summary>In declaration order.</summary>
    public IReadOnlyList<FieldSchema> Fields { get; private set; } = [];

    public FieldSchema? FindFieldByNumber(int number) => _byNumber.GetValueOrDefault(number);

    /// <summary>By .proto name or by JSON name, as protobuf's JSON parsers accept either.</summary>
    public FieldSchema? FindFieldByName(string name) => _byName.GetValueOrDefault(name);

    internal void SetFields(List<FieldSchema> fields)
    {
        Fields = fields;
        foreach (var field in fields)
        {
            _byNumber.TryAdd(field.Number, field);
            _byName.TryAdd(field.Name, field);
        }

        foreach (var field in fields)
        {
            _byName.TryAdd(field.JsonName, field);
        }
    }

    public override string ToString() => FullName;
}
