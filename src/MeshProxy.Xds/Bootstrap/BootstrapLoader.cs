using MeshProxy.Xds.Conversion;
using MeshProxy.Xds.Schema;
using BootstrapProto = Envoy.Config.Bootstrap.V3.Bootstrap;

namespace MeshProxy.Xds.Bootstrap;

/// <summary>
/// Reads an Envoy v3 bootstrap (JSON or YAML) into the generated <c>Bootstrap</c> message with protobuf's
/// JSON mapping (field names, enums, durations and <c>Any</c> by <c>@type</c>, as Envoy reads them;
/// unknown fields are errors; <see cref="ProtoJsonReader"/>, without Google.Protobuf's descriptors), then converts it
/// to a <see cref="Core.Config.ProxyConfig"/>. Every failure is a <see cref="ConfigException"/> naming the field.
/// </summary>
public static class BootstrapLoader
{
    /// <summary>Loads a file; the format comes from the extension (<c>.json</c>, <c>.yaml</c>, <c>.yml</c>) or is sniffed.</summary>
    public static LoadedBootstrap LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new ConfigException($"cannot read bootstrap '{path}': {ex.Message}", ex);
        }

        return LoadText(text, FormatFromPath(path));
    }

    /// <summary>Parses and converts bootstrap text (also used by <c>meshproxy demo</c> for its embedded YAML).</summary>
    public static LoadedBootstrap LoadText(string text, BootstrapFormat format) => Load(Parse(text, format));

    /// <summary>Converts a bootstrap built in code (the <c>--xds</c> command line builds one).</summary>
    public static LoadedBootstrap Load(BootstrapProto proto)
    {
        ArgumentNullException.ThrowIfNull(proto);
        var context = new ConversionContext();
        var config = BootstrapConverter.Convert(proto, context);
        var dynamic = DynamicResourcesConverter.Convert(proto, context);
        context.ThrowIfErrors();
        return new LoadedBootstrap(proto, config!, context.WarningsToImmutable()) { Dynamic = dynamic };
    }

    /// <summary>Parses bootstrap text into the proto without converting it.</summary>
    public static BootstrapProto Parse(string text, BootstrapFormat format)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ParseText(text, format, BootstrapProto.Parser);
    }

    /// <summary>
    /// JSON or YAML text (<see cref="BootstrapFormat.Auto"/> sniffs) to a message. YAML goes to UTF-8 JSON in a pooled
    /// buffer and from there to the message: no JSON string in between.
    /// </summary>
    internal static T ParseText<T>(string text, BootstrapFormat format, Google.Protobuf.MessageParser<T> parser)
        where T : Google.Protobuf.IMessage<T>
    {
        if (format == BootstrapFormat.Auto)
        {
            format = Sniff(text);
        }

        if (format != BootstrapFormat.Yaml)
        {
            return ProtoJsonReader.Parse(text, parser);
        }

        using var json = new PooledByteBufferWriter(text.Length + (text.Length / 4));
        YamlJsonConverter.ConvertToUtf8(text, json);
        return ProtoJsonReader.Parse(json.WrittenSpan, parser);
    }

    public static BootstrapFormat FormatFromPath(string path)
    {
        var extension = Path.GetExtension(path);
        if (extension.Equals(".json", StringComparison.OrdinalIgnoreCase))
        {
            return BootstrapFormat.Json;
        }

        return extension.Equals(".yaml", StringComparison.OrdinalIgnoreCase) || extension.Equals(".yml", StringComparison.OrdinalIgnoreCase)
            ? BootstrapFormat.Yaml
            : BootstrapFormat.Auto;
    }

    private static BootstrapFormat Sniff(string text) =>
        text.AsSpan().TrimStart().StartsWith("{") ? BootstrapFormat.Json : BootstrapFormat.Yaml;
}
