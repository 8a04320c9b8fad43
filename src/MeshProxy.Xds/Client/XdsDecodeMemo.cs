using Google.Protobuf;

namespace MeshProxy.Xds.Client;

/// <summary>
/// The messages decoded from the last state-of-the-world response of one type, by their serialized bytes. A SotW
/// control plane resends every resource on each push (istiod: all subscribed ClusterLoadAssignments for one changed
/// endpoint), and an unchanged resource comes back byte for byte: it is then not parsed again, and the store sees the
/// very message it accepted before (its equality check stops at the reference). That keeps a 1,000-cluster EDS push
/// from allocating (and the GC from collecting) a fresh copy of every assignment.
/// </summary>
/// <remarks>Holds only what the last successfully decoded response carried; used from the ADS loop only.</remarks>
internal sealed class XdsDecodeMemo
{
    private Dictionary<ByteString, IMessage> _last = [];
    private Dictionary<ByteString, IMessage>? _next;

    /// <summary>Resources decoded from the memo in the last response (diagnostics and tests).</summary>
    public int LastReused { get; private set; }

    public void Begin(int count)
    {
        _next = new Dictionary<ByteString, IMessage>(count);
        LastReused = 0;
    }

    public bool TryGet(ByteString bytes, out IMessage message)
    {
        if (_last.TryGetValue(bytes, out message!))
        {
            LastReused++;
            return true;
        }

        return false;
    }

    public void Add(ByteString bytes, IMessage message) => _next?.TryAdd(bytes, message);

    /// <summary>The response decoded: its resources are the memo now.</summary>
    public void Commit()
    {
        if (_next is not null)
        {
            _last = _next;
            _next = null;
        }
    }

    /// <summary>The response did not decode: keep the previous memo.</summary>
    public void Abandon() => _next = null;
}
