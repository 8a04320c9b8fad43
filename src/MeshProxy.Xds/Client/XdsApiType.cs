namespace MeshProxy.Xds.Client;

/// <summary>Which ADS RPC the client speaks.</summary>
public enum XdsApiType
{
    /// <summary><c>StreamAggregatedResources</c>: every response carries the full (LDS/CDS) or requested (RDS/EDS) set.</summary>
    StateOfTheWorld,

    /// <summary><c>DeltaAggregatedResources</c>: responses carry added/changed resources and removed names.</summary>
    Delta,
}
