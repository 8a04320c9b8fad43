using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;
using MeshProxy.Tests.Schema.Parity;

namespace MeshProxy.Tests.Schema;

// Bytes no serializer writes but every parser accepts (repeated singular fields, packed and unpacked mixed, unknown
// fields, wire types a field does not take, odd varints): the JSON must be what JsonFormatter writes once
// Google.Protobuf's parser has read them. And bytes no parser accepts must fail with a clear error.
public sealed class ProtoJsonWriterWireTests
{
    private static readonly Dictionary<string, (Func<byte[], IMessage> Parse, Func<byte[]> Wire)> Cases = new()
    {
        ["scalar repeated, last wins"] = (Scalars.Parser.ParseFrom, () => new Wire()
            .String(9, "a").Varint(5, 7).String(9, "b").Varint(5, 0).ToArray()),
        ["fields out of number order"] = (Scalars.Parser.ParseFrom, () => new Wire()
            .Varint(18, 3).String(9, "x").Double(1, 2.5).Varint(3, 5).ToArray()),
        ["message occurrences merge"] = (Scalars.Parser.ParseFrom, () => new Wire()
            .Message(19, new Wire().Varint(5, 1).String(9, "a"))
            .Varint(3, 9)
            .Message(19, new Wire().String(9, "b").Varint(13, 4)).ToArray()),
        ["nested messages merge at every level"] = (Scalars.Parser.ParseFrom, () => new Wire()
            .Message(19, new Wire().Message(19, new Wire().Varint(5, 1)))
            .Message(19, new Wire().Message(19, new Wire().Varint(13, 2)).Message(20, new Wire())).ToArray()),
        ["repeated messages apart"] = (Scalars.Parser.ParseFrom, () => new Wire()
            .Message(20, new Wire().Varint(5, 1)).Varint(5, 2).Message(20, new Wire()).Message(19, new Wire()).Message(20, new Wire().Varint(5, 3)).ToArray()),
        ["packed and unpacked mixed"] = (Repeated.Parser.ParseFrom, () => new Wire()
            .Varint(5, 1).Varint(5, 2).Packed(5, w => w.Raw(3).Raw(4)).Varint(5, 5)
            .Double(1, 1.5).Packed(1, w => w.RawDouble(2.5).RawDouble(double.NaN)).Double(1, -0.0)
            .Packed(19, w => w.RawVarint(ulong.MaxValue).RawVarint(7))
            .Packed(20, w => w.RawDouble(0.25))
            .Packed(7, w => w.RawFixed32(1).RawFixed32(uint.MaxValue))
            .Packed(18, w => w.RawVarint(1).RawVarint(2).RawVarint(ulong.MaxValue))
            .Packed(8, w => w.RawVarint(0).RawVarint(1).RawVarint(2))
            .Packed(14, w => w.RawVarint(1).RawVarint(99).RawVarint(ulong.MaxValue - 2))
            .Packed(3, _ => { })
            .Packed(16, w => w.RawFixed64(ulong.MaxValue)).Fixed64(16, 5).ToArray()),
        ["only empty packed runs"] = (Repeated.Parser.ParseFrom, () => new Wire().Packed(3, _ => { }).Packed(1, _ => { }).ToArray()),
        ["oneof, another member clears a message"] = (Oneofs.Parser.ParseFrom, () => new Wire()
            .Message(3, new Wire().Varint(5, 1)).String(2, "s").Message(3, new Wire().Varint(13, 2)).ToArray()),
        ["oneof, the same member merges"] = (Oneofs.Parser.ParseFrom, () => new Wire()
            .Message(3, new Wire().Varint(5, 1)).Message(3, new Wire().Varint(13, 2)).ToArray()),
        ["oneof, last scalar member"] = (Oneofs.Parser.ParseFrom, () => new Wire()
            .Varint(1, 5).String(2, "x").Varint(1, 0).ToArray()),
        ["oneof, members of two oneofs"] = (Oneofs.Parser.ParseFrom, () => new Wire()
            .Varint(8, 1).String(2, "s").Bytes(9, [1]).ToArray()),
        ["oneof, wrapper member"] = (Oneofs.Parser.ParseFrom, () => new Wire()
            .String(2, "s").Message(7, new Wire()).ToArray()),
        ["map, repeated key keeps its first place and last value"] = (Maps.Parser.ParseFrom, () => new Wire()
            .Message(12, new Wire().String(1, "k1").String(2, "v1"))
            .Message(12, new Wire().String(1, "k2").String(2, "v2"))
            .Message(12, new Wire().String(1, "k1").String(2, "v3")).ToArray()),
        ["map, entry without key or value"] = (Maps.Parser.ParseFrom, () => new Wire()
            .Message(12, new Wire().String(2, "v"))
            .Message(12, new Wire().String(1, "k"))
            .Message(17, new Wire().String(1, "m"))
            .Message(1, new Wire())
            .Message(19, new Wire().String(1, "d"))
            .Message(21, new Wire().String(1, "w"))
            .Message(15, new Wire().String(1, "e")).ToArray()),
        ["map, entry fields repeated or reversed"] = (Maps.Parser.ParseFrom, () => new Wire()
            .Message(17, new Wire().String(1, "m").Message(2, new Wire().Varint(5, 1)).Message(2, new Wire().Varint(13, 2)))
            .Message(12, new Wire().String(2, "v1").String(1, "k").String(2, "v2").String(1, "k2"))
            .Message(12, new Wire().Varint(1, 3).String(1, "k3").Varint(2, 4)).ToArray()),
        ["map, integer keys as the parser reads them"] = (Maps.Parser.ParseFrom, () => new Wire()
            .Message(1, new Wire().Varint(1, ulong.MaxValue).String(2, "ten-byte minus one"))
            .Message(1, new Wire().Varint(1, 0xFFFF_FFFF).String(2, "five-byte minus one"))
            .Message(1, new Wire().Varint(1, (1UL << 32) | 1).String(2, "one, high bits dropped"))
            .Message(1, new Wire().Varint(1, 1).String(2, "one"))
            .Message(11, new Wire().Varint(1, 2).String(2, "two is true"))
            .Message(11, new Wire().Varint(1, 1).String(2, "true"))
            .Message(5, new Wire().Varint(1, (1UL << 32) | 3).String(2, "sint32 -2"))
            .Message(6, new Wire().Varint(1, ulong.MaxValue).String(2, "sint64 min"))
            .Message(9, new Wire().Fixed32(1, 0x8000_0000).String(2, "sfixed32 min"))
            .Message(10, new Wire().Fixed64(1, 0x8000_0000_0000_0000).String(2, "sfixed64 min")).ToArray()),
        ["unknown fields of every wire type"] = (Scalars.Parser.ParseFrom, () => new Wire()
            .Varint(100, 5).Fixed64(101, 1).Bytes(102, [1, 2, 3]).Fixed32(103, 1)
            .Tag(104, 3).Varint(1, 1).Tag(105, 3).Tag(105, 4).Tag(104, 4)
            .Varint(5, 3).Varint(536_870_911, 1).Message(19, new Wire().Varint(99, 1)).ToArray()),
        ["wire types a field does not take are unknown"] = (Scalars.Parser.ParseFrom, () => new Wire()
            .Fixed32(5, 1).Varint(9, 1).Bytes(1, new byte[8]).Varint(19, 1).Fixed64(14, 1).Varint(2, 1).Fixed32(20, 2).ToArray()),
        ["repeated fields, wire types they do not take"] = (Repeated.Parser.ParseFrom, () => new Wire()
            .Fixed32(5, 1).Varint(9, 1).Varint(21, 1).Fixed64(7, 1).Varint(5, 2).ToArray()),
        ["32-bit fields keep the low half of a varint"] = (Scalars.Parser.ParseFrom, () => new Wire()
            .Varint(5, (1UL << 32) | 5).Varint(13, 1UL << 32).Varint(14, (1UL << 33) | 2).Varint(8, 2).Varint(17, (1UL << 32) | 3).ToArray()),
        ["int32 minus one in five bytes"] = (Scalars.Parser.ParseFrom, () => new Wire().Varint(5, 0xFFFF_FFFF).ToArray()),
        ["overlong varints"] = (Scalars.Parser.ParseFrom, () => new Wire()
            .Tag(5, 0).Raw(0x81, 0x80, 0x80, 0x00).Tag(9, 2).Raw(0x81, 0x00, (byte)'a').ToArray()),
        ["wrapper occurrences merge"] = (WellKnown.Parser.ParseFrom, () => new Wire()
            .Message(15, new Wire().Varint(1, 5)).Message(15, new Wire()).Message(17, new Wire().String(1, "a").String(1, "b"))
            .Message(14, new Wire().Varint(1, (1UL << 32) | 7)).ToArray()),
        ["struct, repeated key"] = (WellKnown.Parser.ParseFrom, () => new Wire()
            .Message(5, new Wire()
                .Message(1, new Wire().String(1, "a").Message(2, new Wire().String(3, "first")))
                .Message(1, new Wire().String(1, "b").Message(2, new Wire().Varint(4, 1)))
                .Message(1, new Wire().String(1, "a").Message(2, new Wire().Double(2, 2)))).ToArray()),
        ["struct, occurrences merge"] = (WellKnown.Parser.ParseFrom, () => new Wire()
            .Message(5, new Wire().Message(1, new Wire().String(1, "a").Message(2, new Wire().Varint(1, 0))))
            .Message(5, new Wire().Message(1, new Wire().String(1, "b").Message(2, new Wire().Varint(1, 0)))).ToArray()),
        ["value, last kind wins"] = (WellKnown.Parser.ParseFrom, () => new Wire()
            .Message(6, new Wire().String(3, "s").Double(2, 1.5))
            .Message(21, new Wire().Message(5, new Wire().Message(1, new Wire().String(1, "k").Message(2, new Wire().Varint(4, 1)))).String(3, "s").Message(5, new Wire()))
            .Message(21, new Wire().Message(6, new Wire().Message(1, new Wire().Varint(1, 0))).Message(6, new Wire().Message(1, new Wire().Varint(4, 0))))
            .Message(21, new Wire().Varint(1, 7)).ToArray()),
        ["any, url and value repeated"] = (WellKnown.Parser.ParseFrom, () => new Wire()
            .Message(1, new Wire()
                .String(1, "type.googleapis.com/meshproxy.test.parity.Oneofs").Bytes(2, [0x08, 0x01])
                .String(1, "type.googleapis.com/meshproxy.test.parity.Scalars").Bytes(2, new Wire().Varint(5, 4).ToArray())).ToArray()),
        ["any, packed message bytes out of order"] = (WellKnown.Parser.ParseFrom, () => new Wire()
            .Message(1, new Wire()
                .Bytes(2, new Wire().Varint(13, 1).Varint(5, 4).Varint(5, 6).ToArray())
                .String(1, "type.googleapis.com/meshproxy.test.parity.Scalars")).ToArray()),
        ["duration, fields repeated"] = (WellKnown.Parser.ParseFrom, () => new Wire()
            .Message(2, new Wire().Varint(1, 5).Varint(2, 1).Varint(1, 7)).Message(2, new Wire().Varint(2, 3_000_000)).ToArray()),
        ["null value, any number"] = (WellKnown.Parser.ParseFrom, () => new Wire()
            .Varint(8, 5).Packed(22, w => w.RawVarint(0).RawVarint(3)).Varint(22, 1).ToArray()),
        ["field mask, occurrences concatenate"] = (WellKnown.Parser.ParseFrom, () => new Wire()
            .Message(4, new Wire().String(1, "a")).Message(4, new Wire().String(1, "b_c")).ToArray()),
        ["repeated wrappers"] = (WellKnown.Parser.ParseFrom, () => new Wire()
            .Message(23, new Wire()).Message(23, new Wire().Varint(1, ulong.MaxValue)).Message(23, new Wire().Varint(1, 1).Varint(1, 2)).ToArray()),
        ["100 levels of nesting"] = (Scalars.Parser.ParseFrom, () => Nested(100)),
    };

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Write_OddButValidBytes_IsWhatJsonFormatterWritesOfTheParsedMessage(string name)
    {
        var (parse, build) = Cases[name];
        var wire = build();
        var parsed = parse(wire);

        JsonWriterParity.AssertSame(JsonWriterParity.TestFormatter.Format(parsed), JsonWriterParity.WriteTest(parsed.Descriptor.FullName, wire));
    }

