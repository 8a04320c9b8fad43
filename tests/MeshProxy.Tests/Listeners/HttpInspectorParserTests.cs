using System.Buffers;
using System.Text;
using MeshProxy.Core.Listeners.Filters;

namespace MeshProxy.Tests.Listeners;

public sealed class HttpInspectorParserTests
{
    [Theory]
    [InlineData("GET / HTTP/1.1\r\n", "Http11")]
    [InlineData("POST /api?x=1 HTTP/1.0\r\nHost: a\r\n\r\n", "Http10")]
    [InlineData("M-SEARCH * HTTP/1.1\r\n", "Http11")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "Http2")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\u0012\u0004", "Http2")]
    [InlineData("hello", "NotHttp")]
    [InlineData("get / HTTP/1.1\r\n", "NotHttp")]
    [InlineData("GET  / HTTP/1.1\r\n", "NotHttp")]
    [InlineData("GET / HTTP/2.0\r\n", "NotHttp")]
    [InlineData("GET / HTTP/1.1\n", "NotHttp")]
    [InlineData("GET / HTTP/1.1 \r\n", "NotHttp")]
    [InlineData("\u0016\u0003\u0001", "NotHttp")]
    [InlineData("SSH-2.0-OpenSSH_9.6\r\n", "NotHttp")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nXX", "NotHttp")]
    public void Inspect_CompleteInput_Decides(string input, string expected)
    {
        Assert.Equal(Enum.Parse<HttpInspectorStatus>(expected), HttpInspectorParser.Inspect(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(input))));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    public void Inspect_EveryProperPrefix_WaitsAndEverySplitDecidesTheSame(string input)
    {
        var bytes = Encoding.Latin1.GetBytes(input);
        var expected = HttpInspectorParser.Inspect(new ReadOnlySequence<byte>(bytes));
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Equal(HttpInspectorStatus.NeedMoreData, HttpInspectorParser.Inspect(new ReadOnlySequence<byte>(bytes, 0, length)));
        }

        for (var offset = 1; offset < bytes.Length; offset++)
        {
            Assert.Equal(expected, HttpInspectorParser.Inspect(Sequences.Split(bytes, offset)));
        }
    }

    [Fact]
    public void Inspect_FirstWrongByte_DecidesWithoutWaiting()
    {
        Assert.Equal(HttpInspectorStatus.NotHttp, HttpInspectorParser.Inspect(new ReadOnlySequence<byte>("GET / X"u8.ToArray())));
        Assert.Equal(HttpInspectorStatus.NotHttp, HttpInspectorParser.Inspect(new ReadOnlySequence<byte>("x"u8.ToArray())));
    }

    [Fact]
    public void Inspect_RequestLineLongerThanTheLimit_IsNotHttp()
    {
        var line = "GET /" + new string('a', HttpInspectorParser.MaxInspectSize);

        Assert.Equal(HttpInspectorStatus.NotHttp, HttpInspectorParser.Inspect(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(line))));
    }
}
