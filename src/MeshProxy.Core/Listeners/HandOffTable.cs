using System.Net;
using System.Net.Sockets;

namespace MeshProxy.Core.Listeners;

/// <summary>
/// Where a <c>use_original_dst</c> listener hands a connection: the listener whose address is the original
/// destination exactly, else the one on the wildcard address (0.0.0.0 or ::) with its port; bound or not.
/// Rebuilt on every apply and read without locks.
/// </summary>
internal sealed class HandOffTable
{
    private readonly Dictionary<IPEndPoint, ActiveListener> _exact = [];
    private readonly Dictionary<int, ActiveListener> _anyV4 = [];
    private readonly Dictionary<int, ActiveListener> _anyV6 = [];

    public HandOffTable(IEnumerable<ActiveListener> listeners)
    {
        ArgumentNullException.ThrowIfNull(listeners);
        foreach (var listener in listeners)
        {
            var endPoint = listener.EndPoint;
            _exact.TryAdd(endPoint, listener);
            if (endPoint.Address.Equals(IPAddress.Any))
            {
                _anyV4.TryAdd(endPoint.Port, listener);
            }
            else if (endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                _anyV6.TryAdd(endPoint.Port, listener);
            }
        }
    }

    public static HandOffTable Empty { get; } = new([]);

    public ActiveListener? Find(IPEndPoint destination)
    {
        if (_exact.TryGetValue(destination, out var listener))
        {
            return listener;
        }

        var wildcard = destination.AddressFamily == AddressFamily.InterNetworkV6 ? _anyV6 : _anyV4;
        return wildcard.TryGetValue(destination.Port, out listener) ? listener : null;
    }
}
