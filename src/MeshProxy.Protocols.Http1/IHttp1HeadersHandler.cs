namespace MeshProxy.Protocols.Http1;

/// <summary>
/// Receives field lines (of a head or a trailer section). Implement on a struct so calls bind at compile time.
/// Spans are valid only during the call.
/// </summary>
public interface IHttp1HeadersHandler
{
    /// <param name="known">The header's identity when it is one of <see cref="Http1KnownHeader"/>, else None.</param>
    /// <param name="name">The field name as received (case preserved).</param>
    /// <param name="value">The field value without leading and trailing whitespace.</param>
    void OnHeader(Http1KnownHeader known, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value);
}