    // Google.Protobuf's generated code reads wrapper fields as nullable values, which departs from protobuf's merge
    // rule for bytes no serializer writes (a wrapper field repeated, one occurrence an explicit default); ProtoJsonWriter
    // follows the merge rule. These pin the difference down.
    [Fact]
    public void Write_SingularWrapperRepeatedWithExplicitZero_TakesTheZeroWhereGoogleProtobufKeepsTheValue()
    {
        var wire = new Wire().Message(15, new Wire().Varint(1, 5)).Message(15, new Wire().Varint(1, 0)).ToArray();

        JsonWriterParity.AssertSame("""{"uint32_wrapper": 5}""", JsonWriterParity.TestFormatter.Format(WellKnown.Parser.ParseFrom(wire)));
        JsonWriterParity.AssertSame("""{"uint32_wrapper": 0}""", JsonWriterParity.WriteTest(WellKnown.Descriptor.FullName, wire));
    }

    [Fact]
    public void Write_OneofWrapperRepeated_MergesWhereGoogleProtobufReplaces()
    {
        var wire = new Wire().Message(7, new Wire().Varint(1, 5)).Message(7, new Wire()).ToArray();

        JsonWriterParity.AssertSame("""{"wrapper_value": 0}""", JsonWriterParity.TestFormatter.Format(Oneofs.Parser.ParseFrom(wire)));
        JsonWriterParity.AssertSame("""{"wrapper_value": 5}""", JsonWriterParity.WriteTest(Oneofs.Descriptor.FullName, wire));
    }

