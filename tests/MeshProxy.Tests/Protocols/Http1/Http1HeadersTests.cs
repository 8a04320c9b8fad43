using System.Text;
using MeshProxy.Protocols.Http1;

namespace MeshProxy.Tests.Protocols.Http1;

public sealed class Http1HeadersTests
{
    [Theory]
    [InlineData("host", Http1KnownHeader.Host)]
    [InlineData("CONTENT-LENGTH", Http1KnownHeader.ContentLength)]
    [InlineData("Transfer-Encoding", Http1KnownHeader.TransferEncoding)]
    [InlineData("x-request-id", Http1KnownHeader.XRequestId)]
    [InlineData("X-Forwarded-Proto", Http1KnownHeader.XForwardedProto)]
    [InlineData("te", Http1KnownHeader.TE)]
    [InlineData("Proxy-Connection", Http1KnownHeader.ProxyConnection)]
    [InlineData("x-custom", Http1KnownHeader.None)]
    [InlineData("hostx", Http1KnownHeader.None)]
    public void Lookup_Name_FindsKnownHeader(string name, Http1KnownHeader expected) =>
        Assert.Equal(expected, Http1KnownHeaders.Lookup(Encoding.ASCII.GetBytes(name)));

    [Fact]
    public void TryGetValue_KnownAndByName_ReturnsFirstValue()
    {
        using var headers = new Http1Headers();
        headers.Add("Host", "a");
        headers.Add("X-Custom", "1");
        headers.Add("x-custom", "2");
        headers.Add("host", "b");

        Assert.True(headers.TryGetValue(Http1KnownHeader.Host, out var host));
        Assert.Equal("a"u8.ToArray(), host.ToArray());
        Assert.True(headers.TryGetValue("X-CUSTOM"u8, out var custom));
        Assert.Equal("1"u8.ToArray(), custom.ToArray());
        Assert.False(headers.TryGetValue(Http1KnownHeader.Expect, out _));
    }

    [Fact]
    public void Remove_KnownHeader_RemovesAllAndReindexes()
    {
        using var headers = new Http1Headers();
        headers.Add("A", "1");
        headers.Add("Host", "a");
        headers.Add("Host", "b");
        headers.Add("Expect", "100-continue");

        Assert.Equal(2, headers.Remove(Http1KnownHeader.Host));

        Assert.Equal(2, headers.Count);
        Assert.False(headers.Contains(Http1KnownHeader.Host));
        Assert.Equal("100-continue", headers.GetString(Http1KnownHeader.Expect));
    }

    [Fact]
    public void Set_ExistingHeader_Replaces()
    {
        using var headers = new Http1Headers();
        headers.Add("x-request-id", "old");
        headers.Add("X-Other", "o");

        headers.Set(Http1KnownHeader.XRequestId, "new"u8);

        Assert.Equal("new", headers.GetString(Http1KnownHeader.XRequestId));
        Assert.Equal(1, headers.Remove("x-other"u8));
        Assert.Equal(1, headers.Count);
    }

    [Fact]
    public void Add_BeyondInitialCapacity_Grows()
    {
        using var headers = new Http1Headers();
        for (var i = 0; i < 500; i++)
        {
            headers.Add($"X-{i}", new string('v', 50));
        }

        Assert.Equal(500, headers.Count);
        Assert.Equal("X-499", Encoding.ASCII.GetString(headers[499].Name));
        Assert.Equal(50, headers[499].Value.Length);
    }

    [Fact]
    public void Clear_ThenAdd_ReusesStorage()
    {
        using var headers = new Http1Headers();
        headers.Add("Host", "a");
        headers.Clear();
        headers.Add("Accept", "b");

        Assert.Equal(1, headers.Count);
        Assert.False(headers.Contains(Http1KnownHeader.Host));
        Assert.Equal("b", headers.GetString(Http1KnownHeader.Accept));
    }

    [Theory]
    [InlineData("close", "close", true)]
    [InlineData("keep-alive, Close", "close", true)]
    [InlineData(" , upgrade ,", "upgrade", true)]
    [InlineData("closed", "close", false)]
    [InlineData("", "close", false)]
    public void ContainsToken_List_MatchesWholeElementsIgnoringCase(string list, string token, bool expected) =>
        Assert.Equal(expected, Http1Semantics.ContainsToken(Encoding.ASCII.GetBytes(list), Encoding.ASCII.GetBytes(token)));

    [Theory]
    [InlineData(Http1KnownHeader.Connection, true)]
    [InlineData(Http1KnownHeader.KeepAlive, true)]
    [InlineData(Http1KnownHeader.ProxyConnection, true)]
    [InlineData(Http1KnownHeader.TE, true)]
    [InlineData(Http1KnownHeader.Trailer, true)]
    [InlineData(Http1KnownHeader.TransferEncoding, true)]
    [InlineData(Http1KnownHeader.Upgrade, true)]
    [InlineData(Http1KnownHeader.Host, false)]
    [InlineData(Http1KnownHeader.ContentLength, false)]
    public void IsHopByHop_KnownHeader_MatchesRfc9110(Http1KnownHeader header, bool expected) =>
        Assert.Equal(expected, Http1KnownHeaders.IsHopByHop(header));

    [Fact]
    public void ParseError_ToException_CarriesTheError()
    {
        var error = new Http1ParseError(Http1Error.BareLineFeed, 14);

        var exception = error.ToException();

        Assert.Equal(error, exception.Error);
        Assert.Contains("BareLineFeed at byte 14", exception.Message, StringComparison.Ordinal);
    }
}
