namespace MeshProxy.Protocols.Http1;

/// <summary>The four request-target forms of RFC 9112 section 3.2.</summary>
public enum Http1TargetForm : byte
{
    /// <summary><c>/path?query</c>.</summary>
    Origin,

    /// <summary><c>http://host/path</c>, sent to proxies.</summary>
    Absolute,

    /// <summary><c>host:port</c>, CONNECT only.</summary>
    Authority,

    /// <summary><c>*</c>, OPTIONS only.</summary>
    Asterisk,
}
