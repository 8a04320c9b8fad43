namespace MeshProxy.Xds.Client;

/// <summary>Steps of the initial fetch, in the order istiod pushes and Envoy warms: CDS, its EDS, LDS, its RDS.</summary>
internal enum InitialFetchPhase
{
    Clusters,
    Endpoints,
    Listeners,
    Routes,
    Done,
}
