using MeshProxy.Core.Config;

namespace MeshProxy.Hosting;

/// <summary>Runs the data plane (listeners, clusters, admin) on a configuration until cancelled.</summary>
internal static class ProxyHost
{
    /// <summary>Starts everything, runs until <paramref name="cancellationToken"/> fires, stops; returns the exit code.</summary>
    public static Task<int> RunAsync(ProxyConfig config, HostOptions options, CancellationToken cancellationToken)
    {
        // Wired up when the transport and admin land.
        _ = config;
        _ = options;
        _ = cancellationToken;
        throw new NotImplementedException();
    }
}
