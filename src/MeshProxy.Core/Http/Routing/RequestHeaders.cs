namespace MeshProxy.Core.Http.Routing;

/// <summary>Header lookup for routing: pseudo-headers and <c>host</c> from the view's properties, the rest from its fields.</summary>
internal static class RequestHeaders
{
    public static bool TryGet(IHttpRequestView request, ReadOnlySpan<byte> name, int occurrence, out ReadOnlySpan<byte> value)
    {
        if (name.Length > 0 && (name[0] == (byte)':' || name.SequenceEqual("host"u8)))
        {
            value = default;
            if (occurrence != 0)
            {
                return false;
            }

            if (name.SequenceEqual(":authority"u8) || name.SequenceEqual("host"u8))
            {
                value = request.Authority;
                return !value.IsEmpty;
            }

            if (name.SequenceEqual(":path"u8))
            {
                value = request.Path;
                return true;
            }

            if (name.SequenceEqual(":method"u8))
            {
                value = request.Method;
                return true;
            }

            if (name.SequenceEqual(":scheme"u8))
            {
                value = request.Scheme.IsEmpty ? "http"u8 : request.Scheme;
                return true;
            }

            return false;
        }

        return occurrence == 0 ? request.TryGetHeader(name, out value) : request.TryGetHeader(name, occurrence, out value);
    }

    /// <summary>The path without <c>?query</c> and <c>#fragment</c> (what Envoy's path matchers see).</summary>
    public static ReadOnlySpan<byte> PathOnly(ReadOnlySpan<byte> path)
    {
        var end = path.IndexOfAny((byte)'?', (byte)'#');
        return end < 0 ? path : path[..end];
    }

    /// <summary>The query without <c>?</c> and without a fragment; empty when none.</summary>
    public static ReadOnlySpan<byte> Query(ReadOnlySpan<byte> path)
    {
        var start = path.IndexOf((byte)'?');
        if (start < 0)
        {
            return default;
        }

        var query = path[(start + 1)..];
        var hash = query.IndexOf((byte)'#');
        return hash < 0 ? query : query[..hash];
    }
}
