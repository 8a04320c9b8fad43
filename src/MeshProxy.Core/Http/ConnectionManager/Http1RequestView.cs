using System.Net;
using System.Text;
using MeshProxy.Protocols.Http1;

namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>
/// The router's view of (and mutation seam on) the current HTTP/1.1 request head of a session: reads the parsed
/// head in place, no copies. One per session, reused for every request.
/// </summary>
internal sealed class Http1RequestView : IHttpRequestView, IHttpHeaderMutator
{
    private readonly Http1RequestHead _head;

    public Http1RequestView(Http1RequestHead head) => _head = head;

    public HttpProtocol Protocol => _head.Version == Http1Version.Http10 ? HttpProtocol.Http10 : HttpProtocol.Http11;

    public ReadOnlySpan<byte> Method => _head.MethodBytes;

    /// <summary>Origin form as received; for absolute form the path and query of the URI (Envoy's <c>:path</c>).</summary>
    public ReadOnlySpan<byte> Path => _head.TargetForm switch
    {
        Http1TargetForm.Absolute => AbsolutePath(_head.Target),
        Http1TargetForm.Authority => default,
        _ => _head.Target,
    };

    public ReadOnlySpan<byte> Authority => _head.Headers.TryGetValue(Http1KnownHeader.Host, out var host) ? host : default;

    public ReadOnlySpan<byte> Scheme => "http"u8;

    public IPEndPoint? RemoteAddress { get; set; }

    public IPEndPoint? LocalAddress { get; set; }

    public bool TryGetHeader(ReadOnlySpan<byte> lowerCaseName, out ReadOnlySpan<byte> value) =>
        _head.Headers.TryGetValue(lowerCaseName, out value);

    public bool TryGetHeader(ReadOnlySpan<byte> lowerCaseName, int occurrence, out ReadOnlySpan<byte> value)
    {
        var headers = _head.Headers;
        var seen = 0;
        for (var i = 0; i < headers.Count; i++)
        {
            var header = headers[i];
            if (Ascii.EqualsIgnoreCase(header.Name, lowerCaseName) && seen++ == occurrence)
            {
                value = header.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    public bool Contains(ReadOnlySpan<byte> lowerCaseName) => _head.Headers.TryGetValue(lowerCaseName, out _);

    public void Add(ReadOnlySpan<byte> lowerCaseName, ReadOnlySpan<byte> value) => _head.Headers.Add(lowerCaseName, value);

    public void Set(ReadOnlySpan<byte> lowerCaseName, ReadOnlySpan<byte> value)
    {
        _head.Headers.Remove(lowerCaseName);
        _head.Headers.Add(lowerCaseName, value);
    }

    public void Remove(ReadOnlySpan<byte> lowerCaseName) => _head.Headers.Remove(lowerCaseName);

    /// <summary><c>scheme://authority/path?query</c> -> <c>/path?query</c>; <c>/</c> when the URI has no path.</summary>
    internal static ReadOnlySpan<byte> AbsolutePath(ReadOnlySpan<byte> target)
    {
        var schemeEnd = target.IndexOf("://"u8);
        if (schemeEnd < 0)
        {
            return target;
        }

        var rest = target[(schemeEnd + 3)..];
        var slash = rest.IndexOfAny((byte)'/', (byte)'?');
        if (slash < 0)
        {
            return "/"u8;
        }

        return rest[slash] == (byte)'/' ? rest[slash..] : target[..0];
    }
}
