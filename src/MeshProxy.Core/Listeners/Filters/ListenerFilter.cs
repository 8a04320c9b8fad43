using System.Buffers;
using MeshProxy.Core.Config;
using MeshProxy.Core.Transport;

namespace MeshProxy.Core.Listeners.Filters;

/// <summary>
/// A listener filter: runs on an accepted connection before filter-chain matching and records what it finds in the
/// connection's <see cref="ConnectionInspection"/>. Built once per listener snapshot; stateless per connection, so
/// one instance serves every connection. Filters that look at bytes are shown everything peeked so far on each
/// call, never consume it, and decide from the start again (their inputs are small).
/// </summary>
internal abstract class ListenerFilter
{
    protected ListenerFilter(ListenerFilterConfig config) => Config = config;

    public ListenerFilterConfig Config { get; }

    public ListenerFilterKind Kind => Config.Kind;

    /// <summary>True when <see cref="OnData"/> must be shown the connection's first bytes.</summary>
    public abstract bool InspectsData { get; }

    /// <summary>True when the filter is configured off for connections to <paramref name="destinationPort"/>.</summary>
    public bool IsDisabledFor(int destinationPort)
    {
        foreach (var range in Config.DisabledForDestinationPorts)
        {
            if (range.Contains(destinationPort))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Runs once, before any byte is read (filters that do not inspect data).</summary>
    public virtual ListenerFilterStatus OnAccept(TransportConnection connection, ref ConnectionInspection inspection) =>
        ListenerFilterStatus.Continue;

    /// <summary>Looks at the bytes peeked so far.</summary>
    /// <param name="data">Every byte received so far, from the first.</param>
    /// <param name="endOfStream">The peer half-closed: no more bytes will come, so the filter must decide now
    /// (it may not answer <see cref="ListenerFilterStatus.NeedMoreData"/>).</param>
    /// <param name="inspection">Where findings go.</param>
    public virtual ListenerFilterStatus OnData(in ReadOnlySequence<byte> data, bool endOfStream, ref ConnectionInspection inspection) =>
        ListenerFilterStatus.Continue;
}
