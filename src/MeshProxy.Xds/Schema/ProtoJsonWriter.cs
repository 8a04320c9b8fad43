using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Google.Protobuf;

namespace MeshProxy.Xds.Schema;

/// <summary>
/// Protobuf JSON from a message's wire bytes and its <see cref="MessageSchema"/>: what Google.Protobuf's
/// <c>JsonFormatter</c> writes with proto field names (<c>WithPreserveProtoFieldNames(true)</c>) and a registry of every
/// Envoy type, without touching Google.Protobuf's descriptors (which would build, and keep, those of the message's whole
/// import closure; see <see cref="ProtoSchema"/>).
/// </summary>
/// <remarks>
/// The output is <c>JsonFormatter</c>'s value for value: fields in field-number order; proto3 defaults left out unless
/// the field tracks presence (messages, oneof members, proto3 <c>optional</c>); 64-bit integers as strings; enums by
/// name (numbers a build does not know as numbers); floats as .NET's shortest round-trip text with <c>"NaN"</c> and
/// <c>"Infinity"</c> as strings; bytes in base64; maps as objects; the well-known types in their JSON forms. Parsing
/// rules apply to odd bytes: the last of repeated occurrences of a scalar wins, those of a message merge, packed and
/// unpacked repeated scalars are both read, unknown fields are skipped. Whitespace and string escaping are the
/// <see cref="Utf8JsonWriter"/>'s.
/// <para>
/// Differences: an <c>Any</c> whose type the schema lacks is written as <c>{"@type": ..., "@value": base64}</c> where
/// <c>JsonFormatter</c> throws; a wrapper field occurring twice, the second an explicit default, merges by the protobuf
/// rule where Google.Protobuf's generated parser keeps the first (no serializer writes such bytes); the nesting limit
/// (100, the parser's) counts across <c>Any</c> values, which Google.Protobuf parses afresh.
/// </para>
/// Bytes the parser would refuse (malformed wire format, a string that is not UTF-8, nesting past 100) throw
/// <see cref="InvalidDataException"/>; values protobuf JSON cannot represent (a Duration or Timestamp out of range, a
/// Value with no kind) throw <see cref="InvalidOperationException"/>, as <c>JsonFormatter</c> does; both name the
/// field path.
/// </remarks>
public static class ProtoJsonWriter
{
    private const string TypeUrlPrefix = "type.googleapis.com/";

    // JsonFormatter leaves non-ASCII text as it is; the default encoder would escape it (\u00E9). Protobuf JSON is not
    // HTML, so only what JSON itself requires is escaped.
    private static readonly JsonWriterOptions FormatOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes <paramref name="message"/> (a generated Envoy API type) as a JSON value.</summary>
    public static void Write(Utf8JsonWriter writer, IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var schema = ProtoSchema.Envoy.GetMessage(message.GetType());
        var bytes = Serialize(message, out var length);
        try
        {
            Write(writer, schema, bytes.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Writes the wire bytes of a message of <paramref name="schema"/> as a JSON value.</summary>
    public static void Write(Utf8JsonWriter writer, MessageSchema schema, ReadOnlySpan<byte> message)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(schema);
        var emitter = new ProtoJsonEmitter(writer, message);
        try
        {
            emitter.WriteRoot(schema);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException)
        {
            throw Located(e, schema, emitter.Where());
        }
        finally
        {
            emitter.Dispose();
        }
    }

    /// <summary>
    /// Writes <paramref name="message"/> as <c>JsonFormatter</c> writes <c>Any.Pack(message)</c>: its fields after an
    /// <c>@type</c> of <c>type.googleapis.com/</c> and its full name (without building the descriptor Any.Pack reads
    /// the name from).
    /// </summary>
    public static void WriteAsAny(Utf8JsonWriter writer, IMessage message)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(message);
        var schema = ProtoSchema.Envoy.GetMessage(message.GetType());
        var bytes = Serialize(message, out var length);
        var emitter = new ProtoJsonEmitter(writer, bytes.AsSpan(0, length));
        try
        {
            emitter.WriteRootAsAny(schema, TypeUrlPrefix + schema.FullName);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException)
        {
            throw Located(e, schema, emitter.Where());
        }
        finally
        {
            emitter.Dispose();
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary><paramref name="message"/> as compact JSON text, as <c>JsonFormatter.Format</c> gives it (less its spaces).</summary>
    public static string Format(IMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, FormatOptions))
        {
            Write(writer, message);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static byte[] Serialize(IMessage message, out int length)
    {
        length = message.CalculateSize();
        var bytes = ArrayPool<byte>.Shared.Rent(length);
        message.WriteTo(bytes.AsSpan(0, length));
        return bytes;
    }

    private static Exception Located(Exception e, MessageSchema schema, string path)
    {
        var where = path.Length == 0 ? schema.FullName : $"{schema.FullName} at {path}";
        return e is InvalidDataException
            ? new InvalidDataException($"malformed protobuf in {where}: {e.Message}", e)
            : new InvalidOperationException($"{where} cannot be written as JSON: {e.Message}", e);
    }
}
