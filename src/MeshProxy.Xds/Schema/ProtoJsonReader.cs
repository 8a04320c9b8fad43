using System.Buffers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Xds.Schema;

/// <summary>
/// Protobuf's JSON mapping read without Google.Protobuf's descriptors: the JSON is transcoded to the binary encoding
/// using the <see cref="MessageSchema"/> (field names, numbers and types from the build's descriptor set), and the
/// generated parser reads that. Accepts what Google.Protobuf's <c>JsonParser</c> (default settings, every Envoy type
/// in its registry) accepts and gives an equal message: proto or JSON field names, null as absent, numbers as numbers
/// or strings, enums by name or number, maps, oneofs, and the well-known types' own forms (<c>Any</c> by
/// <c>@type</c>, <c>"1.5s"</c> durations, RFC 3339 timestamps, field masks, <c>Struct</c>/<c>Value</c>, wrappers).
/// </summary>
/// <remarks>
/// Every failure is a <see cref="ConfigException"/> naming the field by its proto path, through <c>Any</c>s
/// (<c>static_resources.listeners[0].filter_chains[0].filters[0].typed_config.stat_prefx: unknown field ...</c>);
/// JSON that does not parse names its line and column instead.
/// <para>
/// Known differences from JsonParser, neither reachable with the Envoy API's (proto3) types: a proto2 <c>optional</c> field given twice
/// in one object is refused (the schema cannot tell it from proto3 <c>optional</c>, whose synthetic oneof JsonParser
/// enforces); and text given as a .NET string with an unpaired surrogate is read with U+FFFD in its place (the UTF-8
/// encoding replaces it) where JsonParser refuses it.
/// </para>
/// </remarks>
public static class ProtoJsonReader
{
    /// <summary>Parses UTF-8 JSON into a <typeparamref name="T"/> of the Envoy API (or a well-known type).</summary>
    public static T Parse<T>(ReadOnlySpan<byte> json, MessageParser<T> parser)
        where T : IMessage<T> =>
        Parse(json, parser, ProtoSchema.Envoy.GetMessage(typeof(T)));

    /// <summary>Parses JSON text into a <typeparamref name="T"/> of the Envoy API (or a well-known type).</summary>
    public static T Parse<T>(string json, MessageParser<T> parser)
        where T : IMessage<T> =>
        Parse(json, parser, ProtoSchema.Envoy.GetMessage(typeof(T)));

    /// <summary>Parses JSON text into a message of <paramref name="schema"/>, the type <paramref name="parser"/> reads.</summary>
    public static T Parse<T>(string json, MessageParser<T> parser, MessageSchema schema)
        where T : IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(json);
        var utf8 = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetByteCount(json));
        try
        {
            return Parse(utf8.AsSpan(0, Encoding.UTF8.GetBytes(json, utf8)), parser, schema);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(utf8);
        }
    }

    /// <summary>Parses UTF-8 JSON into a message of <paramref name="schema"/>, the type <paramref name="parser"/> reads.</summary>
    public static T Parse<T>(ReadOnlySpan<byte> json, MessageParser<T> parser, MessageSchema schema)
        where T : IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(schema);
        using var output = new ProtoWriter(json.Length / 2);
        Transcode(json, schema, output, canonical: false);
        try
        {
            return parser.ParseFrom(output.WrittenSpan);
        }
        catch (InvalidProtocolBufferException ex)
        {
            // Not expected: the encoding is valid and nests no deeper than the generated parser allows (JsonParser's
            // limit, which the transcoder keeps, is the stricter). A config error all the same, not a protobuf one.
            throw new ConfigException($"cannot read the transcoded message: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The protobuf encoding of <paramref name="json"/> as a message of <paramref name="schema"/>, exactly as
    /// Google.Protobuf serializes the message its JsonParser reads from it.
    /// </summary>
    public static byte[] ToProtobuf(ReadOnlySpan<byte> json, MessageSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        using var output = new ProtoWriter(json.Length / 2);
        Transcode(json, schema, output, canonical: true);
        return output.WrittenSpan.ToArray();
    }

    private static void Transcode(ReadOnlySpan<byte> json, MessageSchema schema, ProtoWriter output, bool canonical)
    {
        var cache = JsonSchemaCache.For(schema.Schema);
        try
        {
            new ProtoJsonTranscoder(json, cache, output, canonical).Transcode(cache.Get(schema));
        }
        catch (JsonException ex)
        {
            throw InvalidJson(ex);
        }
    }

    // Utf8JsonReader's positions are zero-based, in bytes; its message repeats them at the end.
    private static ConfigException InvalidJson(JsonException ex)
    {
        var message = ex.Message;
        var suffix = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (suffix >= 0)
        {
            message = message[..suffix];
        }

        var where = ex.LineNumber is { } line
            ? $"invalid JSON at line {line + 1}, column {(ex.BytePositionInLine ?? 0) + 1}"
            : "invalid JSON";
        return new ConfigException($"{where}: {message}", ex);
    }
}
