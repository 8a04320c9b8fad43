namespace MeshProxy.Core.Upstream.LoadBalancing;

/// <summary>The hosts of one locality within one priority level.</summary>
/// <param name="Name">The locality label (<c>region/zone/sub_zone</c>).</param>
/// <param name="Weight">Its <c>load_balancing_weight</c>, 0 when unset (such a locality takes no traffic, as in Envoy).</param>
/// <param name="Hosts">Every host.</param>
/// <param name="Healthy">Healthy hosts (health Healthy or Unknown).</param>
/// <param name="Degraded">Degraded hosts.</param>
internal sealed record LocalityHosts(string Name, uint Weight, UpstreamHost[] Hosts, UpstreamHost[] Healthy, UpstreamHost[] Degraded);
