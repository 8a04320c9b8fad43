namespace MeshProxy.Xds.Client;

/// <summary>How the ADS channel reaches the control plane.</summary>
public enum XdsTransportKind
{
    /// <summary>HTTP/2 without TLS (h2c) over TCP, as istiod serves on 15010.</summary>
    Plaintext,

    /// <summary>HTTP/2 over TLS, as istiod serves on 15012.</summary>
    Tls,

    /// <summary>h2c over a Unix domain socket, as pilot-agent offers inside a pod.</summary>
    UnixSocket,
}
