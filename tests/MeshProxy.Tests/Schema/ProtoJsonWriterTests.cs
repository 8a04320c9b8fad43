using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Tests.Schema.Parity;
using Duration = Google.Protobuf.WellKnownTypes.Duration;
using Enum = System.Enum;
using Type = System.Type;

namespace MeshProxy.Tests.Schema;

// Messages of json_parity.proto (every field kind, every well-known type) built through the generated API and written
// from their bytes: the JSON must be JsonFormatter's.
public sealed class ProtoJsonWriterTests
{
    private static readonly Dictionary<string, Func<IMessage>> Cases = new()
    {
        ["scalars, all default"] = () => new Scalars(),
        ["scalars, positive"] = () => new Scalars
        {
            DoubleValue = 1.5, FloatValue = 2.25f, Int64Value = 1234567890123, Uint64Value = 9876543210987, Int32Value = 42,
            Fixed64Value = 77, Fixed32Value = 88, BoolValue = true, StringValue = "hello", BytesValue = ByteString.CopyFromUtf8("bytes"),
            Uint32Value = 99, EnumValue = Color.Green, Sfixed32Value = 5, Sfixed64Value = 6, Sint32Value = 7, Sint64Value = 8,
        },
        ["scalars, negative"] = () => new Scalars
        {
            DoubleValue = -1e300, FloatValue = -1.5f, Int64Value = long.MinValue, Int32Value = int.MinValue, Sfixed32Value = -5,
            Sfixed64Value = long.MinValue, Sint32Value = int.MinValue, Sint64Value = long.MinValue, EnumValue = Color.Negative,
        },
        ["scalars, minus one"] = () => new Scalars { Int64Value = -1, Int32Value = -1, Sfixed32Value = -1, Sfixed64Value = -1, Sint32Value = -1, Sint64Value = -1 },
        ["scalars, largest"] = () => new Scalars
        {
            DoubleValue = double.MaxValue, FloatValue = float.MaxValue, Int64Value = long.MaxValue, Uint64Value = ulong.MaxValue,
            Int32Value = int.MaxValue, Fixed64Value = ulong.MaxValue, Fixed32Value = uint.MaxValue, Uint32Value = uint.MaxValue,
            Sfixed32Value = int.MaxValue, Sfixed64Value = long.MaxValue, Sint32Value = int.MaxValue, Sint64Value = long.MaxValue,
        },
        ["scalars, number text"] = () => new Scalars { DoubleValue = 1e21, FloatValue = 1e-7f },
        ["scalars, small doubles"] = () => new Scalars { DoubleValue = double.Epsilon, FloatValue = float.Epsilon },
        ["scalars, fractions"] = () => new Scalars { DoubleValue = 0.1, FloatValue = 0.1f },
        ["scalars, thirds"] = () => new Scalars { DoubleValue = 1.0 / 3, FloatValue = 1.0f / 3 },
        ["scalars, NaN"] = () => new Scalars { DoubleValue = double.NaN, FloatValue = float.NaN },
        ["scalars, Infinity"] = () => new Scalars { DoubleValue = double.PositiveInfinity, FloatValue = float.PositiveInfinity },
        ["scalars, -Infinity"] = () => new Scalars { DoubleValue = double.NegativeInfinity, FloatValue = float.NegativeInfinity },
        ["scalars, negative zero"] = () => new Scalars { DoubleValue = -0.0, FloatValue = -0.0f },
        ["scalars, unknown enum"] = () => new Scalars { EnumValue = (Color)42 },
        ["scalars, enum alias"] = () => new Scalars { EnumValue = Color.Crimson },
        ["scalars, text to escape"] = () => new Scalars { StringValue = "\"quote\" \\ / \b\f\n\r\t \u0001 \u007f <tag> & ' \u2028 é 中文 😀 \ufeff" },
        ["scalars, every byte"] = () => new Scalars { BytesValue = ByteString.CopyFrom([.. Enumerable.Range(0, 256).Select(i => (byte)i)]) },
        ["scalars, nested"] = () => new Scalars
        {
            Child = new Scalars { Int32Value = 1, Child = new Scalars() },
            Children = { new Scalars(), new Scalars { StringValue = "x", Children = { new Scalars { BoolValue = true } } } },
        },
        ["optionals, unset"] = () => new Optionals(),
        ["optionals, defaults"] = () => new Optionals
        {
            DoubleValue = 0, FloatValue = 0, Int64Value = 0, Uint64Value = 0, Int32Value = 0, Fixed64Value = 0, Fixed32Value = 0,
            BoolValue = false, StringValue = "", BytesValue = ByteString.Empty, Uint32Value = 0, EnumValue = Color.Unspecified,
            Sfixed32Value = 0, Sfixed64Value = 0, Sint32Value = 0, Sint64Value = 0,
        },
        ["optionals, negative zero"] = () => new Optionals { DoubleValue = -0.0, FloatValue = -0.0f },
        ["optionals, set"] = () => new Optionals { DoubleValue = -2.5, Int64Value = -3, StringValue = "s", EnumValue = (Color)(-7) },
        ["repeated, empty"] = () => new Repeated(),
        ["repeated, every kind"] = () => new Repeated
        {
            DoubleValues = { 0, -0.0, 1.5, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e21 },
            FloatValues = { 0, 3.25f, float.NaN, -1e-7f },
            Int64Values = { 0, -1, long.MinValue, long.MaxValue },
            Uint64Values = { 0, ulong.MaxValue },
            Int32Values = { 0, -1, int.MinValue, int.MaxValue },
            Fixed64Values = { 0, ulong.MaxValue },
            Fixed32Values = { 0, uint.MaxValue },
            BoolValues = { true, false, true },
            StringValues = { "", "a", "é" },
            BytesValues = { ByteString.Empty, ByteString.CopyFrom(1, 2, 3) },
            Uint32Values = { 0, uint.MaxValue },
            EnumValues = { Color.Unspecified, Color.Red, Color.Crimson, (Color)99, Color.Negative },
            Sfixed32Values = { int.MinValue, -1, 0 },
            Sfixed64Values = { long.MinValue, -1, 0 },
            Sint32Values = { int.MinValue, -1, 0, 1, int.MaxValue },
            Sint64Values = { long.MinValue, -1, 0, 1, long.MaxValue },
            UnpackedInt32Values = { -1, 0, 1 },
            UnpackedDoubleValues = { -0.5, 0 },
            Messages = { new Scalars(), new Scalars { Int32Value = 3 } },
        },
        ["oneof, int32 zero"] = () => new Oneofs { Int32Value = 0 },
        ["oneof, empty string"] = () => new Oneofs { StringValue = "" },
        ["oneof, empty message"] = () => new Oneofs { MessageValue = new Scalars() },
        ["oneof, enum zero"] = () => new Oneofs { EnumValue = Color.Unspecified },
        ["oneof, double zero"] = () => new Oneofs { DoubleValue = 0 },
        ["oneof, duration zero"] = () => new Oneofs { DurationValue = new Duration() },
        ["oneof, wrapper zero"] = () => new Oneofs { WrapperValue = 0 },
        ["oneof, two oneofs"] = () => new Oneofs { StringValue = "s", BytesValue = ByteString.Empty, After = "z" },
        ["oneof, false"] = () => new Oneofs { BoolValue = false },
        ["maps, every key kind"] = () => new Maps
        {
            Int32Keys = { [0] = "zero", [-1] = "minus one", [int.MaxValue] = "max", [int.MinValue] = "min" },
            Int64Keys = { [long.MinValue] = "min", [long.MaxValue] = "max", [-5] = "" },
            Uint32Keys = { [uint.MaxValue] = "max", [0] = "zero" },
            Uint64Keys = { [ulong.MaxValue] = "max", [1] = "one" },
            Sint32Keys = { [-2] = "a", [2] = "b" },
            Sint64Keys = { [long.MinValue] = "a", [3] = "b" },
            Fixed32Keys = { [uint.MaxValue] = "a", [7] = "b" },
            Fixed64Keys = { [ulong.MaxValue] = "a", [8] = "b" },
            Sfixed32Keys = { [int.MinValue] = "a", [9] = "b" },
            Sfixed64Keys = { [long.MinValue] = "a", [10] = "b" },
            BoolKeys = { [true] = "yes", [false] = "no" },
            StringKeys = { [""] = "empty", ["é"] = "accent", ["a\"b"] = "quote", ["z"] = "" },
        },
        ["maps, every value kind"] = () => new Maps
        {
            Int64Values = { ["min"] = long.MinValue, ["zero"] = 0 },
            DoubleValues = { ["nan"] = double.NaN, ["neg zero"] = -0.0, ["tiny"] = 1e-300 },
            EnumValues = { ["zero"] = Color.Unspecified, ["unknown"] = (Color)12, ["alias"] = Color.Crimson },
            BytesValues = { ["empty"] = ByteString.Empty, ["some"] = ByteString.CopyFrom(255, 0) },
            MessageValues = { ["empty"] = new Scalars(), ["set"] = new Scalars { Sint64Value = -9 } },
            ValueValues = { ["null"] = Value.ForNull(), ["list"] = Value.ForList(Value.ForNumber(1), Value.ForString("a")) },
            DurationValues = { ["zero"] = new Duration(), ["half"] = new Duration { Nanos = 500_000_000 } },
            AnyValues = { ["scalars"] = Any.Pack(new Scalars { BoolValue = true }), ["duration"] = Any.Pack(new Duration { Seconds = 1 }) },
            WrapperValues = { ["zero"] = 0, ["minus"] = -4 },
        },
        ["wkt, unset"] = () => new WellKnown(),
        ["wkt, defaults"] = () => new WellKnown
        {
            Any = Any.Pack(new Scalars()), Duration = new Duration(), Timestamp = new Timestamp(), FieldMask = new FieldMask(),
            Struct = new Struct(), Value = Value.ForNull(), ListValue = new ListValue(), NullValue = NullValue.NullValue, Empty = new Empty(),
            DoubleWrapper = 0, FloatWrapper = 0, Int64Wrapper = 0, Uint64Wrapper = 0, Int32Wrapper = 0, Uint32Wrapper = 0,
            BoolWrapper = false, StringWrapper = "", BytesWrapper = ByteString.Empty, Nested = new WellKnown(),
        },
        ["wkt, wrappers"] = () => new WellKnown
        {
            DoubleWrapper = double.NaN, FloatWrapper = -0.0f, Int64Wrapper = long.MinValue, Uint64Wrapper = ulong.MaxValue,
            Int32Wrapper = -1, Uint32Wrapper = uint.MaxValue, BoolWrapper = true, StringWrapper = "é", BytesWrapper = ByteString.CopyFrom(9),
            Int64Wrappers = { 0, -1, long.MaxValue },
        },
        ["wkt, durations"] = () => new WellKnown
        {
            Duration = new Duration { Seconds = 1, Nanos = 500_000_000 },
            Durations =
            {
                new Duration { Seconds = -1, Nanos = -500_000_000 }, new Duration { Nanos = -500_000_000 }, new Duration { Nanos = 1 },
                new Duration { Nanos = 1_000 }, new Duration { Nanos = 1_000_000 }, new Duration { Seconds = 315_576_000_000, Nanos = 999_999_999 },
                new Duration { Seconds = -315_576_000_000, Nanos = -999_999_999 }, new Duration { Seconds = 3, Nanos = 10 },
                new Duration { Seconds = 60, Nanos = 120_000 },
            },
        },
        ["wkt, timestamps"] = () => new WellKnown
        {
            Timestamp = new Timestamp { Seconds = 1_767_322_245, Nanos = 250_000_000 },
            Nested = new WellKnown
            {
                Timestamp = new Timestamp { Seconds = -62_135_596_800 },
                Nested = new WellKnown
                {
                    Timestamp = new Timestamp { Seconds = 253_402_300_799, Nanos = 999_999_999 },
                    Nested = new WellKnown { Timestamp = new Timestamp { Seconds = -1, Nanos = 1_000 } },
                },
            },
        },
        ["wkt, field mask"] = () => new WellKnown { FieldMask = new FieldMask { Paths = { "connect_timeout", "a.b_c.d_e_f", "x" } } },
        ["wkt, struct"] = () => new WellKnown
        {
            Struct = new Struct
            {
                Fields =
                {
                    ["null"] = Value.ForNull(), ["number"] = Value.ForNumber(-2.5), ["integer"] = Value.ForNumber(10),
                    ["nan"] = Value.ForNumber(double.NaN), ["string"] = Value.ForString("s"), ["bool"] = Value.ForBool(false),
                    ["struct"] = Value.ForStruct(new Struct { Fields = { ["inner"] = Value.ForList() } }),
                    ["list"] = Value.ForList(Value.ForNull(), Value.ForBool(true), Value.ForStruct(new Struct())),
                },
            },
        },
        ["wkt, values"] = () => new WellKnown
        {
            Value = Value.ForStruct(new Struct()),
            ListValue = new ListValue { Values = { Value.ForNumber(1e21), Value.ForList(Value.ForList()) } },
            Values = { Value.ForNull(), Value.ForNumber(0), Value.ForString(""), Value.ForBool(false), Value.ForList() },
            NullValues = { NullValue.NullValue, NullValue.NullValue },
        },
        ["wkt, any of each kind"] = () => new WellKnown
        {
            Any = Any.Pack(new Scalars { Int64Value = 5, Child = new Scalars() }),
            Anys =
            {
                Any.Pack(new Duration { Seconds = 2 }), Any.Pack(new Timestamp()), Any.Pack(new FieldMask { Paths = { "a_b" } }),
                Any.Pack(new Struct { Fields = { ["k"] = Value.ForString("v") } }), Any.Pack(Value.ForNumber(3)),
                Any.Pack(new ListValue()), Any.Pack(new Empty()), Any.Pack(new Int64Value { Value = 7 }),
                Any.Pack(new StringValue()), Any.Pack(new BytesValue { Value = ByteString.CopyFrom(1) }),
                Any.Pack(Any.Pack(new Scalars { StringValue = "nested" })), Any.Pack(Any.Pack(new Duration())),
                Any.Pack(new Scalars()), Any.Pack(new WellKnown { Any = Any.Pack(new Oneofs { Int32Value = 0 }) }),
                Any.Pack(new Maps { BoolKeys = { [true] = "t" } }), Any.Pack(new Scalars(), "example.com/prefix/"),
            },
        },
        ["wkt, nested any with empty value"] = () => new WellKnown { Any = new Any { TypeUrl = "type.googleapis.com/meshproxy.test.parity.Scalars" } },
    };

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Write_HandBuiltMessage_IsJsonFormattersJson(string name) => JsonWriterParity.AssertTest(Cases[name]());

