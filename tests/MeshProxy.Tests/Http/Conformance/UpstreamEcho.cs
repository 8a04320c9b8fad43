using System.Text.Json;
using System.Text.Json.Serialization;

namespace MeshProxy.Tests.Http.Conformance;

/// <summary>What a <see cref="KestrelUpstream"/> saw of a request, as it answers it in JSON.</summary>
/// <param name="Upstream">The upstream's name.</param>
/// <param name="Port">The local port the request arrived on (an upstream may listen on several, one per cluster).</param>
/// <param name="Method">The request method.</param>
/// <param name="Target">The raw request target (path and query as received).</param>
/// <param name="Protocol">The request's HTTP version.</param>
/// <param name="Headers">Request header fields, lower-case names, repeated values joined by <c>,</c>.</param>
/// <param name="BodyLength">Bytes of request body read.</param>
internal sealed record UpstreamEcho(
    [property: JsonPropertyName("upstream")] string Upstream,
    [property: JsonPropertyName("port")] int Port,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("protocol")] string Protocol,
    [property: JsonPropertyName("headers")] Dictionary<string, string> Headers,
    [property: JsonPropertyName("bodyLength")] long BodyLength)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public static UpstreamEcho Parse(string json) =>
        JsonSerializer.Deserialize<UpstreamEcho>(json)
        ?? throw new InvalidOperationException("not an upstream echo: " + json);
}
