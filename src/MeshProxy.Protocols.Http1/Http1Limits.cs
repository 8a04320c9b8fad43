namespace MeshProxy.Protocols.Http1;

/// <summary>
/// Parser limits, Envoy's defaults: <c>max_request_headers_kb: 60</c> (and the same for responses) and
/// <c>max_headers_count: 100</c>. The start line counts toward <see cref="MaxHeadBytes"/>.
/// </summary>
public sealed record Http1Limits
{
    public static Http1Limits Default { get; } = new();

    /// <summary>Bytes of start line, field lines and CRLFs up to and including the empty line.</summary>
    public int MaxHeadBytes { get; init; } = 60 * 1024;

    /// <summary>Field lines in a head, or in a trailer section.</summary>
    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>A chunk-size line with its extensions (ours; extensions are ignored, so they need not be long).</summary>
    public int MaxChunkLineBytes { get; init; } = 4096;
}
