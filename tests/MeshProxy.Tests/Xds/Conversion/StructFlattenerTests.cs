using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Tests.Schema;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Tests.Xds.Conversion;

public sealed class StructFlattenerTests
{
    [Fact]
    public void Flatten_NestedStruct_GivesDottedKeysAndText()
    {
        var layer = new Struct
        {
            Fields =
            {
                ["envoy"] = Value.ForStruct(new Struct
                {
                    Fields = { ["limit"] = Value.ForNumber(10), ["ratio"] = Value.ForNumber(0.25), ["on"] = Value.ForBool(true), ["off"] = Value.ForNull() },
                }),
                ["name"] = Value.ForString("é"),
            },
        };

        var flat = StructFlattener.Flatten(layer);

        Assert.Equal(["envoy.limit", "envoy.off", "envoy.on", "envoy.ratio", "name"], flat.Keys);
        Assert.Equal(["10", "", "true", "0.25", "é"], flat.Values);
    }

    [Fact]
    public void Flatten_List_IsItsProtobufJson()
    {
        var list = Value.ForList(Value.ForNumber(1), Value.ForString("a"), Value.ForStruct(new Struct { Fields = { ["b"] = Value.ForNull() } }), Value.ForNumber(1e21));

        var text = StructFlattener.Flatten(new Struct { Fields = { ["k"] = list } })["k"];

        Assert.Equal("""[1,"a",{"b":null},1e+21]""", text);
        JsonWriterParity.AssertSame(JsonFormatter.Default.Format(list), text);
    }
}
