using System.Net;
using System.Text;

namespace MeshProxy.Core.Http;

/// <summary>
/// An <see cref="IHttpRequestView"/> over plain arrays, which is also its own request-header mutator: the test double
/// and benchmark input for routing. Built with <see cref="WithHeader"/>; reads allocate nothing.
/// </summary>
public sealed class InMemoryHttpRequest : InMemoryHttpHeaders, IHttpRequestView
{
    private byte[] _method;
    private byte[] _path;
    private byte[] _authority;
    private byte[] _scheme = "http"u8.ToArray();

    public InMemoryHttpRequest(string method, string authority, string path)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentNullException.ThrowIfNull(path);
        _method = Encoding.Latin1.GetBytes(method);
        _authority = Encoding.Latin1.GetBytes(authority);
        _path = Encoding.Latin1.GetBytes(path);
    }

    public HttpProtocol Protocol { get; set; } = HttpProtocol.Http11;

    public ReadOnlySpan<byte> Method => _method;

    public ReadOnlySpan<byte> Path => _path;

    public ReadOnlySpan<byte> Authority => _authority;

    public ReadOnlySpan<byte> Scheme => _scheme;

    public IPEndPoint? RemoteAddress { get; set; } = new(IPAddress.Loopback, 50000);

    public IPEndPoint? LocalAddress { get; set; } = new(IPAddress.Loopback, 8080);

    public InMemoryHttpRequest WithHeader(string name, string value)
    {
        this.Add(name.ToLowerInvariant(), value);
        return this;
    }

    public InMemoryHttpRequest WithScheme(string scheme)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        _scheme = Encoding.Latin1.GetBytes(scheme);
        return this;
    }

    public void SetPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        _path = Encoding.Latin1.GetBytes(path);
    }

    public void SetAuthority(string authority)
    {
        ArgumentNullException.ThrowIfNull(authority);
        _authority = Encoding.Latin1.GetBytes(authority);
    }

    public void SetMethod(string method)
    {
        ArgumentNullException.ThrowIfNull(method);
        _method = Encoding.Latin1.GetBytes(method);
    }
}
