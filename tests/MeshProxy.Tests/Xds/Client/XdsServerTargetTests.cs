using MeshProxy.Xds.Client;

namespace MeshProxy.Tests.Xds.Client;

public sealed class XdsServerTargetTests
{
    [Theory]
    [InlineData("istiod.istio-system.svc:15010", XdsTransportKind.Plaintext, "istiod.istio-system.svc", 15010, "http://istiod.istio-system.svc:15010/")]
    [InlineData("127.0.0.1:15010", XdsTransportKind.Plaintext, "127.0.0.1", 15010, "http://127.0.0.1:15010/")]
    [InlineData("http://127.0.0.1:15010", XdsTransportKind.Plaintext, "127.0.0.1", 15010, "http://127.0.0.1:15010/")]
    [InlineData("[::1]:15010", XdsTransportKind.Plaintext, "::1", 15010, "http://[::1]:15010/")]
    [InlineData("https://istiod.istio-system.svc:15012", XdsTransportKind.Tls, "istiod.istio-system.svc", 15012, "https://istiod.istio-system.svc:15012/")]
    public void Parse_TcpTargets_HostPortAndChannelAddress(string text, XdsTransportKind kind, string host, int port, string address)
    {
        var target = XdsServerTarget.Parse(text);

        Assert.Equal(kind, target.Kind);
        Assert.Equal(host, target.Host);
        Assert.Equal(port, target.Port);
        Assert.Equal(address, target.ChannelAddress.ToString());
    }

    [Theory]
    [InlineData("unix:/etc/istio/proxy/XDS", "/etc/istio/proxy/XDS")]
    [InlineData("unix:///var/run/xds.sock", "/var/run/xds.sock")]
    [InlineData("unix:relative.sock", "relative.sock")]
    public void Parse_UnixSocket_KeepsPath(string text, string path)
    {
        var target = XdsServerTarget.Parse(text);

        Assert.Equal(XdsTransportKind.UnixSocket, target.Kind);
        Assert.Equal(path, target.SocketPath);
        Assert.Equal($"unix:{path}", target.ToString());
    }

    [Fact]
    public void Parse_TlsWithCertificates_KeepsPaths()
    {
        var target = XdsServerTarget.Parse("https://istiod:15012", "/ca.pem", "/cert.pem", "/key.pem") with { ServerName = "istiod.istio-system.svc" };

        Assert.Equal("/ca.pem", target.CaCertificatePath);
        Assert.Equal("/cert.pem", target.ClientCertificatePath);
        Assert.Equal("/key.pem", target.ClientKeyPath);
        Assert.Equal("istiod.istio-system.svc", target.ServerName);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("   ", "is empty")]
    [InlineData("istiod", "missing :PORT")]
    [InlineData("istiod:", "port '' is not a number")]
    [InlineData("istiod:http", "port 'http' is not a number")]
    [InlineData("istiod:0", "port '0' is not a number from 1 to 65535")]
    [InlineData("istiod:70000", "port '70000' is not a number from 1 to 65535")]
    [InlineData(":15010", "the host is empty")]
    [InlineData("::1:15010", "an IPv6 address needs brackets")]
    [InlineData("[::1]15010", "expected [IPv6]:PORT")]
    [InlineData("grpc://istiod:15010", "unknown scheme 'grpc'")]
    [InlineData("https://istiod:15012/path", "a path is not allowed")]
    [InlineData("unix:", "the Unix socket path is empty")]
    public void Parse_Invalid_ThrowsNamingTheProblem(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => XdsServerTarget.Parse(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CertificatesWithoutTls_Throws()
    {
        var error = Assert.Throws<FormatException>(() => XdsServerTarget.Parse("istiod:15010", caCertificatePath: "/ca.pem"));

        Assert.Contains("need an https:// target", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ClientCertificateWithoutKey_Throws()
    {
        var error = Assert.Throws<FormatException>(() => XdsServerTarget.Parse("https://istiod:15012", "/ca.pem", clientCertificatePath: "/cert.pem"));

        Assert.Contains("both the certificate and the key", error.Message, StringComparison.Ordinal);
    }
}
