using System.Buffers;
using System.Text;
using System.Text.Json;
using MeshProxy.Xds.Conversion;
using YamlDotNet.Core;

namespace MeshProxy.Xds.Bootstrap;

/// <summary>
/// YAML text to JSON text, resolving plain scalars the way Envoy's YAML loader (yaml-cpp) does, so the
/// protobuf JSON parser then sees what Envoy's would: quoted scalars are strings; plain scalars are
/// null (<c>~</c>, <c>null</c>, empty), booleans (<c>true/false</c>, <c>yes/no</c>, <c>on/off</c>, <c>y/n</c>,
/// in lower, Capitalized or UPPER case), integers (decimal or <c>0x</c> hex; beyond 2^53 kept as a string
/// so int64 fields keep every digit), floats, or else strings. Streams YamlDotNet's parser events into a
/// <see cref="Utf8JsonWriter"/> (no node tree, no reflection: trimming and NativeAOT safe); anchors and aliases are
/// expanded, merge keys (<c>&lt;&lt;</c>) are not (a key like any other).
/// </summary>
public static class YamlJsonConverter
{
    /// <summary>Converts one YAML document to JSON; throws <see cref="ConfigException"/> with line and column on bad YAML.</summary>
    public static string Convert(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        using var buffer = new PooledByteBufferWriter(InitialCapacity(yaml));
        ConvertToUtf8(yaml, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Converts one YAML document to UTF-8 JSON; throws <see cref="ConfigException"/> with line and column on bad YAML.</summary>
    public static byte[] ConvertToUtf8(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        using var buffer = new PooledByteBufferWriter(InitialCapacity(yaml));
        ConvertToUtf8(yaml, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Writes one YAML document as UTF-8 JSON to <paramref name="destination"/>; throws <see cref="ConfigException"/>
    /// with line and column on bad YAML, after which <paramref name="destination"/> may hold part of a JSON text.
    /// </summary>
    public static void ConvertToUtf8(string yaml, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(destination);
        var parser = new Parser(new StringReader(yaml));
        using var writer = new Utf8JsonWriter(destination);
        try
        {
            new YamlJsonTranscoder(parser, writer).Run();
        }
        catch (YamlException ex)
        {
            throw new ConfigException(
                string.Empty,
                $"invalid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {Describe(ex)}");
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner fails this way on some malformed flow collections; the last event parsed
            // is the closest position we have.
            var mark = parser.Current?.End ?? Mark.Empty;
            throw new ConfigException(
                $"invalid YAML after line {mark.Line}, column {mark.Column}: the parser could not continue (check brackets and quotes)",
                ex);
        }
    }

    // JSON of a YAML config is about as long as the YAML (quotes added, indentation dropped).
    private static int InitialCapacity(string yaml) => yaml.Length + (yaml.Length / 4) + 16;

    // YamlDotNet's message repeats the position as "(Line: .., Col: .., Idx: ..) - (...): "; keep the words.
    private static string Describe(YamlException ex)
    {
        var message = ex.InnerException is YamlException inner ? inner.Message : ex.Message;
        var cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        return cut >= 0 ? message[(cut + 3)..] : message;
    }
}
