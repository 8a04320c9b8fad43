using System.Buffers;
using System.Text;
using MeshProxy.Protocols.Http1;
using MeshProxy.Tests.Support;

namespace MeshProxy.Tests.Protocols.Http1;

/// <summary>
/// Drives parser and body reader over an input the way a connection would: heads, bodies, pipelined messages.
/// Every input runs whole, then split at every offset into two segments (delivered at once, and delivered as the
/// first part then the rest), then fed byte by byte as one-byte segments; all runs must give the same transcript.
/// </summary>
public static class Http1Harness
{
    public static Http1Conversation Requests(string raw, Http1Limits? limits = null, bool closeAtEnd = false, bool allSplits = true) =>
        RunAllWays(Encoding.Latin1.GetBytes(raw), isRequest: true, Http1Method.Get, limits ?? Http1Limits.Default, closeAtEnd, allSplits);

    public static Http1Conversation Responses(string raw, Http1Method requestMethod = Http1Method.Get, Http1Limits? limits = null, bool closeAtEnd = false, bool allSplits = true) =>
        RunAllWays(Encoding.Latin1.GetBytes(raw), isRequest: false, requestMethod, limits ?? Http1Limits.Default, closeAtEnd, allSplits);

    /// <summary>Runs whole, and with a few splits only: for inputs too large to split everywhere in the time budget.</summary>
    public static Http1Conversation RequestsSampled(byte[] data, Http1Limits limits)
    {
        var whole = Run(data, true, Http1Method.Get, limits, false, [data.Length], (s, e) => Slice(data, s, e));
        foreach (var cut in new[] { 1, data.Length / 2, data.Length - 5, data.Length - 1 })
        {
            var split = Run(data, true, Http1Method.Get, limits, false, [cut, data.Length], (s, e) => TwoSegments(data, s, e, cut));
            AssertSame(whole, split, $"split at {cut}");
        }

        return whole;
    }

    private static Http1Conversation RunAllWays(byte[] data, bool isRequest, Http1Method method, Http1Limits limits, bool closeAtEnd, bool allSplits)
    {
        var whole = Run(data, isRequest, method, limits, closeAtEnd, [data.Length], (s, e) => Slice(data, s, e));
        if (!allSplits)
        {
            return whole;
        }

        for (var cut = 1; cut < data.Length; cut++)
        {
            var at = cut;
            var atOnce = Run(data, isRequest, method, limits, closeAtEnd, [data.Length], (s, e) => TwoSegments(data, s, e, at));
            AssertSame(whole, atOnce, $"two segments split at {cut}");
            var inTwoReads = Run(data, isRequest, method, limits, closeAtEnd, [cut, data.Length], (s, e) => TwoSegments(data, s, e, at));
            AssertSame(whole, inTwoReads, $"two reads split at {cut}");
        }

        var deliveries = Enumerable.Range(1, data.Length).ToArray();
        var byteByByte = Run(data, isRequest, method, limits, closeAtEnd, deliveries, (s, e) => SegmentedSequence.BytePerSegment(data.AsMemory(s, e - s)));
        AssertSame(whole, byteByByte, "byte by byte");
        return whole;
    }

    private static void AssertSame(Http1Conversation expected, Http1Conversation actual, string way)
    {
        var a = expected.Transcript;
        var b = actual.Transcript;
        Assert.True(a == b, $"{way} differs:\n{b}\n--- whole buffer gave:\n{a}");
    }

    private static ReadOnlySequence<byte> Slice(byte[] data, int start, int end) => new(data, start, end - start);

    private static ReadOnlySequence<byte> TwoSegments(byte[] data, int start, int end, int cut) =>
        start < cut && cut < end
            ? SegmentedSequence.Create(data.AsMemory(start, cut - start), data.AsMemory(cut, end - cut))
            : Slice(data, start, end);

    private static Http1Conversation Run(
        byte[] data,
        bool isRequest,
        Http1Method requestMethod,
        Http1Limits limits,
        bool closeAtEnd,
        int[] deliveries,
        Func<int, int, ReadOnlySequence<byte>> slice)
    {
        var conversation = new Http1Conversation();
        var parser = new Http1Parser(limits);
        using var request = new Http1RequestHead();
        using var response = new Http1ResponseHead();
        using var trailers = new Http1Headers();
        var body = new Http1BodyReader(limits);
        ParsedMessage? current = null;
        var inBody = false;
        var consumed = 0;
        for (var d = 0; d < deliveries.Length; d++)
        {
            var available = deliveries[d];
            var final = closeAtEnd && d == deliveries.Length - 1;
            var reading = true;
            while (reading)
            {
                var buffer = slice(consumed, available);
                if (!inBody)
                {
                    if (buffer.IsEmpty)
                    {
                        break;
                    }

                    bool parsed;
                    SequencePosition end;
                    Http1ParseError error;
                    if (isRequest)
                    {
                        request.Reset();
                        parsed = parser.TryParseRequestHead(request, buffer, out end, out _, out error);
                    }
                    else
                    {
                        response.Reset();
                        parsed = parser.TryParseResponseHead(response, requestMethod, buffer, out end, out _, out error);
                    }

                    if (!parsed)
                    {
                        if (error.IsError)
                        {
                            conversation.Error = new Http1ParseError(error.Code, consumed + error.Offset);
                            return conversation;
                        }

                        break;
                    }

                    consumed += (int)buffer.Slice(0, end).Length;
                    current = isRequest ? ParsedMessage.From(request) : ParsedMessage.From(response);
                    conversation.Messages.Add(current);
                    if (!isRequest && current.Info.IsTunnel)
                    {
                        conversation.Tunnel = Encoding.Latin1.GetString(data.AsSpan(consumed));
                        return conversation;
                    }

                    body.Reset(current.Info.Framing);
                    trailers.Clear();
                    inBody = true;
                    continue;
                }

                var status = body.Read(buffer, final, trailers, out var chunk, out var bodyConsumed, out _, out var bodyError);
                switch (status)
                {
                    case Http1BodyStatus.Data:
                        current!.AppendBody(chunk);
                        break;
                    case Http1BodyStatus.Completed:
                        current!.CompleteBody(trailers);
                        inBody = false;
                        break;
                    case Http1BodyStatus.NeedMoreData:
                        reading = false;
                        break;
                    default:
                        conversation.Error = new Http1ParseError(bodyError.Code, consumed + bodyError.Offset);
                        return conversation;
                }

                consumed += (int)buffer.Slice(0, bodyConsumed).Length;
            }
        }

        if (inBody)
        {
            conversation.Incomplete = "body";
        }
        else if (consumed < data.Length)
        {
            conversation.Incomplete = "head";
        }

        return conversation;
    }
}
