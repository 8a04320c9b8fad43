namespace MeshProxy.Protocols.Http1;

/// <summary>Outcome of one <see cref="Http1BodyReader"/> call.</summary>
public enum Http1BodyStatus : byte
{
    /// <summary>Nothing to hand out yet: <c>AdvanceTo(consumed, examined)</c> and read more.</summary>
    NeedMoreData,

    /// <summary><c>data</c> holds body bytes (a slice of the buffer, not a copy); forward them, then continue from <c>consumed</c>.</summary>
    Data,

    /// <summary>The body (and trailers) ended at <c>consumed</c>; bytes after it belong to the next message.</summary>
    Completed,

    /// <summary>The framing is broken; <c>error</c> says how. Close the connection.</summary>
    Error,
}
