namespace MeshProxy.Xds.Schema;

/// <summary>What writing one field from JSON needs, worked out once per field: its tag, wire type and how JSON spells it.</summary>
internal sealed class JsonFieldInfo
{
    private readonly JsonSchemaCache _cache;
    private JsonMessageInfo? _message;
    private JsonEnumInfo? _enum;

    public JsonFieldInfo(JsonSchemaCache cache, FieldSchema schema, int oneofIndex)
    {
        _cache = cache;
        Schema = schema;
        Number = schema.Number;
        Type = schema.Type;
        IsRepeated = schema.IsRepeated;
        IsPacked = schema.IsPacked;
        HasPresence = schema.HasPresence;
        OneofIndex = oneofIndex;
        WireType = FieldSchema.WireTypeOf(schema.Type);
        Tag = (uint)schema.Number << 3 | (uint)WireType;
        PackedTag = (uint)schema.Number << 3 | WireReader.LengthDelimited;
        IsValue = schema.Type == ProtoFieldType.Message && schema.TypeName == "google.protobuf.Value";
        IsNullValue = schema.Type == ProtoFieldType.Enum && schema.TypeName == "google.protobuf.NullValue";
    }

    public FieldSchema Schema { get; }

    public string Name => Schema.Name;

    public int Number { get; }

    public ProtoFieldType Type { get; }

    public bool IsRepeated { get; }

    public bool IsPacked { get; }

    public bool IsMap => Schema.IsMap;

    /// <summary>Written even when it holds its type's default (messages, oneof members, proto3 <c>optional</c>).</summary>
    public bool HasPresence { get; }

    /// <summary>Index among the message's oneofs (a proto3 <c>optional</c> field has its own); -1 for none.</summary>
    public int OneofIndex { get; }

    public int WireType { get; }

    /// <summary>The tag of one value (for a packed field: of one unpacked value).</summary>
    public uint Tag { get; }

    /// <summary>The tag of a packed field's one length-delimited record.</summary>
    public uint PackedTag { get; }

    /// <summary>Of type <c>google.protobuf.Value</c>, where JSON null is a value (<c>NULL_VALUE</c>), not an absent field.</summary>
    public bool IsValue { get; }

    /// <summary>Of enum type <c>google.protobuf.NullValue</c>, where JSON null is its one value.</summary>
    public bool IsNullValue { get; }

    public bool IsMessage => Type is ProtoFieldType.Message or ProtoFieldType.Group;

    /// <summary>The field's message type (built on first use; racing threads build equal ones and keep one).</summary>
    public JsonMessageInfo Message => _message ??= _cache.Get(Schema.MessageType);

    public JsonEnumInfo Enum => _enum ??= _cache.Get(Schema.EnumType);

    public override string ToString() => Schema.ToString();
}
