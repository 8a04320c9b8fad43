using System.Globalization;
using System.Net;
using System.Text;
using MeshProxy.Core.Config.Http;

namespace MeshProxy.Core.Http.Routing;

/// <summary>
/// A header value with Envoy's substitution commands, parsed once at build time into literal and variable segments.
/// Supported: <c>%DOWNSTREAM_REMOTE_ADDRESS%</c>, <c>%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%</c>,
/// <c>%DOWNSTREAM_LOCAL_ADDRESS%</c>, <c>%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%</c>, <c>%UPSTREAM_REMOTE_ADDRESS%</c>,
/// <c>%PROTOCOL%</c>, <c>%REQ(name)%</c> (with Envoy's <c>%REQ(a?b)%</c> fallback and <c>:N</c> truncation),
/// <c>%HOSTNAME%</c>, <c>%START_TIME%</c> (Envoy's default <c>%Y-%m-%dT%H:%M:%E3SZ</c> only) and <c>%%</c> for a
/// literal <c>%</c>; the grammar is <see cref="HeaderValueSyntax"/>, which the converter enforces (Envoy refuses an
/// unknown command or an unterminated <c>%</c> at config load, and so does MeshProxy). In a hand-built config an
/// unknown command is kept as literal text. A variable with no value renders empty, as in Envoy's header formatter.
/// </summary>
internal sealed class HeaderValueFormat
{
    private static readonly Lazy<byte[]> Hostname = new(() => Encoding.UTF8.GetBytes(Dns.GetHostName()));

    private readonly Segment[] _segments;

    private HeaderValueFormat(Segment[] segments, byte[]? literal)
    {
        _segments = segments;
        Literal = literal;
    }

    /// <summary>The whole value when it holds no variable; null otherwise.</summary>
    public byte[]? Literal { get; }

    public static HeaderValueFormat Parse(string value)
    {
        var segments = new List<Segment>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < value.Length)
        {
            var c = value[i];
            if (c != '%')
            {
                literal.Append(c);
                i++;
                continue;
            }

            if (i + 1 < value.Length && value[i + 1] == '%')
            {
                literal.Append('%');
                i += 2;
                continue;
            }

            var close = value.IndexOf('%', i + 1);
            if (close < 0 || !TryParseCommand(value.AsSpan(i + 1, close - i - 1), out var segment))
            {
                // Unknown or unterminated: kept verbatim (see the type's remarks).
                literal.Append(c);
                i++;
                continue;
            }

            Flush(literal, segments);
            segments.Add(segment);
            i = close + 1;
        }

