using MeshProxy.Core.Config;
using MeshProxy.Core.Network;

namespace MeshProxy.Core.Listeners;

/// <summary>A filter chain ready to run: its config and the factory of its terminal network filter.</summary>
internal sealed class FilterChainRuntime
{
    private int _tlsWarned;

    public FilterChainRuntime(FilterChainConfig config, INetworkFilterFactory terminal)
    {
        Config = config;
        Terminal = terminal;
    }

    public FilterChainConfig Config { get; }

    public INetworkFilterFactory Terminal { get; }

    /// <summary>The chain asks for TLS termination, which MeshProxy cannot do yet: its connections are closed.</summary>
    public bool RequiresTls => Config.RequiresTls;

    /// <summary>True the first time only, so the warning about <see cref="RequiresTls"/> is logged once per chain.</summary>
    public bool ClaimTlsWarning() => Interlocked.Exchange(ref _tlsWarned, 1) == 0;
}
