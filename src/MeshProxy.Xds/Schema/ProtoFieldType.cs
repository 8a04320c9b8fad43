namespace MeshProxy.Xds.Schema;

/// <summary>A field's declared type; the values are <c>google.protobuf.FieldDescriptorProto.Type</c>'s.</summary>
/// <remarks>The members are protobuf's type names, which CA1720 would have renamed away from what the .proto says.</remarks>
#pragma warning disable CA1720
public enum ProtoFieldType
{
    Double = 1,
    Float = 2,
    Int64 = 3,
    UInt64 = 4,
    Int32 = 5,
    Fixed64 = 6,
    Fixed32 = 7,
    Bool = 8,
    String = 9,
    Group = 10,
    Message = 11,
    Bytes = 12,
    UInt32 = 13,
    Enum = 14,
    SFixed32 = 15,
    SFixed64 = 16,
    SInt32 = 17,
    SInt64 = 18,
}
#pragma warning restore CA1720