    public static TheoryData<string> WellKnownRoots() =>
    [
        "duration", "timestamp", "field mask", "struct", "value", "list value", "empty", "any", "any of duration", "int64 wrapper",
        "bool wrapper", "double wrapper", "string wrapper",
    ];

    // Formatting a well-known type itself gives its JSON value, not an object of its fields.
    [Theory]
    [MemberData(nameof(WellKnownRoots))]
    public void Write_WellKnownTypeAtTheRoot_IsItsJsonValue(string name)
    {
        IMessage message = name switch
        {
            "duration" => new Duration { Seconds = 5, Nanos = 20_000_000 },
            "timestamp" => new Timestamp { Seconds = 86_400 },
            "field mask" => new FieldMask { Paths = { "a_b", "c" } },
            "struct" => new Struct { Fields = { ["a"] = Value.ForNumber(1) } },
            "value" => Value.ForString("v"),
            "list value" => new ListValue { Values = { Value.ForBool(true) } },
            "empty" => new Empty(),
            "any" => Any.Pack(new Scalars { Int32Value = 1 }),
            "any of duration" => Any.Pack(new Duration { Seconds = 1 }),
            "int64 wrapper" => new Int64Value { Value = -3 },
            "bool wrapper" => new BoolValue(),
            "double wrapper" => new DoubleValue { Value = double.NegativeInfinity },
            "string wrapper" => new StringValue { Value = "s" },
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };

        JsonWriterParity.AssertTest(message);
    }

