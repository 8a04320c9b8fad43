using System.Buffers;

namespace MeshProxy.Core.Listeners.Filters;

/// <summary>
/// http_inspector's decision on plaintext bytes: the HTTP/2 preface is <c>h2c</c>; a request line
/// <c>METHOD SP target SP HTTP/1.1</c> (or 1.0) ending in CRLF is <c>http/1.1</c> (<c>http/1.0</c>). It decides as
/// soon as the bytes allow: the first byte that cannot continue either form settles <see cref="HttpInspectorStatus.NotHttp"/>,
/// a proper prefix of either waits.
/// </summary>
internal static class HttpInspectorParser
{
    /// <summary>Envoy's http_inspector gives up after this many bytes without a full request line.</summary>
    public const int MaxInspectSize = 8 * 1024;

    private const int MaxMethodLength = 24;

    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    private static ReadOnlySpan<byte> VersionPrefix => "HTTP/1."u8;

    public static HttpInspectorStatus Inspect(in ReadOnlySequence<byte> buffer)
    {
        var length = (int)Math.Min(buffer.Length, MaxInspectSize);
        if (buffer.IsSingleSegment || buffer.FirstSpan.Length >= length)
        {
            return Inspect(buffer.FirstSpan[..length], length == MaxInspectSize);
        }

        var copy = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            buffer.Slice(0, length).CopyTo(copy);
            return Inspect(copy.AsSpan(0, length), length == MaxInspectSize);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <param name="data">The bytes so far (at most <see cref="MaxInspectSize"/>).</param>
    /// <param name="full">No more bytes will be looked at: an undecided prefix counts as not HTTP.</param>
    public static HttpInspectorStatus Inspect(ReadOnlySpan<byte> data, bool full)
    {
        var status = InspectCore(data);
        return status == HttpInspectorStatus.NeedMoreData && full ? HttpInspectorStatus.NotHttp : status;
    }

    private static HttpInspectorStatus InspectCore(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return HttpInspectorStatus.NeedMoreData;
        }

        var prefaceBytes = Math.Min(data.Length, Preface.Length);
        if (data[..prefaceBytes].SequenceEqual(Preface[..prefaceBytes]))
        {
            return prefaceBytes == Preface.Length ? HttpInspectorStatus.Http2 : HttpInspectorStatus.NeedMoreData;
        }

        // Method: an upper-case token.
        var i = 0;
        while (i < data.Length && IsMethodByte(data[i]))
        {
            if (++i > MaxMethodLength)
            {
                return HttpInspectorStatus.NotHttp;
            }
        }

        if (i == data.Length)
        {
            return HttpInspectorStatus.NeedMoreData;
        }

        if (i == 0 || data[i] != (byte)' ')
        {
            return HttpInspectorStatus.NotHttp;
        }

        // Request target: visible characters up to the next space.
        var targetStart = ++i;
        while (i < data.Length && data[i] is > 0x20 and < 0x7F)
        {
            i++;
        }

        if (i == data.Length)
        {
            return HttpInspectorStatus.NeedMoreData;
        }

        if (i == targetStart || data[i] != (byte)' ')
        {
            return HttpInspectorStatus.NotHttp;
        }

        // "HTTP/1." digit CR LF, checked byte by byte so a wrong byte decides at once.
        var version = data[(i + 1)..];
        for (var k = 0; k < VersionPrefix.Length + 3; k++)
        {
            if (k == version.Length)
            {
                return HttpInspectorStatus.NeedMoreData;
            }

            var expected = k < VersionPrefix.Length;
            var ok = k switch
            {
                _ when expected => version[k] == VersionPrefix[k],
                7 => version[k] is (byte)'0' or (byte)'1',
                8 => version[k] == (byte)'\r',
                _ => version[k] == (byte)'\n',
            };
            if (!ok)
            {
                return HttpInspectorStatus.NotHttp;
            }
        }

        return version[7] == (byte)'1' ? HttpInspectorStatus.Http11 : HttpInspectorStatus.Http10;
    }

    private static bool IsMethodByte(byte b) => b is >= (byte)'A' and <= (byte)'Z' or (byte)'-' or (byte)'_';
}
