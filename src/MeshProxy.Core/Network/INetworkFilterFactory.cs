namespace MeshProxy.Core.Network;

/// <summary>
/// Built once per filter config (at config time, holding its stats and dependencies); creates the per-connection
/// handler. Lives in Core rather than Abstractions because handlers see transport types (<see cref="ConnectionContext"/>).
/// </summary>
public interface INetworkFilterFactory
{
    /// <summary>The filter's configured name (<c>envoy.filters.network.tcp_proxy</c>).</summary>
    string Name { get; }

    INetworkFilter CreateFilter(ConnectionContext context);
}
