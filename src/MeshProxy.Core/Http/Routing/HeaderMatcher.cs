using System.Buffers;
using System.Globalization;
using System.Text;
using MeshProxy.Core.Config.Http;

namespace MeshProxy.Core.Http.Routing;

/// <summary>
/// Envoy's <c>HeaderMatcher</c> (<c>HeaderUtility::matchHeaders</c>): several values of one header are joined with
/// <c>,</c>; an absent header matches only <c>present_match: false</c> (or an inverted <c>present_match: true</c>)
/// unless <c>treat_missing_header_as_empty</c> makes it the empty string; the result is then inverted.
/// </summary>
internal sealed class HeaderMatcher
{
    private readonly byte[] _name;
    private readonly HeaderMatchKind _kind;
    private readonly ByteStringMatcher? _string;
    private readonly bool _present;
    private readonly long _start;
    private readonly long _end;
    private readonly bool _invert;
    private readonly bool _treatMissingAsEmpty;

    public HeaderMatcher(HeaderMatcherConfig config)
    {
        _name = Encoding.ASCII.GetBytes(config.Name.ToLowerInvariant());
        _kind = config.Kind;
        _string = config.Kind == HeaderMatchKind.Value
            ? new ByteStringMatcher(config.StringMatch ?? throw new ArgumentException($"header matcher '{config.Name}' has no string match", nameof(config)))
            : null;
        _present = config.PresentMatch;
        _start = config.RangeStart;
        _end = config.RangeEnd;
        _invert = config.Invert;
        _treatMissingAsEmpty = config.TreatMissingHeaderAsEmpty;
    }

    public bool Matches(IHttpRequestView request)
    {
        if (!RequestHeaders.TryGet(request, _name, 0, out var first))
        {
            if (!_treatMissingAsEmpty)
            {
                return _kind == HeaderMatchKind.Present && (_invert ? _present : !_present);
            }

            return Evaluate(default) != _invert;
        }

        if (!RequestHeaders.TryGet(request, _name, 1, out _))
        {
            return Evaluate(first) != _invert;
        }

        return MatchesJoined(request) != _invert;
    }

    // Repeated header: rare, so the join goes through a pooled buffer.
    private bool MatchesJoined(IHttpRequestView request)
    {
        var length = 0;
        var count = 0;
        while (RequestHeaders.TryGet(request, _name, count, out var value))
        {
            length += value.Length + 1;
            count++;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = 0;
            for (var i = 0; i < count; i++)
            {
                RequestHeaders.TryGet(request, _name, i, out var value);
                if (i > 0)
                {
                    buffer[written++] = (byte)',';
                }

                value.CopyTo(buffer.AsSpan(written));
                written += value.Length;
            }

            return Evaluate(buffer.AsSpan(0, written));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool Evaluate(ReadOnlySpan<byte> value) => _kind switch
    {
        HeaderMatchKind.Present => _present,
        HeaderMatchKind.Range => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number >= _start && number < _end,
        _ => _string!.Matches(value),
    };
}
