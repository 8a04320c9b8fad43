using System.Buffers;
using System.Text;
using MeshProxy.Core.Listeners.Filters;

namespace MeshProxy.Tests.Listeners;

public sealed class TlsClientHelloParserTests
{
    [Fact]
    public async Task TryParse_RealClientHelloWithSniAndAlpn_FindsLowerCaseSniAndAlpnInOrder()
    {
        var hello = await ClientHellos.CaptureAsync("Api.Example.COM", "h2", "http/1.1");

        var status = TlsClientHelloParser.TryParse(new ReadOnlySequence<byte>(hello), out var sni, out var alpn);

        Assert.Equal(TlsClientHelloStatus.ClientHello, status);
        Assert.Equal("api.example.com", sni);
        Assert.Equal(["h2", "http/1.1"], alpn!);
    }

    [Fact]
    public async Task TryParse_RealClientHelloWithoutSniOrAlpn_IsClientHelloWithNeither()
    {
        var hello = await ClientHellos.CaptureAsync(string.Empty);

        var status = TlsClientHelloParser.TryParse(new ReadOnlySequence<byte>(hello), out var sni, out var alpn);

        Assert.Equal(TlsClientHelloStatus.ClientHello, status);
        Assert.Null(sni);
        Assert.Null(alpn);
    }

    [Fact]
    public async Task TryParse_RealClientHelloIstioAlpn_SharesTheKnownName()
    {
        var hello = await ClientHellos.CaptureAsync("outbound_.8080_._.reviews.default.svc.cluster.local", "istio-peer-exchange");

        TlsClientHelloParser.TryParse(new ReadOnlySequence<byte>(hello), out var sni, out var alpn);

        Assert.Equal("outbound_.8080_._.reviews.default.svc.cluster.local", sni);
        Assert.Same(alpn, ApplicationProtocolNames.GetSingle("istio-peer-exchange"u8));
    }

    [Fact]
    public async Task TryParse_SplitAtEveryOffset_SameResultAndEveryPrefixNeedsMore()
    {
        var hello = await ClientHellos.CaptureAsync("www.example.com", "h2");

        for (var offset = 1; offset < hello.Length; offset++)
        {
            Assert.Equal(TlsClientHelloStatus.NeedMoreData, TlsClientHelloParser.TryParse(new ReadOnlySequence<byte>(hello, 0, offset), out _, out _));
            var status = TlsClientHelloParser.TryParse(Sequences.Split(hello, offset), out var sni, out var alpn);
            Assert.Equal(TlsClientHelloStatus.ClientHello, status);
            Assert.Equal("www.example.com", sni);
            Assert.Equal(["h2"], alpn!);
        }
    }

    [Fact]
    public async Task TryParse_KnownAlpnAfterWarmUp_AllocatesOnlyTheServerName()
    {
        var hello = new System.Buffers.ReadOnlySequence<byte>(await ClientHellos.CaptureAsync("www.example.com", "h2"));
        TlsClientHelloParser.TryParse(hello, out _, out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        TlsClientHelloParser.TryParse(hello, out var sni, out _);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("www.example.com", sni);
        Assert.True(allocated <= 64, $"allocated {allocated} bytes"); // the SNI string: 22 + 2 * 15 bytes
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(100)]
    public async Task TryParse_HandshakeSpreadOverSeveralRecords_Reassembles(int recordSize)
    {
        var hello = ClientHellos.Refragment(await ClientHellos.CaptureAsync("a.b.example.com", "http/1.1"), recordSize);

        for (var length = 1; length < hello.Length; length++)
        {
            Assert.Equal(TlsClientHelloStatus.NeedMoreData, TlsClientHelloParser.TryParse(new ReadOnlySequence<byte>(hello, 0, length), out _, out _));
        }

        var status = TlsClientHelloParser.TryParse(Sequences.Split(hello, hello.Length / 2), out var sni, out var alpn);
        Assert.Equal(TlsClientHelloStatus.ClientHello, status);
        Assert.Equal("a.b.example.com", sni);
        Assert.Equal(["http/1.1"], alpn!);
    }

    [Theory]
    [InlineData("G")]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("\u0017\u0003\u0003")] // application data record
    [InlineData("\u0016\u0002")] // not version 3.x
    public void TryParse_NotAHandshakeRecord_IsNotTlsAtOnce(string start)
    {
        var status = TlsClientHelloParser.TryParse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(start)), out _, out _);

        Assert.Equal(TlsClientHelloStatus.NotTls, status);
    }

    [Fact]
    public void TryParse_EmptyOrOneHandshakeByte_NeedsMore()
    {
        Assert.Equal(TlsClientHelloStatus.NeedMoreData, TlsClientHelloParser.TryParse(ReadOnlySequence<byte>.Empty, out _, out _));
        Assert.Equal(TlsClientHelloStatus.NeedMoreData, TlsClientHelloParser.TryParse(new ReadOnlySequence<byte>([0x16]), out _, out _));
    }

    [Fact]
    public void TryParse_HandshakeClaimsMoreThan64KiB_IsTooLarge()
    {
        byte[] header = [0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x01, 0x20, 0x00]; // ClientHello of 0x012000 bytes

        Assert.Equal(TlsClientHelloStatus.TooLarge, TlsClientHelloParser.TryParse(new ReadOnlySequence<byte>(header), out _, out _));
    }

    [Fact]
    public async Task TryParse_SessionIdLongerThan32_IsNotTls()
    {
        var hello = await ClientHellos.CaptureAsync("www.example.com");
        hello[5 + 4 + 2 + 32] = 33; // record header, handshake header, version, random: then the session id length

        Assert.Equal(TlsClientHelloStatus.NotTls, TlsClientHelloParser.TryParse(new ReadOnlySequence<byte>(hello), out _, out _));
    }
}
