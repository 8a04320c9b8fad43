namespace MeshProxy.Xds.Schema;

/// <summary>One field of a <see cref="MessageSchema"/>, as its <c>FieldDescriptorProto</c> declares it.</summary>
public sealed class FieldSchema
{
    private MessageSchema? _messageType;
    private EnumSchema? _enumType;

    internal FieldSchema(
        MessageSchema owner, string name, string jsonName, int number, ProtoFieldType type, bool isRepeated, string? typeName, string? oneofName, bool isExplicitlyOptional, bool packedDisabled)
    {
        Owner = owner;
        Name = name;
        JsonName = jsonName;
        Number = number;
        Type = type;
        IsRepeated = isRepeated;
        TypeName = typeName;
        OneofName = oneofName;
        IsExplicitlyOptional = isExplicitlyOptional;
        IsPacked = isRepeated && !packedDisabled && IsPackable(type);
    }

    public MessageSchema Owner { get; }

    /// <summary>The name in the .proto file (<c>connect_timeout</c>).</summary>
    public string Name { get; }

    /// <summary>The name in protobuf's JSON mapping (<c>connectTimeout</c>).</summary>
    public string JsonName { get; }

    public int Number { get; }

    public ProtoFieldType Type { get; }

    public bool IsRepeated { get; }

    /// <summary>Repeated scalars go on the wire packed (proto3's default unless <c>[packed = false]</c>).</summary>
    public bool IsPacked { get; }

    /// <summary>The message or enum type's full name (<c>google.protobuf.Duration</c>), else null.</summary>
    public string? TypeName { get; }

    /// <summary>The real oneof the field belongs to; null for none and for proto3 <c>optional</c>'s synthetic one.</summary>
    public string? OneofName { get; }

    /// <summary>Declared with proto3 <c>optional</c>, or a singular proto2 field (those all track presence).</summary>
    public bool IsExplicitlyOptional { get; }

    /// <summary>A <c>map&lt;K, V&gt;</c> field: repeated entries of a generated map-entry message.</summary>
    public bool IsMap => IsRepeated && Type == ProtoFieldType.Message && MessageType.IsMapEntry;

    /// <summary>Being set is distinguishable from holding the default (messages, oneof members, proto3 optional).</summary>
    public bool HasPresence => !IsRepeated && (Type is ProtoFieldType.Message or ProtoFieldType.Group || OneofName is not null || IsExplicitlyOptional);

    /// <summary>The field's message type; throws for a field of another kind.</summary>
    public MessageSchema MessageType => _messageType ??= Owner.Schema.GetMessage(RequireTypeName(ProtoFieldType.Message));

    /// <summary>The field's enum type; throws for a field of another kind.</summary>
    public EnumSchema EnumType => _enumType ??= Owner.Schema.GetEnum(RequireTypeName(ProtoFieldType.Enum));

    public override string ToString() => $"{Owner.FullName}.{Name}";

    /// <summary>The wire type a value of <paramref name="type"/> is written with (unpacked).</summary>
    internal static int WireTypeOf(ProtoFieldType type) => type switch
    {
        ProtoFieldType.Double or ProtoFieldType.Fixed64 or ProtoFieldType.SFixed64 => WireReader.Fixed64,
        ProtoFieldType.Float or ProtoFieldType.Fixed32 or ProtoFieldType.SFixed32 => WireReader.Fixed32,
        ProtoFieldType.String or ProtoFieldType.Bytes or ProtoFieldType.Message => WireReader.LengthDelimited,
        ProtoFieldType.Group => WireReader.StartGroup,
        _ => WireReader.Varint,
    };

    /// <summary>Repeated values of <paramref name="type"/> may go on the wire packed (numbers, bools, enums).</summary>
    internal static bool IsPackable(ProtoFieldType type) =>
        type is not (ProtoFieldType.String or ProtoFieldType.Bytes or ProtoFieldType.Message or ProtoFieldType.Group);

    private string RequireTypeName(ProtoFieldType kind) =>
        (Type == kind || (kind == ProtoFieldType.Message && Type == ProtoFieldType.Group)) && TypeName is not null
            ? TypeName
            : throw new InvalidOperationException($"{this} is not of {kind} type");
}
