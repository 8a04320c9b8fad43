namespace MeshProxy.Tests.Http.Conformance;

/// <summary>Three named Kestrel upstreams (<c>a</c>, <c>b</c>, <c>c</c>) shared by the tests of one class.</summary>
public sealed class ConformanceUpstreams : IAsyncLifetime
{
    internal KestrelUpstream A { get; private set; } = null!;

    internal KestrelUpstream B { get; private set; } = null!;

    internal KestrelUpstream C { get; private set; } = null!;

    /// <summary>STATIC clusters a, b and c, one host each.</summary>
    internal IEnumerable<string> Clusters =>
    [
        ProxyYaml.Cluster("a", A.EndPoint),
        ProxyYaml.Cluster("b", B.EndPoint),
        ProxyYaml.Cluster("c", C.EndPoint),
    ];

    public async Task InitializeAsync()
    {
        var started = await Task.WhenAll(KestrelUpstream.StartAsync("a"), KestrelUpstream.StartAsync("b"), KestrelUpstream.StartAsync("c"));
        (A, B, C) = (started[0], started[1], started[2]);
    }

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await C.DisposeAsync();
    }
}
