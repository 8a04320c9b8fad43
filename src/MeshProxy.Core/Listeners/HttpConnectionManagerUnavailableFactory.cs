using MeshProxy.Core.Config.Http;
using MeshProxy.Core.Network;
using MeshProxy.Core.Stats;
using Serilog;

namespace MeshProxy.Core.Listeners;

/// <summary>
/// TEMPORARY stand-in for the HTTP connection manager, which is being built in its own issue: a chain whose terminal
/// filter is <c>http_connection_manager</c> is accepted (so LDS is not NACKed over it) but its connections are
/// closed at once and counted as <c>http.STAT_PREFIX.downstream_cx_unsupported</c>, with one warning per listener.
/// Replace the single line that creates it in <c>ProxyRuntime.CreateTerminalFactory</c>.
/// </summary>
internal sealed class HttpConnectionManagerUnavailableFactory : INetworkFilterFactory, INetworkFilter
{
    private readonly Counter _unsupported;
    private readonly ListenerWarning _warning;
    private readonly ILogger _logger;
    private readonly string _statPrefix;

    public HttpConnectionManagerUnavailableFactory(HttpConnectionManagerConfig config, StatsStore stats, ListenerWarning warning, ILogger logger)
    {
        Name = config.Name;
        _statPrefix = config.StatPrefix;
        _unsupported = stats.GetCounter("http." + config.StatPrefix + ".downstream_cx_unsupported");
        _warning = warning;
        _logger = logger;
    }

    public string Name { get; }

    public INetworkFilter CreateFilter(ConnectionContext context) => this;

    public ValueTask RunAsync(ConnectionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _unsupported.Increment();
        if (_warning.Claim())
        {
            _logger.Warning(
                "Listener {Listener}: HTTP connection manager {StatPrefix} is not implemented yet; closing its connections",
                context.Listener.Name,
                _statPrefix);
        }

        return ValueTask.CompletedTask; // The listener closes the connection.
    }
}
