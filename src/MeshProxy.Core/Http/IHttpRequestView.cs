using System.Net;

namespace MeshProxy.Core.Http;

/// <summary>
/// What routing reads of one request, answered by the codec's stream over its own header storage (an HTTP/1.1 head,
/// an HTTP/2 header block) without copying. Protocol-neutral: HTTP/1.1's request line and <c>Host</c> and HTTP/2's
/// pseudo-headers map onto the same members. Spans stay valid until the request's headers change; one view serves
/// one stream at a time and is not thread-safe.
/// </summary>
/// <remarks>
/// The router answers the pseudo-header names <c>:method</c>, <c>:path</c>, <c>:authority</c>, <c>:scheme</c> and
/// <c>host</c> (Envoy maps the HTTP/1 host onto <c>:authority</c>) from the properties, so an implementation's
/// <see cref="TryGetHeader(ReadOnlySpan{byte}, int, out ReadOnlySpan{byte})"/> only needs regular fields.
/// </remarks>
public interface IHttpRequestView
{
    HttpProtocol Protocol { get; }

    /// <summary>The method as received (<c>GET</c>).</summary>
    ReadOnlySpan<byte> Method { get; }

    /// <summary>The request target in origin form: path plus <c>?query</c> as received (Envoy's <c>:path</c>).</summary>
    ReadOnlySpan<byte> Path { get; }

    /// <summary><c>:authority</c> or <c>Host</c>, as received (any case, port included); empty when absent.</summary>
    ReadOnlySpan<byte> Authority { get; }

    /// <summary><c>http</c> or <c>https</c>: the scheme the client used (<c>:scheme</c>); empty means <c>http</c>.</summary>
    ReadOnlySpan<byte> Scheme { get; }

    /// <summary>The downstream peer (after <c>use_remote_address</c>/XFF processing); null when unknown.</summary>
    IPEndPoint? RemoteAddress { get; }

    /// <summary>The address the downstream connection was accepted on (the original destination when redirected).</summary>
    IPEndPoint? LocalAddress { get; }

    /// <summary>The first value of a header.</summary>
    /// <param name="lowerCaseName">Lower-case ASCII name.</param>
    /// <param name="value">The value, without surrounding whitespace.</param>
    bool TryGetHeader(ReadOnlySpan<byte> lowerCaseName, out ReadOnlySpan<byte> value);

    /// <summary>
    /// The <paramref name="occurrence"/>-th value (0 is the first) of a header that appears several times; how
    /// routing visits repeated headers (Envoy joins them with <c>,</c> before matching). False past the last.
    /// </summary>
    bool TryGetHeader(ReadOnlySpan<byte> lowerCaseName, int occurrence, out ReadOnlySpan<byte> value);
}
