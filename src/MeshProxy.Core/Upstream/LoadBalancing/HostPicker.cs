namespace MeshProxy.Core.Upstream.LoadBalancing;

/// <summary>
/// One policy's state over one fixed, non-empty list of hosts (Envoy's "hosts source": the healthy hosts of a
/// priority, its degraded hosts, all of its hosts in panic, or those of one locality). Built once per host set; thread
/// safe and allocation-free per pick.
/// </summary>
internal abstract class HostPicker
{
    public abstract UpstreamHost Pick();
}
