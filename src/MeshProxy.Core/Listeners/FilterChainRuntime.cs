using MeshProxy.Core.Config;
using MeshProxy.Core.Network;

namespace MeshProxy.Core.Listeners;

/// <summary>A filter chain ready to run: its config and the factory of its terminal network filter.</summary>
internal sealed class FilterChainRuntime
{
    public FilterChainRuntime(FilterChainConfig config, INetworkFilterFactory terminal)
    {
        Config = config;
        Terminal = terminal;
    }

    public FilterChainConfig Config { get; }

    public INetworkFilterFactory Terminal { get; }
}
