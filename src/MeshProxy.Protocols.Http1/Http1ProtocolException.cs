namespace MeshProxy.Protocols.Http1;

/// <summary>For callers off the hot path that prefer exceptions; the parser itself never throws for bad input.</summary>
public sealed class Http1ProtocolException : Exception
{
    public Http1ProtocolException()
    {
    }

    public Http1ProtocolException(string message)
        : base(message)
    {
    }

    public Http1ProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public Http1ProtocolException(Http1ParseError error)
        : base(error.ToString())
    {
        Error = error;
    }

    public Http1ParseError Error { get; }
}
