using System.Buffers;
using System.Text;
using MeshProxy.Core.Config.Http;

namespace MeshProxy.Core.Http.Routing;

/// <summary>
/// Envoy's <c>QueryParameterMatcher</c>: the first parameter with this name (names and values percent-decoded, as
/// Envoy's <c>parseAndDecodeQueryString</c> does; <c>+</c> is not a space) is present, or its value matches.
/// A parameter without <c>=</c> has the empty value.
/// </summary>
internal sealed class QueryParameterMatcher
{
    private const int StackBytes = 256;

    private readonly byte[] _name;
    private readonly ByteStringMatcher? _value;

    public QueryParameterMatcher(QueryParameterMatcherConfig config)
    {
        _name = Encoding.UTF8.GetBytes(config.Name);
        _value = config.Value is null ? null : new ByteStringMatcher(config.Value);
    }

    public bool Matches(ReadOnlySpan<byte> query)
    {
        while (!query.IsEmpty)
        {
            var end = query.IndexOf((byte)'&');
            var pair = end < 0 ? query : query[..end];
            query = end < 0 ? default : query[(end + 1)..];
            var equals = pair.IndexOf((byte)'=');
            var name = equals < 0 ? pair : pair[..equals];
            if (!DecodedEquals(name, _name))
            {
                continue;
            }

            return _value is null || MatchValue(equals < 0 ? default : pair[(equals + 1)..]);
        }

        return false;
    }

    private bool MatchValue(ReadOnlySpan<byte> raw)
    {
        if (raw.IndexOf((byte)'%') < 0)
        {
            return _value!.Matches(raw);
        }

        byte[]? rented = null;
        var buffer = raw.Length <= StackBytes ? stackalloc byte[StackBytes] : (rented = ArrayPool<byte>.Shared.Rent(raw.Length));
        try
        {
            return _value!.Matches(buffer[..PercentDecode(raw, buffer)]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static bool DecodedEquals(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> expected)
    {
        if (raw.IndexOf((byte)'%') < 0)
        {
            return raw.SequenceEqual(expected);
        }

        if (raw.Length > StackBytes)
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[StackBytes];
        return buffer[..PercentDecode(raw, buffer)].SequenceEqual(expected);
    }

    /// <summary>Envoy's <c>PercentEncoding::decode</c>: <c>%XX</c> with two hex digits becomes one byte; anything else is kept.</summary>
    internal static int PercentDecode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var written = 0;
        for (var i = 0; i < source.Length; i++)
        {
            if (source[i] == (byte)'%' && i + 2 < source.Length && HexValue(source[i + 1]) is var hi and >= 0 && HexValue(source[i + 2]) is var lo and >= 0)
            {
                destination[written++] = (byte)((hi << 4) | lo);
                i += 2;
            }
            else
            {
                destination[written++] = source[i];
            }
        }

        return written;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
