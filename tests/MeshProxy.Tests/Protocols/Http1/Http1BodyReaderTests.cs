using System.Buffers;
using MeshProxy.Protocols.Http1;

namespace MeshProxy.Tests.Protocols.Http1;

/// <summary>Body framing and the chunked decoder; every input also split everywhere.</summary>
public sealed class Http1BodyReaderTests
{
    private const string ChunkedPost = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";

    [Fact]
    public void Read_Chunked_ConcatenatesChunks()
    {
        var m = Http1Harness.Requests(ChunkedPost + "5\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\n\r\n").Only;

        Assert.Equal("hello 0123456789", m.Body);
        Assert.True(m.BodyComplete);
        Assert.Empty(m.Trailers);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("A")]
    [InlineData("00a")]
    [InlineData("0000000000000000000000000a")]
    public void Read_ChunkSizeHexForms_Accepted(string size)
    {
        var m = Http1Harness.Requests(ChunkedPost + size + "\r\n0123456789\r\n0\r\n\r\n").Only;

        Assert.Equal("0123456789", m.Body);
    }

    [Theory]
    [InlineData(";name")]
    [InlineData(";name=value")]
    [InlineData(";a=\"quoted; value\";b")]
    [InlineData(" ;name = value")]
    [InlineData("\t; x")]
    public void Read_ChunkExtensions_Ignored(string extension)
    {
        var m = Http1Harness.Requests(ChunkedPost + "3" + extension + "\r\nabc\r\n0" + extension + "\r\n\r\n").Only;

        Assert.Equal("abc", m.Body);
        Assert.True(m.BodyComplete);
    }

    [Fact]
    public void Read_Trailers_HandedToHandler()
    {
        var m = Http1Harness.Requests(ChunkedPost + "3\r\nabc\r\n0\r\nX-Checksum: 123\r\ngrpc-status: 0\r\n\r\n").Only;

        Assert.Equal("abc", m.Body);
        Assert.Equal([("X-Checksum", "123"), ("grpc-status", "0")], m.Trailers);
    }

    [Fact]
    public void Read_TrailerContentLength_PassedOnNotReframing()
    {
        var m = Http1Harness.Requests(ChunkedPost + "3\r\nabc\r\n0\r\nContent-Length: x\r\n\r\n").Only;

        Assert.Equal([("Content-Length", "x")], m.Trailers);
    }

    [Fact]
    public void Read_ObsFoldInTrailers_Rejected() =>
        Assert.Equal(Http1Error.ObsoleteLineFolding, Http1Harness.Requests(ChunkedPost + "0\r\nA: b\r\n c\r\n\r\n").ErrorCode);

