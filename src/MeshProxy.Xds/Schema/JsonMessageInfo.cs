namespace MeshProxy.Xds.Schema;

/// <summary>What reading one message type from JSON needs, worked out once per type: its fields by either name and its oneofs.</summary>
internal sealed class JsonMessageInfo
{
    private readonly Utf8NameTable<JsonFieldInfo> _byName;

    public JsonMessageInfo(JsonSchemaCache cache, MessageSchema schema)
    {
        Schema = schema;
        IsWellKnownType = JsonWellKnownTypes.IsWellKnownType(schema.FullName);
        WellKnown = JsonWellKnownTypes.KindOf(schema.FullName);

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