    [Fact]
    public void Write_EveryScalarKind_IsCovered()
    {
        // Guards the cases above: a field kind added to the proto without a case would go untested.
        var kinds = Scalars.Descriptor.Fields.InDeclarationOrder().Select(f => f.FieldType).ToHashSet();
        var expected = Enum.GetValues<Google.Protobuf.Reflection.FieldType>().Where(t => t != Google.Protobuf.Reflection.FieldType.Group);
        Assert.Empty(expected.Except(kinds));
        var keyKinds = Maps.Descriptor.Fields.InDeclarationOrder().Where(f => f.IsMap).Select(f => f.MessageType.Fields[1].FieldType).ToHashSet();
        Assert.Equal(12, keyKinds.Count);
    }

    [Fact]
    public void Write_AnyOfTypeTheSchemaLacks_WritesItsBytesWhereJsonFormatterThrows()
    {
        var message = new WellKnown { Any = new Any { TypeUrl = "type.googleapis.com/no.such.Type", Value = ByteString.CopyFrom(8, 1) } };

        Assert.Throws<InvalidOperationException>(() => JsonWriterParity.TestFormatter.Format(message));
        var json = JsonWriterParity.WriteTest(WellKnown.Descriptor.FullName, message.ToByteArray());

        JsonWriterParity.AssertSame("""{"any":{"@type":"type.googleapis.com/no.such.Type","@value":"CAE="}}""", json);
    }

