namespace MeshProxy.Xds.Bootstrap;

/// <summary>
/// Where dynamic configuration comes from (Envoy's <c>dynamic_resources</c>): an ADS server, files, or both.
/// Null <see cref="Lds"/>/<see cref="Cds"/> means that type is not dynamic.
/// </summary>
/// <param name="Ads">The ADS server, null when no source uses <c>ads: {}</c>.</param>
/// <param name="Lds">Source of listeners.</param>
/// <param name="Cds">Source of clusters.</param>
public sealed record XdsBootstrapConfig(AdsServerConfig? Ads, ConfigSourceSpec? Lds, ConfigSourceSpec? Cds)
{
    public static XdsBootstrapConfig None { get; } = new(null, null, null);

    public bool IsDynamic => Lds is not null || Cds is not null;
}

/// <summary>One ADS server (Envoy's <c>ads_config</c>).</summary>
/// <param name="Target"><c>HOST:PORT</c> (plaintext h2c), <c>https://HOST:PORT</c> (TLS), or <c>unix:/path</c>.</param>
/// <param name="Delta">True for <c>DELTA_GRPC</c>, false for state of the world (<c>GRPC</c>).</param>
/// <param name="CaCertificatePath">TLS: the CA bundle the server certificate must chain to.</param>
/// <param name="ClientCertificatePath">TLS: client certificate chain (PEM), null for none.</param>
/// <param name="ClientKeyPath">TLS: client private key (PEM), null for none.</param>
public sealed record AdsServerConfig(
    string Target, bool Delta, string? CaCertificatePath, string? ClientCertificatePath, string? ClientKeyPath)
{
    /// <summary>Envoy's gRPC default is 4 MiB, too small for real meshes (thousands of clusters).</summary>
    public const int DefaultMaxReceiveMessageBytes = 64 * 1024 * 1024;

    /// <summary>Largest message accepted from the server; Envoy's <c>envoy_grpc.max_receive_message_length</c> (0 there = unlimited).</summary>
    public int MaxReceiveMessageBytes { get; init; } = DefaultMaxReceiveMessageBytes;

    /// <summary><c>envoy_grpc.retry_policy.retry_back_off.base_interval</c>; null = 500 ms, Envoy's default.</summary>
    public TimeSpan? BackoffBase { get; init; }

    /// <summary><c>envoy_grpc.retry_policy.retry_back_off.max_interval</c>; null = 30 s (or 10x the base when only it is set).</summary>
    public TimeSpan? BackoffMax { get; init; }
}

/// <summary>Envoy's <c>ConfigSource</c>, reduced to what MeshProxy supports.</summary>
public abstract record ConfigSourceSpec
{
    /// <summary>Envoy's default <c>initial_fetch_timeout</c>.</summary>
    public static readonly TimeSpan DefaultInitialFetchTimeout = TimeSpan.FromSeconds(15);

    /// <summary>How long the first fetch may take before warming gives up waiting; Zero = forever (Istio sets 0).</summary>
    public TimeSpan InitialFetchTimeout { get; init; } = DefaultInitialFetchTimeout;
}

/// <summary><c>ads: {}</c>: over the ADS stream.</summary>
public sealed record AdsConfigSource : ConfigSourceSpec;

/// <summary><c>path_config_source</c>: a file holding a DiscoveryResponse, re-read when it changes.</summary>
/// <param name="Path">The file.</param>
/// <param name="WatchedDirectory">Envoy's <c>watched_directory</c>: watch this directory (for symlink swaps) instead of the file.</param>
public sealed record PathConfigSource(string Path, string? WatchedDirectory) : ConfigSourceSpec;
