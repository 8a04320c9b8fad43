using System.Buffers;
using System.Net;
using System.Text;
using MeshProxy.Core.Http.ConnectionManager;
using MeshProxy.Protocols.Http1;

namespace MeshProxy.Tests.Http.ConnectionManager;

public sealed class Http1RequestViewTests
{
    private static Http1RequestView Parse(string request, out Http1RequestHead head)
    {
        head = new Http1RequestHead();
        var parser = new Http1Parser();
        Assert.True(parser.TryParseRequestHead(head, new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(request)), out _, out _, out _));
        return new Http1RequestView(head) { Peer = new IPEndPoint(IPAddress.Parse("192.0.2.9"), 5000) };
    }

    [Theory]
    [InlineData("http://a.example/x/y?z=1", "/x/y?z=1")]
    [InlineData("http://a.example", "/")]
    [InlineData("https://a.example:8443/", "/")]
    public void Path_AbsoluteForm_IsPathAndQuery(string target, string path)
    {
        var view = Parse($"GET {target} HTTP/1.1\r\nHost: a.example\r\n\r\n", out var head);
        using (head)
        {
            Assert.Equal(path, Encoding.ASCII.GetString(view.Path));
            Assert.Equal("a.example", Encoding.ASCII.GetString(view.Authority));
        }
    }

    [Fact]
    public void TryGetHeader_Occurrences_VisitsRepeatedFieldsInOrder()
    {
        var view = Parse("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nx-a: 2\r\n\r\n", out var head);
        using (head)
        {
            Assert.True(view.TryGetHeader("x-a"u8, 1, out var second));
            Assert.Equal("2", Encoding.ASCII.GetString(second));
            Assert.False(view.TryGetHeader("x-a"u8, 2, out _));
        }
    }

    [Theory]
    [InlineData(false, 0u, "10.0.0.2")]
    [InlineData(false, 1u, "10.0.0.1")]
    [InlineData(false, 5u, "192.0.2.9")]
    [InlineData(true, 0u, "192.0.2.9")]
    [InlineData(true, 1u, "10.0.0.2")]
    public void RemoteAddress_FollowsUseRemoteAddressAndTrustedHops(bool useRemoteAddress, uint hops, string expected)
    {
        var view = Parse("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 10.0.0.1, 10.0.0.2\r\n\r\n", out var head);
        using (head)
        {
            view.UseRemoteAddress = useRemoteAddress;
            view.XffNumTrustedHops = hops;
            view.OnNewRequest();

            Assert.Equal(IPAddress.Parse(expected), view.RemoteAddress!.Address);
        }
    }

    [Fact]
    public void RequestId_IsUuidV4()
    {
        var id = new byte[RequestIdGenerator.Length];
        RequestIdGenerator.Write(id);

        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", Encoding.ASCII.GetString(id));
    }
}
