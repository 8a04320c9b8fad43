namespace MeshProxy.Core.Http;

/// <summary>The downstream protocol of a stream, as Envoy's <c>%PROTOCOL%</c> names it.</summary>
public enum HttpProtocol
{
    Http10,
    Http11,
    Http2,
    Http3,
}
