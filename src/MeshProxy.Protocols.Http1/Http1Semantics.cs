namespace MeshProxy.Protocols.Http1;

/// <summary>List-valued field helpers (RFC 9110 section 5.6.1): comma-separated, OWS around elements, empty elements allowed.</summary>
public static class Http1Semantics
{
    /// <summary>True when the comma-separated <paramref name="list"/> has an element equal to <paramref name="token"/> (ignoring case).</summary>
    public static bool ContainsToken(ReadOnlySpan<byte> list, ReadOnlySpan<byte> token)
    {
        var rest = list;
        while (NextElement(ref rest, out var element))
        {
            if (System.Text.Ascii.EqualsIgnoreCase(element, token))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Takes the next non-empty element off <paramref name="list"/>, trimmed of OWS.</summary>
    public static bool NextElement(ref ReadOnlySpan<byte> list, out ReadOnlySpan<byte> element)
    {
        while (!list.IsEmpty)
        {
            var comma = list.IndexOf((byte)',');
            ReadOnlySpan<byte> raw;
            if (comma < 0)
            {
                raw = list;
                list = [];
            }
            else
            {
                raw = list[..comma];
                list = list[(comma + 1)..];
            }

            element = Http1Chars.TrimWhitespace(raw);
            if (!element.IsEmpty)
            {
                return true;
            }
        }

        element = [];
        return false;
    }

    /// <summary>
    /// RFC 9112 section 9.3: HTTP/1.1 persists unless <c>close</c>; HTTP/1.0 persists only with <c>keep-alive</c>
    /// (and no <c>close</c>).
    /// </summary>
    public static bool IsKeepAlive(Http1Version version, bool closeToken, bool keepAliveToken) =>
        !closeToken && (version == Http1Version.Http11 || keepAliveToken);
}
