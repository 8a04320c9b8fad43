using System.Text;

namespace MeshProxy.Tests.Http.Conformance;

/// <summary>A parsed HTTP/1.x response as read off a raw socket.</summary>
internal sealed record RawHttpResponse(string StatusLine, int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body, bool Chunked)
{
    public string? Header(string name) =>
        Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();

    public string BodyText => Encoding.UTF8.GetString(Body);
}
