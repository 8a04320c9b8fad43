using MeshProxy.Core.Upstream.LoadBalancing;
using Serilog;

namespace MeshProxy.Core.Upstream;

/// <summary>What runtime clusters need from outside: the DNS resolver, the clock for refresh and cleanup timers, a logger.</summary>
internal sealed record UpstreamServices(IDnsResolver DnsResolver, TimeProvider TimeProvider, ILogger Logger)
{
    public static UpstreamServices Default { get; } = new(SystemDnsResolver.Instance, TimeProvider.System, Serilog.Core.Logger.None);

    /// <summary>Randomness of the load balancers (seeded in tests).</summary>
    public IRandom Random { get; init; } = SystemRandom.Shared;
}