    private static readonly Dictionary<string, (string Type, Func<byte[]> Wire, string Where)> Malformed = new()
    {
        ["truncated varint"] = ("Scalars", () => new Wire().Tag(5, 0).Raw(0x80).ToArray(), ""),
        ["length past the end"] = ("Scalars", () => new Wire().Tag(9, 2).Raw(5, (byte)'a').ToArray(), ""),
        ["field number zero"] = ("Scalars", () => new Wire().Raw(0x00, 0x01).ToArray(), ""),
        ["wire type 6"] = ("Scalars", () => new Wire().Tag(1, 6).Raw(0).ToArray(), ""),
        ["end group without start"] = ("Scalars", () => new Wire().Tag(5, 4).ToArray(), ""),
        ["group not ended"] = ("Scalars", () => new Wire().Tag(104, 3).Varint(1, 1).ToArray(), ""),
        ["truncated fixed64"] = ("Scalars", () => new Wire().Tag(1, 1).Raw(1, 2, 3, 4).ToArray(), ""),
        ["varint of 11 bytes"] = ("Scalars", () => new Wire().Tag(5, 0).Raw([.. Enumerable.Repeat((byte)0x80, 10), 0x01]).ToArray(), ""),
        ["packed fixed32 of 3 bytes"] = ("Repeated", () => new Wire().Packed(7, w => w.Raw(1, 2, 3)).ToArray(), " at fixed32_values[0]"),
        ["packed varint truncated"] = ("Repeated", () => new Wire().Varint(5, 1).Packed(5, w => w.Raw(0x80)).ToArray(), " at int32_values[1]"),
        ["invalid UTF-8"] = ("Scalars", () => new Wire().Bytes(9, [(byte)'a', 0xFF]).ToArray(), " at string_value"),
        ["UTF-8 of a surrogate"] = ("Scalars", () => new Wire().Message(20, new Wire().Bytes(9, [0xED, 0xA0, 0x80])).ToArray(), " at children[0].string_value"),
        ["invalid UTF-8 map key"] = ("Maps", () => new Wire().Message(12, new Wire().Bytes(1, [0xFE]).String(2, "v")).ToArray(), " at string_keys[0]"),
        ["malformed nested message"] = ("Scalars", () => new Wire()
            .Message(20, new Wire()).Message(20, new Wire().Message(19, new Wire().Tag(5, 0).Raw(0x80))).ToArray(), " at children[1].child"),
        ["malformed map entry"] = ("Maps", () => new Wire().Message(17, new Wire().String(1, "k").Message(2, new Wire().Tag(9, 2).Raw(9))).ToArray(), " at message_values[0]"),
        ["malformed any value"] = ("WellKnown", () => new Wire()
            .Message(1, new Wire().String(1, "type.googleapis.com/meshproxy.test.parity.Scalars").Bytes(2, [0x28])).ToArray(), " at any"),
        ["101 levels of nesting"] = ("Scalars", () => Nested(101), " at " + string.Join('.', Enumerable.Repeat("child", 101))),
    };