        Flush(literal, segments);
        var isLiteral = segments.TrueForAll(s => s.Kind == SegmentKind.Literal);
        return new HeaderValueFormat(
            [.. segments],
            isLiteral ? [.. segments.SelectMany(s => s.Bytes!)] : null);
    }

    public void Write(ref ScratchBuffer buffer, IHttpRequestView request, in HeaderFormatContext context)
    {
        foreach (ref readonly var segment in _segments.AsSpan())
        {
            switch (segment.Kind)
            {
                case SegmentKind.Literal:
                    buffer.Write(segment.Bytes);
                    break;
                case SegmentKind.DownstreamRemoteAddress:
                    WriteAddress(ref buffer, request.RemoteAddress, withPort: true);
                    break;
                case SegmentKind.DownstreamRemoteAddressWithoutPort:
                    WriteAddress(ref buffer, request.RemoteAddress, withPort: false);
                    break;
                case SegmentKind.DownstreamLocalAddress:
                    WriteAddress(ref buffer, request.LocalAddress, withPort: true);
                    break;
                case SegmentKind.DownstreamLocalAddressWithoutPort:
                    WriteAddress(ref buffer, request.LocalAddress, withPort: false);
                    break;
                case SegmentKind.UpstreamRemoteAddress:
                    WriteAddress(ref buffer, context.UpstreamRemoteAddress, withPort: true);
                    break;
                case SegmentKind.Protocol:
                    buffer.Write(request.Protocol switch
                    {
                        HttpProtocol.Http10 => "HTTP/1.0"u8,
                        HttpProtocol.Http11 => "HTTP/1.1"u8,
                        HttpProtocol.Http2 => "HTTP/2"u8,
                        _ => "HTTP/3"u8,
                    });
                    break;
                case SegmentKind.Hostname:
                    buffer.Write(Hostname.Value);
                    break;
                case SegmentKind.StartTime:
                    if (context.StartTimeUtc != default)
                    {
                        context.StartTimeUtc.TryFormat(buffer.GetSpan(32), out var written, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
                        buffer.Advance(written);
                    }

                    break;
                case SegmentKind.Request:
                    if (RequestHeaders.TryGet(request, segment.Bytes, 0, out var value)
                        || (segment.Alternative is not null && RequestHeaders.TryGet(request, segment.Alternative, 0, out value)))
                    {
                        buffer.Write(segment.MaxLength > 0 && value.Length > segment.MaxLength ? value[..segment.MaxLength] : value);
                    }

                    break;
            }
        }
    }

    private static void WriteAddress(ref ScratchBuffer buffer, IPEndPoint? endPoint, bool withPort)
    {
        if (endPoint is null)
        {
            return;
        }

        var span = buffer.GetSpan(64);
        var written = 0;
        var v6 = endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        if (withPort && v6)
        {
            span[written++] = (byte)'[';
        }

        endPoint.Address.TryFormat(span[written..], out var n);
        written += n;
        if (withPort)
        {
            if (v6)
            {
                span[written++] = (byte)']';
            }

            span[written++] = (byte)':';
            endPoint.Port.TryFormat(span[written..], out n, default, CultureInfo.InvariantCulture);
            written += n;
        }

        buffer.Advance(written);
    }

    private static bool TryParseCommand(ReadOnlySpan<char> command, out Segment segment)
    {
        segment = default;
        if (!HeaderValueSyntax.TryParseCommand(command, out var parsed))
        {
            return false;
        }

        segment = parsed.Kind switch
        {
            HeaderValueCommandKind.DownstreamRemoteAddress => new Segment(SegmentKind.DownstreamRemoteAddress, [], null, 0),
            HeaderValueCommandKind.DownstreamRemoteAddressWithoutPort => new Segment(SegmentKind.DownstreamRemoteAddressWithoutPort, [], null, 0),
            HeaderValueCommandKind.DownstreamLocalAddress => new Segment(SegmentKind.DownstreamLocalAddress, [], null, 0),
            HeaderValueCommandKind.DownstreamLocalAddressWithoutPort => new Segment(SegmentKind.DownstreamLocalAddressWithoutPort, [], null, 0),
            HeaderValueCommandKind.UpstreamRemoteAddress => new Segment(SegmentKind.UpstreamRemoteAddress, [], null, 0),
            HeaderValueCommandKind.Protocol => new Segment(SegmentKind.Protocol, [], null, 0),
            HeaderValueCommandKind.Hostname => new Segment(SegmentKind.Hostname, [], null, 0),
            HeaderValueCommandKind.StartTime => new Segment(SegmentKind.StartTime, [], null, 0),
            _ => new Segment(
                SegmentKind.Request,
                Encoding.ASCII.GetBytes(parsed.Header!),
                parsed.Alternative is null ? null : Encoding.ASCII.GetBytes(parsed.Alternative),
                parsed.MaxLength),
        };
        return true;
    }

    private static void Flush(StringBuilder literal, List<Segment> segments)
    {
        if (literal.Length > 0)
        {
            segments.Add(new Segment(SegmentKind.Literal, Encoding.UTF8.GetBytes(literal.ToString()), null, 0));
            literal.Clear();
        }
    }

    private enum SegmentKind
    {
        Literal,
        DownstreamRemoteAddress,
        DownstreamRemoteAddressWithoutPort,
        DownstreamLocalAddress,
        DownstreamLocalAddressWithoutPort,
        UpstreamRemoteAddress,
        Protocol,
        Hostname,
        StartTime,
        Request,
    }

    /// <param name="Bytes">Literal bytes, or the header name for <see cref="SegmentKind.Request"/>.</param>
    private readonly record struct Segment(SegmentKind Kind, byte[] Bytes, byte[]? Alternative, int MaxLength);
}
