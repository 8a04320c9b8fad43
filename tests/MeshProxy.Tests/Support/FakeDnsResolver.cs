using System.Collections.Concurrent;
using System.Net;
using MeshProxy.Core.Config;
using MeshProxy.Core.Upstream;

namespace MeshProxy.Tests.Support;

/// <summary>A resolver whose answers the test sets: addresses per name, or a failure.</summary>
internal sealed class FakeDnsResolver : IDnsResolver
{
    private readonly ConcurrentDictionary<string, IPAddress[]> _answers = new(StringComparer.Ordinal);
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Names that fail (as if the server were unreachable) until set again.</summary>
    public ConcurrentDictionary<string, bool> Failing { get; } = new(StringComparer.Ordinal);

    public DnsLookupFamily? LastFamily { get; private set; }

    public void Set(string host, params IPAddress[] addresses)
    {
        _answers[host] = addresses;
        Failing.TryRemove(host, out _);
    }

    public void Fail(string host) => Failing[host] = true;

    public ValueTask<IPAddress[]> ResolveAsync(string host, DnsLookupFamily family, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        LastFamily = family;
        if (Failing.ContainsKey(host) || !_answers.TryGetValue(host, out var addresses))
        {
            return ValueTask.FromException<IPAddress[]>(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound));
        }

        return ValueTask.FromResult(addresses);
    }
}
