using Envoy.Config.Cluster.V3;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Tests.Protos;
using MeshProxy.Xds.Schema;

namespace MeshProxy.Tests.Schema;

// Google.Protobuf's descriptors are the reference here: the schema must say what they say for every generated type.
public sealed class ProtoSchemaTests
{
    private static IEnumerable<MessageDescriptor> AllMessages() =>
        EnvoyTypeRegistry.GeneratedFiles()
            .SelectMany(Closure)
            .DistinctBy(file => file.Name)
            // Google.Protobuf ships a newer descriptor.proto than the protoc that writes the set; nothing in a config
            // is of those types (custom options are read by neither side).
            .Where(file => file.Name != "google/protobuf/descriptor.proto")
            .SelectMany(file => file.MessageTypes)
            .SelectMany(Nested);

    private static IEnumerable<FileDescriptor> Closure(FileDescriptor file) => file.Dependencies.SelectMany(Closure).Append(file);

    private static IEnumerable<MessageDescriptor> Nested(MessageDescriptor message) =>
        message.NestedTypes.SelectMany(Nested).Prepend(message);

    [Fact]
    public void Envoy_EveryGeneratedMessage_HasTheDescriptorsFields()
    {
        var checkedCount = 0;
        foreach (var descriptor in AllMessages())
        {
            var message = ProtoSchema.Envoy.FindMessage(descriptor.FullName);
            Assert.True(message is not null, descriptor.FullName);
            Assert.Equal(descriptor.FullName, message.FullName);
            Assert.Equal(descriptor.Fields.InDeclarationOrder().Select(f => f.Name), message.Fields.Select(f => f.Name));
            foreach (var expected in descriptor.Fields.InDeclarationOrder())
            {
                var field = message.FindFieldByNumber(expected.FieldNumber)!;
                var where = expected.FullName;
                Assert.True(Equals(expected.Name, field.Name), where);
                Assert.True(Equals(expected.JsonName, field.JsonName), where);
                Assert.Equal((int)expected.FieldType, KindOf(field));
                Assert.True(Equals(expected.IsRepeated, field.IsRepeated), where);
                Assert.True(Equals(expected.IsMap, field.IsMap), where);
                Assert.True(Equals(expected.HasPresence, field.HasPresence), where);
                Assert.Equal(expected.RealContainingOneof?.Name, field.OneofName);
                Assert.Same(field, message.FindFieldByName(expected.Name));
                Assert.Same(field, message.FindFieldByName(expected.JsonName));
                if (expected.FieldType == FieldType.Message)
                {
                    Assert.Equal(expected.MessageType.FullName, field.MessageType.FullName);
                }
                else if (expected.FieldType == FieldType.Enum)
                {
                    Assert.Equal(
                        expected.EnumType.Values.Select(v => KeyValuePair.Create(v.Name, v.Number)),
                        field.EnumType.Values);
                }
            }

            Assert.Equal(descriptor.ClrType is null ? null : descriptor.FullName, descriptor.ClrType is null ? null : ProtoSchema.Envoy.FindMessage(descriptor.ClrType)?.FullName);
            checkedCount++;
        }

        Assert.True(checkedCount > 500, $"only {checkedCount} messages checked");
    }

    // Google.Protobuf's FieldType orders its members differently from the wire's FieldDescriptorProto.Type.
    private static int KindOf(FieldSchema field) => field.Type switch
    {
        ProtoFieldType.Double => (int)FieldType.Double,
        ProtoFieldType.Float => (int)FieldType.Float,
        ProtoFieldType.Int64 => (int)FieldType.Int64,
        ProtoFieldType.UInt64 => (int)FieldType.UInt64,
        ProtoFieldType.Int32 => (int)FieldType.Int32,
        ProtoFieldType.Fixed64 => (int)FieldType.Fixed64,
        ProtoFieldType.Fixed32 => (int)FieldType.Fixed32,
        ProtoFieldType.Bool => (int)FieldType.Bool,
        ProtoFieldType.String => (int)FieldType.String,
        ProtoFieldType.Group => (int)FieldType.Group,
        ProtoFieldType.Message => (int)FieldType.Message,
        ProtoFieldType.Bytes => (int)FieldType.Bytes,
        ProtoFieldType.UInt32 => (int)FieldType.UInt32,
        ProtoFieldType.Enum => (int)FieldType.Enum,
        ProtoFieldType.SFixed32 => (int)FieldType.SFixed32,
        ProtoFieldType.SFixed64 => (int)FieldType.SFixed64,
        ProtoFieldType.SInt32 => (int)FieldType.SInt32,
        ProtoFieldType.SInt64 => (int)FieldType.SInt64,
        _ => -1,
    };

    [Fact]
    public void FindMessage_NestedClrType_GivesTheNestedMessage()
    {
        Assert.Equal("envoy.config.cluster.v3.Cluster.CommonLbConfig", ProtoSchema.Envoy.FindMessage(typeof(Cluster.Types.CommonLbConfig))?.FullName);
        Assert.Equal("google.protobuf.Duration", ProtoSchema.Envoy.FindMessage(typeof(Duration))?.FullName);
        Assert.Null(ProtoSchema.Envoy.FindMessage(typeof(string)));
    }

    [Fact]
    public void FindEnum_Known_NamesEachNumber()
    {
        var type = ProtoSchema.Envoy.GetEnum("envoy.config.cluster.v3.Cluster.DiscoveryType");
        Assert.Equal("EDS", type.NameOf(3));
        Assert.True(type.TryGetNumber("STRICT_DNS", out var number));
        Assert.Equal(1, number);
        Assert.Null(type.NameOf(99));
    }

    [Fact]
    public void Find_UnknownOrWrongKind_IsNull()
    {
        Assert.Null(ProtoSchema.Envoy.FindMessage("envoy.config.cluster.v3.Nope"));
        Assert.Null(ProtoSchema.Envoy.FindMessage("envoy.config.cluster.v3.Cluster.DiscoveryType"));
        Assert.Null(ProtoSchema.Envoy.FindEnum("envoy.config.cluster.v3.Cluster"));
        Assert.Equal("a.b.C", ProtoSchema.TypeNameFromUrl("type.googleapis.com/a.b.C"));
    }
}
