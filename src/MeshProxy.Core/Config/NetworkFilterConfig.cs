namespace MeshProxy.Core.Config;

/// <summary>Base of every network filter's typed configuration.</summary>
/// <param name="Name">The filter's name as configured (for example <c>envoy.filters.network.tcp_proxy</c>).</param>
public abstract record NetworkFilterConfig(string Name);
