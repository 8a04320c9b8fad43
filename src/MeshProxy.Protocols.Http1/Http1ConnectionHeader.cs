namespace MeshProxy.Protocols.Http1;

/// <summary>The Connection field the writer adds (any received Connection field is hop-by-hop and never copied).</summary>
public enum Http1ConnectionHeader : byte
{
    /// <summary>No Connection field: HTTP/1.1 persistence by default.</summary>
    None,

    /// <summary><c>Connection: close</c>.</summary>
    Close,

    /// <summary><c>Connection: keep-alive</c> (for HTTP/1.0 peers).</summary>
    KeepAlive,

    /// <summary><c>Upgrade: &lt;the message's Upgrade value&gt;</c> and <c>Connection: upgrade</c>, for 101 and upgrade requests.</summary>
    Upgrade,
}
