using System.Buffers;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Tests.Support;
using MeshProxy.Xds.Client;
using static MeshProxy.Tests.Support.FakeControlPlane;

namespace MeshProxy.Tests.Xds.Client;

public sealed class XdsPayloadTests
{
    [Fact]
    public void Parse_PayloadCopiedFromSegments_GivesTheSentResponse()
    {
        var response = new DiscoveryResponse { TypeUrl = XdsTypeUrls.Cluster, VersionInfo = "7", Nonce = "n7" };
        response.Resources.Add(Any.Pack(EdsCluster("a")));
        response.Resources.Add(Any.Pack(EdsCluster("b")));
        var bytes = response.ToByteArray();

        using var payload = XdsPayload.Copy(SegmentedSequence.Split(bytes, bytes.Length / 5, 2 * bytes.Length / 5, 3 * bytes.Length / 5, 4 * bytes.Length / 5));

        Assert.Equal(bytes.Length, payload.Length);
        Assert.Equal(response, payload.Parse(DiscoveryResponse.Parser));
        Assert.Throws<ObjectDisposedException>(() => payload.Parse(DiscoveryResponse.Parser));
    }

    [Fact]
    public void Parse_Garbage_ThrowsInvalidProtocolBuffer()
    {
        using var payload = XdsPayload.Copy(new ReadOnlySequence<byte>([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));

        Assert.Throws<InvalidProtocolBufferException>(() => payload.Parse(DiscoveryResponse.Parser));
    }

    [Fact]
    public void Copy_EmptyPayload_ParsesAsTheEmptyResponse()
    {
        using var payload = XdsPayload.Copy(ReadOnlySequence<byte>.Empty);

        Assert.Equal(new DiscoveryResponse(), payload.Parse(DiscoveryResponse.Parser));
    }
}
