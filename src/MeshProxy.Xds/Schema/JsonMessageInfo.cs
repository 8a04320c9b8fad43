namespace MeshProxy.Xds.Schema;

/// <summary>What reading one message type from JSON needs, worked out once per type: its fields by either name and its oneofs.</summary>
internal sealed class JsonMessageInfo
{
    private static readonly Dictionary<string, JsonWellKnown> WellKnownKinds = new(StringComparer.Ordinal)
    {
        ["google.protobuf.Any"] = JsonWellKnown.Any,
        ["google.protobuf.Duration"] = JsonWellKnown.Duration,
        ["google.protobuf.Timestamp"] = JsonWellKnown.Timestamp,
        ["google.protobuf.FieldMask"] = JsonWellKnown.FieldMask,
        ["google.protobuf.Struct"] = JsonWellKnown.Struct,
        ["google.protobuf.Value"] = JsonWellKnown.Value,
        ["google.protobuf.ListValue"] = JsonWellKnown.ListValue,
        ["google.protobuf.DoubleValue"] = JsonWellKnown.Wrapper,
        ["google.protobuf.FloatValue"] = JsonWellKnown.Wrapper,
        ["google.protobuf.Int64Value"] = JsonWellKnown.Wrapper,
        ["google.protobuf.UInt64Value"] = JsonWellKnown.Wrapper,
        ["google.protobuf.Int32Value"] = JsonWellKnown.Wrapper,
        ["google.protobuf.UInt32Value"] = JsonWellKnown.Wrapper,
        ["google.protobuf.BoolValue"] = JsonWellKnown.Wrapper,
        ["google.protobuf.StringValue"] = JsonWellKnown.Wrapper,
        ["google.protobuf.BytesValue"] = JsonWellKnown.Wrapper,
        // The other messages of the well-known type files: read as objects, but inside an Any they too go in "value".
        ["google.protobuf.Empty"] = JsonWellKnown.None,
        ["google.protobuf.SourceContext"] = JsonWellKnown.None,
        ["google.protobuf.Api"] = JsonWellKnown.None,
        ["google.protobuf.Method"] = JsonWellKnown.None,
        ["google.protobuf.Mixin"] = JsonWellKnown.None,
        ["google.protobuf.Type"] = JsonWellKnown.None,
        ["google.protobuf.Field"] = JsonWellKnown.None,
        ["google.protobuf.Enum"] = JsonWellKnown.None,
        ["google.protobuf.EnumValue"] = JsonWellKnown.None,
        ["google.protobuf.Option"] = JsonWellKnown.None,
    };

    private readonly Utf8NameTable<JsonFieldInfo> _byName;

    public JsonMessageInfo(JsonSchemaCache cache, MessageSchema schema)
    {
        Schema = schema;
        IsWellKnownType = WellKnownKinds.TryGetValue(schema.FullName, out var kind);
        WellKnown = kind;

        var oneofs = new List<string>();
        var fields = new JsonFieldInfo[schema.Fields.Count];
        for (var i = 0; i < fields.Length; i++)
        {
            var field = schema.Fields[i];
            var oneof = -1;
            if (field.OneofName is { } name)
            {
                oneof = oneofs.IndexOf(name);
                if (oneof < 0)
                {
                    oneof = oneofs.Count;
                    oneofs.Add(name);
                }
            }
            else if (field.IsExplicitlyOptional && !field.IsRepeated)
            {
                // proto3 optional: a oneof of its own (protoc's synthetic "_name"), so setting it twice is an error.
                oneof = oneofs.Count;
                oneofs.Add("_" + field.Name);
            }

            fields[i] = new JsonFieldInfo(cache, field, oneof);
        }

        Fields = fields;
        OneofNames = [.. oneofs];
        _byName = new Utf8NameTable<JsonFieldInfo>(
            [.. fields.Select(f => KeyValuePair.Create(f.Name, f)), .. fields.Select(f => KeyValuePair.Create(f.Schema.JsonName, f))]);
    }

    public MessageSchema Schema { get; }

    public string FullName => Schema.FullName;

    public JsonWellKnown WellKnown { get; }

    /// <summary>A message of the well-known type files: packed in an Any, its JSON goes in a <c>"value"</c> property.</summary>
    public bool IsWellKnownType { get; }

    /// <summary>In declaration order.</summary>
    public IReadOnlyList<JsonFieldInfo> Fields { get; }

    public IReadOnlyList<string> OneofNames { get; }

    /// <summary>By .proto name or JSON name, as protobuf's JSON parsers accept either.</summary>
    public JsonFieldInfo? Find(ReadOnlySpan<byte> utf8Name) => _byName.Find(utf8Name);

    /// <summary>A field by number (the well-known types' fixed layout); throws when there is none.</summary>
    public JsonFieldInfo Field(int number)
    {
        foreach (var field in Fields)
        {
            if (field.Number == number)
            {
                return field;
            }
        }

        throw new InvalidOperationException($"{FullName} has no field {number}");
    }

    public override string ToString() => FullName;
}
