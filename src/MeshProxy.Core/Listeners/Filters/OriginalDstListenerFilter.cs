using MeshProxy.Core.Config;
using MeshProxy.Core.Transport;

namespace MeshProxy.Core.Listeners.Filters;

/// <summary>
/// <c>envoy.filters.listener.original_dst</c>: the destination the client dialled before iptables REDIRECT. When the
/// kernel has none (the connection was not redirected) the local address stays the destination.
/// </summary>
internal sealed class OriginalDstListenerFilter(ListenerFilterConfig config, IOriginalDestinationSource source) : ListenerFilter(config)
{
    public override bool InspectsData => false;

    public override ListenerFilterStatus OnAccept(TransportConnection connection, ref ConnectionInspection inspection)
    {
        inspection.OriginalDestination = source.GetOriginalDestination(connection);
        return ListenerFilterStatus.Continue;
    }
}