    [Fact]
    public void Read_TooManyTrailers_Rejected()
    {
        var limits = new Http1Limits { MaxHeaderCount = 2 };

        Assert.Equal(Http1Error.TooManyHeaders, Http1Harness.Requests(ChunkedPost + "0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits).ErrorCode);
        Assert.Equal(2, Http1Harness.Requests(ChunkedPost + "0\r\nA: 1\r\nB: 2\r\n\r\n", limits).Only.Trailers.Count);
    }

    [Theory]
    [InlineData("x\r\n")]
    [InlineData("\r\n")]
    [InlineData("-1\r\n")]
    [InlineData("+1\r\n")]
    [InlineData("0x1\r\n")]
    [InlineData("1 \r\n")]
    [InlineData("1 2\r\n")]
    [InlineData("1g\r\n")]
    public void Read_BadChunkSize_Rejected(string line) =>
        Assert.Equal(Http1Error.InvalidChunkSize, Http1Harness.Requests(ChunkedPost + line + "a\r\n0\r\n\r\n").ErrorCode);

    [Fact]
    public void Read_NonHexChunkSize_Rejected() =>
        Assert.Equal(Http1Error.InvalidChunkSize, Http1Harness.Requests(ChunkedPost + "zz\r\nabc\r\n0\r\n\r\n").ErrorCode);

    [Fact]
    public void Read_ChunkSizeMissingCrLf_Rejected() =>
        Assert.Equal(Http1Error.InvalidChunkSize, Http1Harness.Requests(ChunkedPost + "3\rxyz\r\n0\r\n\r\n").ErrorCode);

    [Theory]
    [InlineData("8000000000000000")]
    [InlineData("ffffffffffffffffff")]
    public void Read_ChunkSizeOverflow_Rejected(string size) =>
        Assert.Equal(Http1Error.ChunkSizeOverflow, Http1Harness.Requests(ChunkedPost + size + "\r\n").ErrorCode);

    [Fact]
    public void Read_LargestChunkSize_Accepted()
    {
        var c = Http1Harness.Requests(ChunkedPost + "7fffffffffffffff\r\nabc");

        Assert.Equal("abc", c.Only.Body);
        Assert.Equal("body", c.Incomplete);
    }

    [Fact]
    public void Read_ChunkSizeLineWithBareLf_Rejected() =>
        Assert.Equal(Http1Error.BareLineFeed, Http1Harness.Requests(ChunkedPost + "3\nabc\r\n0\r\n\r\n").ErrorCode);

    [Theory]
    [InlineData("abcX\r\n")]
    [InlineData("abc\n")]
    [InlineData("abc\rX")]
    [InlineData("abcd\r\n")]
    public void Read_ChunkDataNotFollowedByCrLf_Rejected(string data) =>
        Assert.Equal(Http1Error.MissingChunkDataTerminator, Http1Harness.Requests(ChunkedPost + "3\r\n" + data + "0\r\n\r\n").ErrorCode);

    [Fact]
    public void Read_CtlInChunkExtension_Rejected() =>
        Assert.Equal(Http1Error.InvalidChunkExtension, Http1Harness.Requests(ChunkedPost + "3;a=\u0001\r\nabc\r\n0\r\n\r\n").ErrorCode);

    [Fact]
    public void Read_ChunkLineAtLimit_AcceptedAndOneOverRejected()
    {
        var limits = new Http1Limits { MaxChunkLineBytes = 16 };
        var atLimit = "3;" + new string('x', 12) + "\r\n";
        Assert.Equal(16, atLimit.Length);

        Assert.Equal("abc", Http1Harness.Requests(ChunkedPost + atLimit + "abc\r\n0\r\n\r\n", limits).Only.Body);
        var over = "3;" + new string('x', 13) + "\r\n";
        Assert.Equal(Http1Error.ChunkLineTooLong, Http1Harness.Requests(ChunkedPost + over + "abc\r\n0\r\n\r\n", limits).ErrorCode);
    }

    [Fact]
    public void Read_ContentLength_StopsAtLengthAndLeavesTheRest()
    {
        var c = Http1Harness.Requests("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcGET /next HTTP/1.1\r\nHost: h\r\n\r\n");

        Assert.Equal(["abc", ""], c.Messages.Select(m => m.Body));
        Assert.Equal("/next", c.Messages[1].Target);
    }

    [Fact]
    public void Read_ContentLengthTruncatedByClose_UnexpectedEndOfBody()
    {
        var c = Http1Harness.Requests("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc", closeAtEnd: true);

        Assert.Equal(Http1Error.UnexpectedEndOfBody, c.ErrorCode);
        Assert.Equal("abc", c.Only.Body);
    }

    [Fact]
    public void Read_ChunkedTruncatedByClose_UnexpectedEndOfBody() =>
        Assert.Equal(Http1Error.UnexpectedEndOfBody, Http1Harness.Requests(ChunkedPost + "5\r\nab", closeAtEnd: true).ErrorCode);

    [Fact]
    public void Read_DataIsASliceOfTheInput_NotACopy()
    {
        var data = "hello world"u8.ToArray();
        var reader = new Http1BodyReader();
        reader.Reset(Http1BodyFraming.OfLength(5));

        var status = reader.Read(new ReadOnlySequence<byte>(data), false, null, out var body, out var consumed, out _, out _);

        Assert.Equal(Http1BodyStatus.Data, status);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(body.First, out var segment));
        Assert.Same(data, segment.Array);
        Assert.Equal(5, consumed.GetInteger());
        Assert.True(reader.IsComplete);
    }

    [Fact]
    public void Read_ChunkedPartialChunk_StreamsBeforeTheChunkEnds()
    {
        var reader = new Http1BodyReader();
        reader.Reset(Http1BodyFraming.Chunked);

        var status = reader.Read(new ReadOnlySequence<byte>("a\r\n01234"u8.ToArray()), false, null, out var body, out _, out _, out _);

        Assert.Equal(Http1BodyStatus.Data, status);
        Assert.Equal("01234"u8.ToArray(), body.ToArray());
        Assert.Equal(5, reader.Remaining);
        Assert.False(reader.IsComplete);
    }
}
