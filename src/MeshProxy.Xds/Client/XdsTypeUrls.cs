namespace MeshProxy.Xds.Client;

/// <summary>The xDS type URLs MeshProxy subscribes to, and which of them are wildcard.</summary>
public static class XdsTypeUrls
{
    public const string Listener = "type.googleapis.com/envoy.config.listener.v3.Listener";
    public const string RouteConfiguration = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
    public const string Cluster = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    public const string ClusterLoadAssignment = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    public const string Secret = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

    /// <summary>The wrapper some servers put around each SotW resource (name, version, body).</summary>
    public const string Resource = "type.googleapis.com/envoy.service.discovery.v3.Resource";

    /// <summary>Known types in the order a fresh stream requests them: CDS, EDS, LDS, RDS, SDS.</summary>
    public static IReadOnlyList<string> All { get; } = [Cluster, ClusterLoadAssignment, Listener, RouteConfiguration, Secret];

    /// <summary>Listener and Cluster are wildcard: the client asks for everything and each response is the complete set.</summary>
    public static bool IsWildcardType(string typeUrl) => typeUrl is Listener or Cluster;

    public static bool IsKnownType(string typeUrl) => typeUrl is Listener or RouteConfiguration or Cluster or ClusterLoadAssignment or Secret;

    /// <summary>Short name for logs and errors: "CDS", "EDS", "LDS", "RDS", "SDS", or the type URL itself.</summary>
    public static string ShortName(string typeUrl) => typeUrl switch
    {
        Listener => "LDS",
        RouteConfiguration => "RDS",
        Cluster => "CDS",
        ClusterLoadAssignment => "EDS",
        Secret => "SDS",
        _ => typeUrl,
    };
}
