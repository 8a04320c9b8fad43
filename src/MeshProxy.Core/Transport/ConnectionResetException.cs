namespace MeshProxy.Core.Transport;

/// <summary>
/// A connection's pipes end with this when the connection was reset: by the peer (RST) or locally by
/// <see cref="TransportConnection.Abort"/>. <see cref="TransportConnection.WasReset"/> says the same without a catch.
/// </summary>
public sealed class ConnectionResetException : IOException
{
    public ConnectionResetException()
        : base("Connection reset")
    {
    }

    public ConnectionResetException(string message)
        : base(message)
    {
    }

    public ConnectionResetException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
