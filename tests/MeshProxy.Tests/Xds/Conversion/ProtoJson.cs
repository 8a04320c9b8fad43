using Google.Protobuf;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Tests.Xds.Conversion;

/// <summary>Builds protos from protobuf JSON (with <c>@type</c> on Any), as a control plane would send them.</summary>
internal static class ProtoJson
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithTypeRegistry(EnvoyTypes.Registry));

    public static T Parse<T>(string json)
        where T : IMessage<T>, new() => Parser.Parse<T>(json);

    public static string[] Lines(IEnumerable<ConfigDiagnostic> diagnostics) => [.. diagnostics.Select(d => d.ToString())];
}
