using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Xds.Conversion;
using TcpProxyProto = Envoy.Extensions.Filters.Network.TcpProxy.V3.TcpProxy;
using UpstreamTlsContext = Envoy.Extensions.TransportSockets.Tls.V3.UpstreamTlsContext;

namespace MeshProxy.Tests.Xds.Conversion;

// TypedConfig names the type from the schema instead of T.Descriptor; Any.Unpack and Any.Is are the reference.
public sealed class TypedConfigTests
{
    private const string TcpProxyUrl = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";

    [Fact]
    public void Unpack_MatchingType_ParsesTheValue()
    {
        var context = new ConversionContext();
        var any = Any.Pack(new TcpProxyProto { StatPrefix = "s", Cluster = "c" });

        var proxy = TypedConfig.Unpack<TcpProxyProto>(any, "f", context);

        Assert.Equal(new TcpProxyProto { StatPrefix = "s", Cluster = "c" }, proxy);
        Assert.Empty(context.Errors);
    }

    [Theory]
    [InlineData(TcpProxyUrl)]
    [InlineData("example.com/x/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy")]
    [InlineData("type.googleapis.com/udpa.type.v1.TypedStruct")]
    [InlineData("type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxyX")]
    [InlineData("envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy")]
    [InlineData("")]
    public void Unpack_AnyTypeUrl_RecordsWhatAnyUnpackThrows(string typeUrl)
    {
        var context = new ConversionContext();
        var any = new Any { TypeUrl = typeUrl, Value = new TcpProxyProto { StatPrefix = "s" }.ToByteString() };

        var proxy = TypedConfig.Unpack<TcpProxyProto>(any, "f", context);

        Assert.Equal(Reference(any), proxy is null ? context.Errors.Single().Message : null);
        Assert.Equal(any.Is(TcpProxyProto.Descriptor), TypedConfig.Is<TcpProxyProto>(any));
    }

    [Fact]
    public void Unpack_UndecodableValue_RecordsTheParserError()
    {
        var context = new ConversionContext();
        var any = new Any { TypeUrl = TcpProxyUrl, Value = ByteString.CopyFrom(0x0A, 0x05, 0x61) };

        Assert.Null(TypedConfig.Unpack<TcpProxyProto>(any, "f", context));

        var error = Assert.Single(context.Errors);
        Assert.Equal("f", error.FieldPath);
        Assert.Equal(Reference(any), error.Message);
    }

    [Fact]
    public void Is_OtherType_IsFalse()
    {
        var any = Any.Pack(new TcpProxyProto());

        Assert.True(TypedConfig.Is<TcpProxyProto>(any));
        Assert.False(TypedConfig.Is<UpstreamTlsContext>(any));
    }

    // The error TypedConfig recorded before it stopped calling Any.Unpack (null when Unpack succeeds).
    private static string? Reference(Any any)
    {
        try
        {
            any.Unpack<TcpProxyProto>();
            return null;
        }
        catch (InvalidProtocolBufferException ex)
        {
            return $"cannot decode {any.TypeUrl}: {ex.Message}";
        }
    }
}
