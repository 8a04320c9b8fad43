using System.Net;
using System.Net.Http.Headers;
using MeshProxy.Core.Transport;
using MeshProxy.Tests.Support;
using MeshProxy.Xds.Bootstrap;

namespace MeshProxy.Tests.Http.Conformance;

/// <summary>
/// One MeshProxy runtime started from conformance YAML (<see cref="ProxyYaml"/>), the client side to reach it
/// (an <see cref="HttpClient"/> that neither follows redirects nor uses a system proxy, and raw connections), and
/// nothing about the proxy's internals: tests see the listener's port, its responses and the upstreams.
/// </summary>
internal sealed class HttpProxyRig : IAsyncDisposable
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly ProxyHarness _proxy;
    private readonly Lazy<HttpClient> _client;

    private HttpProxyRig(ProxyHarness proxy)
    {
        _proxy = proxy;
        _client = new(() => CreateClient());
    }

    public IPEndPoint EndPoint => _proxy.EndPoint;

    public Uri BaseUri => new($"http://127.0.0.1:{EndPoint.Port}");

    /// <summary>A shared keep-alive client for this proxy.</summary>
    public HttpClient Client => _client.Value;

    /// <summary>For counters a test cannot observe on the wire (none of the assertions depend on their names).</summary>
    public ProxyHarness Proxy => _proxy;

    public static async Task<HttpProxyRig> StartAsync(string routeConfig, IEnumerable<string> clusters, string hcm = "")
    {
        var yaml = ProxyYaml.Bootstrap(routeConfig, clusters, hcm);
        var loaded = BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml);
        var proxy = await ProxyHarness.StartAsync(TransportFactory.Create(null, 2), loaded.Config);
        return new HttpProxyRig(proxy);
    }

    public HttpClient CreateClient(bool expectContinue = false, int maxConnections = int.MaxValue)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            MaxConnectionsPerServer = maxConnections,
            Expect100ContinueTimeout = TimeSpan.FromSeconds(30),
        };
        var client = new HttpClient(handler) { BaseAddress = BaseUri, Timeout = RequestTimeout };
        client.DefaultRequestHeaders.ExpectContinue = expectContinue;
        return client;
    }

    public Task<RawHttpConnection> ConnectRawAsync() => RawHttpConnection.ConnectAsync(EndPoint);

    /// <summary>Sends a request with an optional authority and extra headers.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string target, string? host = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, target);
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return Client.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string target, string? host = null, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Get, target, host, headers);

    /// <summary>GETs and parses the upstream's description of the request; fails with the status and body otherwise.</summary>
    public async Task<UpstreamEcho> GetEchoAsync(string target, string? host = null, params (string Name, string Value)[] headers)
    {
        using var response = await GetAsync(target, host, headers);
        return await ReadEchoAsync(response);
    }

    public static async Task<UpstreamEcho> ReadEchoAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200 from an upstream, got {(int)response.StatusCode}: {body}");
        return UpstreamEcho.Parse(body);
    }

    public static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : response.Content.Headers.TryGetValues(name, out var contentValues) ? string.Join(",", contentValues)
        : null;

    public async ValueTask DisposeAsync()
    {
        if (_client.IsValueCreated)
        {
            _client.Value.Dispose();
        }

        await _proxy.DisposeAsync();
    }
}
