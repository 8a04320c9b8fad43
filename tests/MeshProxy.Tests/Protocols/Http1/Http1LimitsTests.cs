using System.Text;
using MeshProxy.Protocols.Http1;

namespace MeshProxy.Tests.Protocols.Http1;

/// <summary>Head size and field count limits: exactly at the limit passes, one over is 431.</summary>
public sealed class Http1LimitsTests
{
    private const string Line = "GET / HTTP/1.1\r\nHost: h\r\n";

    /// <summary>A request whose head (request line through the final CRLF) is exactly <paramref name="size"/> bytes.</summary>
    private static string RequestOfSize(int size)
    {
        var fixedPart = Line.Length + "X-Pad: ".Length + 2 + 2;
        return Line + "X-Pad: " + new string('p', size - fixedPart) + "\r\n\r\n";
    }

    private static string RequestWithHeaders(int count)
    {
        var text = new StringBuilder(Line);
        for (var i = 1; i < count; i++)
        {
            text.Append($"X-{i}: v\r\n");
        }

        return text.Append("\r\n").ToString();
    }

    [Fact]
    public void TryParseRequestHead_HeadExactlyAtByteLimit_Accepted()
    {
        var limits = new Http1Limits { MaxHeadBytes = 100 };
        var raw = RequestOfSize(100);
        Assert.Equal(100, raw.Length);

        Assert.Equal(100 - 36, Http1Harness.Requests(raw, limits).Only.Header("X-Pad")!.Length);
    }

    [Fact]
    public void TryParseRequestHead_HeadOneOverByteLimit_HeadersTooLarge431()
    {
        var limits = new Http1Limits { MaxHeadBytes = 100 };

        var error = Assert.NotNull(Http1Harness.Requests(RequestOfSize(101), limits).Error);

        Assert.Equal(Http1Error.HeadersTooLarge, error.Code);
        Assert.Equal(431, error.RequestStatusCode);
    }

    [Fact]
    public void TryParseRequestHead_IncompleteHeadAlreadyOverLimit_RejectedWithoutWaiting()
    {
        var limits = new Http1Limits { MaxHeadBytes = 100 };

        Assert.Equal(Http1Error.HeadersTooLarge, Http1Harness.Requests(Line + "X-Pad: " + new string('p', 80), limits).ErrorCode);
    }

    [Fact]
    public void TryParseRequestHead_LongRequestLine_CountsTowardTheLimit()
    {
        var limits = new Http1Limits { MaxHeadBytes = 100 };

        Assert.Equal(Http1Error.HeadersTooLarge, Http1Harness.Requests("GET /" + new string('a', 100) + " HTTP/1.1\r\nHost: h\r\n\r\n", limits).ErrorCode);
    }

    [Fact]
    public void TryParseRequestHead_DefaultLimitExactly60KiB_Accepted()
    {
        var raw = Encoding.ASCII.GetBytes(RequestOfSize(60 * 1024));

        Assert.Equal(60 * 1024, raw.Length);
        Assert.Single(Http1Harness.RequestsSampled(raw, Http1Limits.Default).Messages);
    }

    [Fact]
    public void TryParseRequestHead_DefaultLimitOneOver60KiB_HeadersTooLarge()
    {
        var raw = Encoding.ASCII.GetBytes(RequestOfSize((60 * 1024) + 1));

        Assert.Equal(Http1Error.HeadersTooLarge, Http1Harness.RequestsSampled(raw, Http1Limits.Default).ErrorCode);
    }

    [Fact]
    public void TryParseRequestHead_ExactlyMaxHeaderCount_Accepted()
    {
        var limits = new Http1Limits { MaxHeaderCount = 10 };

        Assert.Equal(10, Http1Harness.Requests(RequestWithHeaders(10), limits).Only.Headers.Count);
    }

    [Fact]
    public void TryParseRequestHead_OneOverMaxHeaderCount_TooManyHeaders431()
    {
        var limits = new Http1Limits { MaxHeaderCount = 10 };

        var error = Assert.NotNull(Http1Harness.Requests(RequestWithHeaders(11), limits).Error);

        Assert.Equal(Http1Error.TooManyHeaders, error.Code);
        Assert.Equal(431, error.RequestStatusCode);
    }

    [Fact]
    public void TryParseRequestHead_Default100Headers_AcceptedAnd101Rejected()
    {
        Assert.Equal(100, Http1Harness.Requests(RequestWithHeaders(100), allSplits: false).Only.Headers.Count);
        Assert.Equal(Http1Error.TooManyHeaders, Http1Harness.Requests(RequestWithHeaders(101), allSplits: false).ErrorCode);
    }

    [Fact]
    public void TryParseResponseHead_OverLimits_Rejected()
    {
        var limits = new Http1Limits { MaxHeadBytes = 64, MaxHeaderCount = 2 };

        Assert.Equal(Http1Error.HeadersTooLarge, Http1Harness.Responses("HTTP/1.1 200 OK\r\nX: " + new string('v', 60) + "\r\n\r\n", limits: limits).ErrorCode);
        Assert.Equal(Http1Error.TooManyHeaders, Http1Harness.Responses("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: limits).ErrorCode);
    }

    [Fact]
    public void Limits_Defaults_MatchEnvoy()
    {
        Assert.Equal(60 * 1024, Http1Limits.Default.MaxHeadBytes);
        Assert.Equal(100, Http1Limits.Default.MaxHeaderCount);
    }
}