    [Fact]
    public void Write_AnyWithoutSlashInItsUrl_IsNotLookedUp()
    {
        // Google.Protobuf takes the name after the last '/', and no '/' as no name: the type is unknown even if it exists.
        var message = new WellKnown { Any = new Any { TypeUrl = "meshproxy.test.parity.Scalars" } };

        Assert.Throws<InvalidOperationException>(() => JsonWriterParity.TestFormatter.Format(message));
        JsonWriterParity.AssertSame(
            """{"any":{"@type":"meshproxy.test.parity.Scalars","@value":""}}""",
            JsonWriterParity.WriteTest(WellKnown.Descriptor.FullName, message.ToByteArray()));
    }

    public static TheoryData<string> Unrepresentable() =>
    [
        "duration with opposite signs", "duration too long", "duration nanos out of range", "timestamp before year 1",
        "timestamp after 9999", "timestamp negative nanos", "field mask with capitals", "field mask with double underscore",
        "value without kind", "struct with empty key",
    ];

    // What protobuf JSON cannot represent, JsonFormatter refuses with InvalidOperationException: so do we, naming the field.
    [Theory]
    [MemberData(nameof(Unrepresentable))]
    public void Write_ValueJsonCannotRepresent_ThrowsAsJsonFormatterDoes(string name)
    {
        var message = name switch
        {
            "duration with opposite signs" => new WellKnown { Duration = new Duration { Seconds = 1, Nanos = -1 } },
            "duration too long" => new WellKnown { Duration = new Duration { Seconds = 315_576_000_001 } },
            "duration nanos out of range" => new WellKnown { Duration = new Duration { Nanos = 1_000_000_000 } },
            "timestamp before year 1" => new WellKnown { Timestamp = new Timestamp { Seconds = -62_135_596_801 } },
            "timestamp after 9999" => new WellKnown { Timestamp = new Timestamp { Seconds = 253_402_300_800 } },
            "timestamp negative nanos" => new WellKnown { Timestamp = new Timestamp { Nanos = -1 } },
            "field mask with capitals" => new WellKnown { FieldMask = new FieldMask { Paths = { "fooBar" } } },
            "field mask with double underscore" => new WellKnown { FieldMask = new FieldMask { Paths = { "a__b" } } },
            "value without kind" => new WellKnown { Value = new Value() },
            "struct with empty key" => new WellKnown { Struct = new Struct { Fields = { [""] = Value.ForNull() } } },
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };

        Assert.Throws<InvalidOperationException>(() => JsonWriterParity.TestFormatter.Format(message));
        var error = Assert.Throws<InvalidOperationException>(() => JsonWriterParity.WriteTest(WellKnown.Descriptor.FullName, message.ToByteArray()));
        Assert.StartsWith("meshproxy.test.parity.WellKnown at ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_FieldOfEveryTypeOfTheTestProto_HasASchema()
    {
        // The schema comes from Google.Protobuf's own descriptors here: check it was read as they say.
        foreach (var type in new Type[] { typeof(Scalars), typeof(Optionals), typeof(Repeated), typeof(Oneofs), typeof(Maps), typeof(WellKnown) })
        {
            Assert.NotNull(JsonWriterParity.TestSchema.FindMessage(type));
        }
    }
}
