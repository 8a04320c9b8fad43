using System.Collections.Immutable;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Tests.Xds.Fixtures;

/// <summary>
/// Resources as istiod 1.2x renders them for a sidecar of <c>reviews</c> in namespace <c>default</c> (written by
/// hand after Istio's shapes, not captured from a cluster): one SotW <see cref="DiscoveryResponse"/> per type, in
/// istiod's push order (CDS, EDS, LDS, RDS). Filters whose protos MeshProxy does not compile (Istio's stats,
/// metadata exchange, ALPN) are sent as TypedStruct, as Istio does for some of them; the outbound stats filter is the
/// older null-VM Wasm form.
/// </summary>
internal sealed record IstioFixture(
    DiscoveryResponse Clusters,
    DiscoveryResponse Endpoints,
    DiscoveryResponse Listeners,
    DiscoveryResponse Routes)
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithTypeRegistry(EnvoyTypes.Registry));

    /// <summary>The four responses in istiod's push order.</summary>
    public ImmutableArray<DiscoveryResponse> InPushOrder => [Clusters, Endpoints, Listeners, Routes];

    /// <summary>Every resource, unpacked, by type URL.</summary>
    public ImmutableDictionary<string, ImmutableArray<IMessage>> ByTypeUrl =>
        InPushOrder.ToImmutableDictionary(r => r.TypeUrl, r => r.Resources.Select(a => a.Unpack(EnvoyTypes.Registry)).ToImmutableArray());

    public ImmutableArray<Listener> ListenerResources => [.. Listeners.Resources.Select(a => a.Unpack<Listener>())];

    public ImmutableArray<Cluster> ClusterResources => [.. Clusters.Resources.Select(a => a.Unpack<Cluster>())];

    public ImmutableArray<RouteConfiguration> RouteResources => [.. Routes.Resources.Select(a => a.Unpack<RouteConfiguration>())];

    public ImmutableArray<ClusterLoadAssignment> EndpointResources => [.. Endpoints.Resources.Select(a => a.Unpack<ClusterLoadAssignment>())];

    public static IstioFixture Load() => new(Read("cds.json"), Read("eds.json"), Read("lds.json"), Read("rds.json"));

    private static DiscoveryResponse Read(string file)
    {
        var name = "Fixtures/IstioSidecar/" + file;
        using var stream = typeof(IstioFixture).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded fixture '{name}' not found");
        using var reader = new StreamReader(stream);
        return Parser.Parse<DiscoveryResponse>(reader.ReadToEnd());
    }
}
