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
    private IPEndPoint? _remote;
    private bool _remoteResolved;

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

    /// <summary>
    /// The client's address as Envoy derives it: with <c>use_remote_address</c> and no trusted hops, the socket peer;
    /// otherwise the entry of <c>x-forwarded-for</c> that <c>xff_num_trusted_hops</c> points at, counted from the right
    /// (the peer when the list is too short or the entry is not an IP). Computed on first use per request: routing
    /// only asks for it for source-IP hashing and <c>%DOWNSTREAM_REMOTE_ADDRESS%</c>.
    /// </summary>
    public IPEndPoint? RemoteAddress
    {
        get
        {
            if (!_remoteResolved)
            {
                _remote = ResolveRemote();
                _remoteResolved = true;
            }

            return _remote;
        }
    }

    /// <summary>The socket peer of the downstream connection.</summary>
    public IPEndPoint? Peer { get; set; }

    public bool UseRemoteAddress { get; set; }

    public uint XffNumTrustedHops { get; set; }

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

    /// <summary>Call when a new request head has been parsed (before proxy headers are added).</summary>
    public void OnNewRequest()
    {
        _remoteResolved = false;
        _remote = null;
        if (UseRemoteAddress && XffNumTrustedHops > 0)
        {
            // Resolve before use_remote_address appends the peer to x-forwarded-for; otherwise lazily.
            _remote = ResolveRemote();
            _remoteResolved = true;
        }
    }

    /// <summary>The <paramref name="fromRight"/>-th entry (0 = last) of a comma-separated <c>x-forwarded-for</c>.</summary>
    internal static bool TryGetForwardedFor(ReadOnlySpan<byte> list, uint fromRight, out ReadOnlySpan<byte> entry)
    {
        var rest = list;
        for (var i = 0u; ; i++)
        {
            var comma = rest.LastIndexOf((byte)',');
            var item = rest[(comma + 1)..].Trim((byte)' ');
            if (i == fromRight)
            {
                entry = item;
                return !item.IsEmpty;
            }

            if (comma < 0)
            {
                entry = default;
                return false;
            }

            rest = rest[..comma];
        }
    }

    private IPEndPoint? ResolveRemote()
    {
        var hops = XffNumTrustedHops;
        if (UseRemoteAddress && hops == 0)
        {
            return Peer;
        }

        // use_remote_address: the peer is the last hop, so N trusted hops point N-1 entries into the list.
        var fromRight = UseRemoteAddress ? hops - 1 : hops;
        if (!_head.Headers.TryGetValue(Http1KnownHeader.XForwardedFor, out var list)
            || !TryGetForwardedFor(list, fromRight, out var entry)
            || entry.Length > 64)
        {
            return Peer;
        }

        Span<char> chars = stackalloc char[64];
        var length = Encoding.Latin1.GetChars(entry, chars);
        return IPAddress.TryParse(chars[..length], out var address) ? new IPEndPoint(address, 0) : Peer;
    }

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