    public static TheoryData<string> MalformedNames() => [.. Malformed.Keys];

    [Theory]
    [MemberData(nameof(MalformedNames))]
    public void Write_MalformedBytes_ThrowsInvalidDataNamingTheField(string name)
    {
        var (type, build, where) = Malformed[name];
        var wire = build();
        var fullName = "meshproxy.test.parity." + type;

        Assert.ThrowsAny<InvalidProtocolBufferException>(() => ParseAs(type, wire)); // the parser refuses them too
        var error = Assert.Throws<InvalidDataException>(() => JsonWriterParity.WriteTest(fullName, wire));
        Assert.StartsWith($"malformed protobuf in {fullName}{where}: ", error.Message, StringComparison.Ordinal);
    }

    private static IMessage ParseAs(string type, byte[] wire) => type switch
    {
        "Scalars" => Scalars.Parser.ParseFrom(wire),
        "Repeated" => Repeated.Parser.ParseFrom(wire),
        "Maps" => Maps.Parser.ParseFrom(wire),
        "WellKnown" => WellKnown.Parser.ParseFrom(wire).Any.Unpack<Scalars>(),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static byte[] Nested(int levels)
    {
        var wire = new Wire().Varint(5, 1);
        for (var i = 0; i < levels; i++)
        {
            wire = new Wire().Message(19, wire);
        }

        return wire.ToArray();
    }

    /// <summary>Protobuf wire format written by hand, so tests can say exactly which bytes go in.</summary>
    private sealed class Wire
    {
        private readonly List<byte> _bytes = [];

        public Wire Tag(int field, int wireType) => RawVarint(((ulong)field << 3) | (uint)wireType);

        public Wire Varint(int field, ulong value) => Tag(field, 0).RawVarint(value);

        public Wire Fixed32(int field, uint value) => Tag(field, 5).RawFixed32(value);

        public Wire Fixed64(int field, ulong value) => Tag(field, 1).RawFixed64(value);

        public Wire Double(int field, double value) => Tag(field, 1).RawDouble(value);

        public Wire Bytes(int field, byte[] payload) => Tag(field, 2).RawVarint((ulong)payload.Length).Raw(payload);

        public Wire String(int field, string text) => Bytes(field, Encoding.UTF8.GetBytes(text));

        public Wire Message(int field, Wire inner) => Bytes(field, inner.ToArray());

        public Wire Packed(int field, Action<Wire> values)
        {
            var inner = new Wire();
            values(inner);
            return Bytes(field, inner.ToArray());
        }

        public Wire RawVarint(ulong value)
        {
            while (value >= 0x80)
            {
                _bytes.Add((byte)(value | 0x80));
                value >>= 7;
            }

            _bytes.Add((byte)value);
            return this;
        }

        public Wire RawFixed32(uint value)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
            return Raw(bytes.ToArray());
        }

        public Wire RawFixed64(ulong value)
        {
            Span<byte> bytes = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
            return Raw(bytes.ToArray());
        }

        public Wire RawDouble(double value) => RawFixed64((ulong)BitConverter.DoubleToInt64Bits(value));

        public Wire Raw(params byte[] bytes)
        {
            _bytes.AddRange(bytes);
            return this;
        }

        public byte[] ToArray() => [.. _bytes];
    }
}
