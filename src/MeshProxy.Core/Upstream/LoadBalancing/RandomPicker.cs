namespace MeshProxy.Core.Upstream.LoadBalancing;

/// <summary>Envoy's RANDOM: a uniformly random host; host weights are ignored, as in Envoy.</summary>
internal sealed class RandomPicker(UpstreamHost[] hosts, IRandom random) : HostPicker
{
    public override UpstreamHost Pick() => hosts[(int)(random.NextUInt64() % (ulong)hosts.Length)];
}
