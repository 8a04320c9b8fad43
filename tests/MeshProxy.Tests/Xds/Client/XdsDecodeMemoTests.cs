using System.Net;
using Envoy.Config.Endpoint.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Xds.Client;
using static MeshProxy.Tests.Support.FakeControlPlane;

namespace MeshProxy.Tests.Xds.Client;

public sealed class XdsDecodeMemoTests
{
    private static readonly IPEndPoint Host1 = new(IPAddress.Parse("10.0.0.1"), 8080);
    private static readonly IPEndPoint Host2 = new(IPAddress.Parse("10.0.0.2"), 8080);

    [Fact]
    public void TryDecodeStateOfTheWorld_UnchangedBytes_ReuseTheMessageDecodedBefore()
    {
        var memo = new XdsDecodeMemo();
        Assert.True(XdsResourceDecoder.TryDecodeStateOfTheWorld(Eds("1", Endpoints("a", Host1), Endpoints("b", Host1)), memo, out var first, out _));
        Assert.True(XdsResourceDecoder.TryDecodeStateOfTheWorld(Eds("2", Endpoints("a", Host1), Endpoints("b", Host2)), memo, out var second, out _));

        Assert.Equal(["a", "b"], second.Select(r => r.Name));
        Assert.Same(first[0].Message, second[0].Message);
        Assert.NotSame(first[1].Message, second[1].Message);
        Assert.Equal(Endpoints("b", Host2), second[1].Message);
        Assert.Equal("2", second[0].Version);
        Assert.Equal(1, memo.LastReused);
    }

    [Fact]
    public void TryDecodeStateOfTheWorld_ResourceUnchangedOverManyPushes_IsNeverParsedAgain()
    {
        // A resource taken from the memo must be remembered for the next response too, not only the parsed ones.
        var memo = new XdsDecodeMemo();
        Assert.True(XdsResourceDecoder.TryDecodeStateOfTheWorld(Eds("1", Endpoints("a", Host1), Endpoints("b", Host1)), memo, out var first, out _));
        for (var version = 2; version <= 5; version++)
        {
            var b = version % 2 == 0 ? Host2 : Host1;
            Assert.True(XdsResourceDecoder.TryDecodeStateOfTheWorld(
                Eds(version.ToString(System.Globalization.CultureInfo.InvariantCulture), Endpoints("a", Host1), Endpoints("b", b)), memo, out var next, out _));
            Assert.Same(first[0].Message, next[0].Message);
            Assert.Equal(1, memo.LastReused);
        }
    }

    [Fact]
    public void TryDecodeStateOfTheWorld_FailedResponse_KeepsTheMemoAndStillRejectsDuplicates()
    {
        var memo = new XdsDecodeMemo();
        Assert.True(XdsResourceDecoder.TryDecodeStateOfTheWorld(Eds("1", Endpoints("a", Host1)), memo, out var first, out _));

        // Two identical resources: both come from the memo, the duplicate is still a NACK.
        Assert.False(XdsResourceDecoder.TryDecodeStateOfTheWorld(Eds("2", Endpoints("a", Host1), Endpoints("a", Host1)), memo, out _, out var error));
        Assert.Contains("duplicate resource name", error, StringComparison.Ordinal);

        Assert.True(XdsResourceDecoder.TryDecodeStateOfTheWorld(Eds("3", Endpoints("a", Host1)), memo, out var third, out _));
        Assert.Same(first[0].Message, third[0].Message);
    }

    private static DiscoveryResponse Eds(string version, params ClusterLoadAssignment[] assignments)
    {
        var response = new DiscoveryResponse { TypeUrl = XdsTypeUrls.ClusterLoadAssignment, VersionInfo = version, Nonce = version };
        response.Resources.Add(assignments.Select(Any.Pack));
        return response;
    }
}
