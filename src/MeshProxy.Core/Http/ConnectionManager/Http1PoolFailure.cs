namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>Why <see cref="Http1ConnectionPool.AcquireAsync"/> returned no connection.</summary>
internal enum Http1PoolFailure
{
    None,

    /// <summary>Refused, unreachable, or the cluster requires TLS (UF).</summary>
    ConnectFailure,

    /// <summary>The cluster's connect timeout elapsed (UF).</summary>
    ConnectTimeout,

    /// <summary><c>max_connections</c> reached and <c>max_pending_requests</c> too (UO).</summary>
    Overflow,

    /// <summary>The stream gave up waiting (its timeout fired).</summary>
    Cancelled,
}
