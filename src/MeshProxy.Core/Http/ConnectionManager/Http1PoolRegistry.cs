using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Timing;
using MeshProxy.Core.Transport;
using MeshProxy.Core.Upstream;
using Serilog;

namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>
/// The HTTP/1.1 upstream pools of the process: one per host per event loop (found without locks: a weak table keyed by
/// the host, then the loop's slot), and the request circuit-breaker state per cluster name. Shared by every HTTP
/// connection manager of a <see cref="ProxyRuntime"/>. A host that leaves its cluster takes its pools with it once
/// nothing references it; their idle connections are closed when the upstream closes them or at shutdown.
/// </summary>
internal sealed class Http1PoolRegistry : IDisposable
{
    private readonly ConditionalWeakTable<UpstreamHost, Http1ConnectionPool?[]> _pools = new();
    private readonly ConcurrentDictionary<string, UpstreamRequestState> _states = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<UpstreamHost, Http1ConnectionPool?[]>.CreateValueCallback _createSlots;
    private readonly ITransport _transport;
    private readonly Heartbeat _heartbeat;
    private readonly StatsStore _stats;
    private readonly ILogger _logger;

    public Http1PoolRegistry(ITransport transport, Heartbeat heartbeat, StatsStore stats, ILogger logger)
    {
        _transport = transport;
        _heartbeat = heartbeat;
        _stats = stats;
        _logger = logger;
        var loops = Math.Max(1, transport.Loops.Count);
        _createSlots = _ => new Http1ConnectionPool?[loops];
    }

    public Http1ConnectionPool GetPool(UpstreamHost host, IEventLoop loop)
    {
        var slots = _pools.GetValue(host, _createSlots);
        var index = (uint)loop.Id < (uint)slots.Length ? loop.Id : 0;
        return slots[index] ?? Create(slots, index, host, loop);
    }

    public UpstreamRequestState GetState(string clusterName) =>
        _states.TryGetValue(clusterName, out var state) ? state : _states.GetOrAdd(clusterName, name => new UpstreamRequestState(_stats, name));

    public void Dispose()
    {
        foreach (var pair in _pools)
        {
            foreach (var pool in pair.Value)
            {
                pool?.CloseIdle();
            }
        }
    }

    private Http1ConnectionPool Create(Http1ConnectionPool?[] slots, int index, UpstreamHost host, IEventLoop loop)
    {
        var pool = new Http1ConnectionPool(host, loop, _transport, _heartbeat, _logger);
        return Interlocked.CompareExchange(ref slots[index], pool, null) ?? pool;
    }
}
