namespace MeshProxy.Core.Http;

/// <summary>
/// How routing changes a header block (request headers before forwarding, response headers before sending): the
/// codec's stream implements it over its own storage. Names are lower-case ASCII regular headers (never
/// pseudo-headers or <c>host</c>: the converter refuses those, and the router reports path and host rewrites as values
/// for the caller to apply). Values are bytes as sent on the wire; string overloads are in
/// <see cref="HttpHeaderMutatorExtensions"/>.
/// </summary>
public interface IHttpHeaderMutator
{
    bool Contains(ReadOnlySpan<byte> lowerCaseName);

    /// <summary>Adds one more field, keeping existing ones (Envoy's <c>addReferenceKey</c>: HTTP/1 sends two lines).</summary>
    void Add(ReadOnlySpan<byte> lowerCaseName, ReadOnlySpan<byte> value);

    /// <summary>Replaces every field with this name by one field with this value (Envoy's <c>setReferenceKey</c>).</summary>
    void Set(ReadOnlySpan<byte> lowerCaseName, ReadOnlySpan<byte> value);

    /// <summary>Removes every field with this name.</summary>
    void Remove(ReadOnlySpan<byte> lowerCaseName);
}
