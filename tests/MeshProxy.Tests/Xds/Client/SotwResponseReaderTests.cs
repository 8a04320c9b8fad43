using Envoy.Config.Endpoint.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Xds.Client;
using static MeshProxy.Tests.Support.FakeControlPlane;

namespace MeshProxy.Tests.Xds.Client;

public sealed class SotwResponseReaderTests
{
    private static readonly System.Net.IPEndPoint Host1 = new(System.Net.IPAddress.Parse("10.0.0.1"), 8080);
    private static readonly System.Net.IPEndPoint Host2 = new(System.Net.IPAddress.Parse("10.0.0.2"), 8080);

    [Fact]
    public void Read_EveryKindOfResource_MatchesTheGeneratedParser()
    {
        var response = Mixed();

        var read = SotwResponseReader.Read(response.ToByteArray(), _ => null);

        // canary and control_plane are not kept: the client uses neither.
        Assert.Equal(new DiscoveryResponse(response) { Canary = false, ControlPlane = null }, read);
    }

    [Fact]
    public void Read_FieldsInAnyOrder_AreRead()
    {
        var response = Mixed();

        // type_url and nonce first, then the rest: a valid encoding a serializer may produce.
        using var reordered = new MemoryStream();
        var output = new CodedOutputStream(reordered);
        output.WriteTag(4, WireFormat.WireType.LengthDelimited);
        output.WriteString(response.TypeUrl);
        output.WriteTag(5, WireFormat.WireType.LengthDelimited);
        output.WriteString(response.Nonce);
        output.WriteTag(99, WireFormat.WireType.Fixed32);
        output.WriteFixed32(7);
        output.Flush();
        reordered.Write(new DiscoveryResponse(response) { TypeUrl = "", Nonce = "" }.ToByteArray());

        var read = SotwResponseReader.Read(reordered.ToArray(), _ => null);

        Assert.Equal(new DiscoveryResponse(response) { Canary = false, ControlPlane = null }, read);
    }

    [Fact]
    public void Read_UnknownGroupField_IsSkippedAsTheGeneratedParserDoes()
    {
        var response = Mixed();
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(50, WireFormat.WireType.StartGroup);
        output.WriteTag(1, WireFormat.WireType.Varint);
        output.WriteInt32(5);
        output.WriteTag(2, WireFormat.WireType.StartGroup);
        output.WriteTag(2, WireFormat.WireType.EndGroup);
        output.WriteTag(50, WireFormat.WireType.EndGroup);
        output.Flush();
        stream.Write(response.ToByteArray());
        var bytes = stream.ToArray();

        var read = SotwResponseReader.Read(bytes, _ => null);

        Assert.Equal(DiscoveryResponse.Parser.ParseFrom(bytes).Resources, read.Resources);
        Assert.Equal(response.Nonce, read.Nonce);
        Assert.Throws<InvalidDataException>(() => SotwResponseReader.Read(bytes.AsSpan(0, 3).ToArray(), _ => null));
    }

    [Fact]
    public void Read_EveryTruncation_FailsExactlyWhenTheGeneratedParserFails()
    {
        var bytes = Mixed().ToByteArray();
        for (var length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes.AsSpan(0, length).ToArray();
            bool generatedOk;
            try
            {
                DiscoveryResponse.Parser.ParseFrom(prefix);
                generatedOk = true;
            }
            catch (InvalidProtocolBufferException)
            {
                generatedOk = false;
            }

            var ours = Record.Exception(() => SotwResponseReader.Read(prefix, _ => null));

            Assert.True(generatedOk == ours is null, $"prefix of {length} bytes: generated parser ok={generatedOk}, reader threw {ours?.GetType().Name}");
            Assert.True(ours is null or InvalidDataException, $"prefix of {length} bytes: {ours}");
        }
    }

    [Fact]
    public void Read_UnchangedResources_ReuseTheAnyOfTheLastResponse()
    {
        var memo = new XdsDecodeMemo();
        var first = Eds("1", Endpoints("a", Host1), Endpoints("b", Host1));
        var firstRead = SotwResponseReader.Read(first.ToByteArray(), type => type == XdsTypeUrls.ClusterLoadAssignment ? memo : null);
        Assert.True(XdsResourceDecoder.TryDecodeStateOfTheWorld(firstRead, memo, out var firstResources, out _));

        var second = SotwResponseReader.Read(
            Eds("2", Endpoints("a", Host1), Endpoints("b", Host2)).ToByteArray(), type => type == XdsTypeUrls.ClusterLoadAssignment ? memo : null);

        Assert.Same(firstRead.Resources[0], second.Resources[0]);
        Assert.NotSame(firstRead.Resources[1], second.Resources[1]);
        Assert.Equal(Any.Pack(Endpoints("b", Host2)), second.Resources[1]);
        Assert.True(XdsResourceDecoder.TryDecodeStateOfTheWorld(second, memo, out var secondResources, out _));
        Assert.Same(firstResources[0].Message, secondResources[0].Message);
        Assert.Equal("2", second.VersionInfo);
    }

    [Fact]
    public void Read_SameBytesUnderAnotherTypeUrl_AreNotTakenFromTheMemo()
    {
        var memo = new XdsDecodeMemo();
        var first = SotwResponseReader.Read(Eds("1", Endpoints("a", Host1)).ToByteArray(), _ => memo);
        Assert.True(XdsResourceDecoder.TryDecodeStateOfTheWorld(first, memo, out _, out _));

        var other = new DiscoveryResponse { TypeUrl = XdsTypeUrls.ClusterLoadAssignment, VersionInfo = "2" };
        other.Resources.Add(new Any { TypeUrl = XdsTypeUrls.Cluster, Value = first.Resources[0].Value });
        var read = SotwResponseReader.Read(other.ToByteArray(), _ => memo);

        Assert.NotSame(first.Resources[0], read.Resources[0]);
        Assert.Equal(XdsTypeUrls.Cluster, read.Resources[0].TypeUrl);
    }

    private static DiscoveryResponse Mixed()
    {
        var response = new DiscoveryResponse
        {
            VersionInfo = "v-7",
            TypeUrl = XdsTypeUrls.ClusterLoadAssignment,
            Nonce = "nonce-7",
            Canary = true,
            ControlPlane = new Envoy.Config.Core.V3.ControlPlane { Identifier = "istiod-1" },
        };
        response.Resources.Add(Any.Pack(Endpoints("a", Host1)));
        response.Resources.Add(Any.Pack(new Resource { Name = "b", Version = "3", Resource_ = Any.Pack(Endpoints("b", Host2)) }));
        response.Resources.Add(Any.Pack(EdsCluster("c")));
        response.Resources.Add(new Any { TypeUrl = XdsTypeUrls.ClusterLoadAssignment });
        return response;
    }

    private static DiscoveryResponse Eds(string version, params ClusterLoadAssignment[] assignments)
    {
        var response = new DiscoveryResponse { TypeUrl = XdsTypeUrls.ClusterLoadAssignment, VersionInfo = version, Nonce = version };
        response.Resources.Add(assignments.Select(Any.Pack));
        return response;
    }
}
