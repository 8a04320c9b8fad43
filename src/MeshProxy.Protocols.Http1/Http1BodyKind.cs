namespace MeshProxy.Protocols.Http1;

/// <summary>How the end of a message body is found (RFC 9112 section 6.3).</summary>
public enum Http1BodyKind : byte
{
    /// <summary>No body follows the head.</summary>
    None,

    /// <summary>Exactly <see cref="Http1BodyFraming.ContentLength"/> bytes follow.</summary>
    ContentLength,

    /// <summary>Chunked transfer coding, ended by the last chunk and trailer section.</summary>
    Chunked,

    /// <summary>Responses only: the body runs until the server closes the connection.</summary>
    CloseDelimited,
}
