namespace MeshProxy.Abstractions.LoadBalancing;

/// <summary>
/// Picks a host for a new upstream connection or request out of a fixed host set (built per host-set change, not per
/// pick). Called concurrently from every event loop: implementations are thread-safe, do not block and do not allocate.
/// </summary>
public interface ILoadBalancer
{
    /// <summary>The chosen host, or null when there is none to choose ("no healthy upstream").</summary>
    IUpstreamHost? Pick(in LoadBalancerContext context);
}
