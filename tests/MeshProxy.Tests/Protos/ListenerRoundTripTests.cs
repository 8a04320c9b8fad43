using Envoy.Config.Core.V3;
using Envoy.Config.Listener.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Hcm = Envoy.Extensions.Filters.Network.HttpConnectionManager.V3.HttpConnectionManager;
using HttpFilter = Envoy.Extensions.Filters.Network.HttpConnectionManager.V3.HttpFilter;
using Rds = Envoy.Extensions.Filters.Network.HttpConnectionManager.V3.Rds;
using RouterFilter = Envoy.Extensions.Filters.Http.Router.V3.Router;

namespace MeshProxy.Tests.Protos;

public sealed class ListenerRoundTripTests
{
    private static readonly JsonFormatter Formatter =
        new(JsonFormatter.Settings.Default.WithTypeRegistry(EnvoyTypeRegistry.Instance));

    private static readonly JsonParser Parser =
        new(JsonParser.Settings.Default.WithTypeRegistry(EnvoyTypeRegistry.Instance));

    [Fact]
    public void ParseFrom_SerializedListenerWithHcm_EqualsOriginal()
    {
        var listener = NewListener();

        var parsed = Listener.Parser.ParseFrom(listener.ToByteArray());

        Assert.Equal(listener, parsed);
    }

    [Fact]
    public void JsonParser_FormattedListenerWithHcm_EqualsOriginal()
    {
        var listener = NewListener();

        var json = Formatter.Format(listener);
        var parsed = Parser.Parse<Listener>(json);

        Assert.Contains("\"@type\": \"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\"", json, StringComparison.Ordinal);
        Assert.Equal(listener, parsed);
    }

    [Fact]
    public void TypeRegistryFind_HcmAnyInFilterChain_UnpacksToEqualHcm()
    {
        var hcm = NewHcm();
        var listener = NewListener(hcm);
        var any = Listener.Parser.ParseFrom(listener.ToByteArray()).FilterChains[0].Filters[0].TypedConfig;

        var descriptor = EnvoyTypeRegistry.Instance.Find(Any.GetTypeName(any.TypeUrl));
        Assert.NotNull(descriptor);
        var unpacked = descriptor.Parser.ParseFrom(any.Value);

        var unpackedHcm = Assert.IsType<Hcm>(unpacked);
        Assert.Equal(hcm, unpackedHcm);
        Assert.Equal(RouterFilter.Descriptor.FullName, Any.GetTypeName(unpackedHcm.HttpFilters[0].TypedConfig.TypeUrl));
    }

    private static Listener NewListener(Hcm? hcm = null) => new()
    {
        Name = "virtualInbound",
        Address = new Address { SocketAddress = new SocketAddress { Address = "0.0.0.0", PortValue = 15006 } },
        FilterChains =
        {
            new FilterChain
            {
                Filters =
                {
                    new Filter { Name = "envoy.filters.network.http_connection_manager", TypedConfig = Any.Pack(hcm ?? NewHcm()) },
                },
            },
        },
    };

    private static Hcm NewHcm() => new()
    {
        StatPrefix = "inbound_0.0.0.0_8080",
        CodecType = Hcm.Types.CodecType.Auto,
        Rds = new Rds
        {
            RouteConfigName = "8080",
            ConfigSource = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 },
        },
        StreamIdleTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(300)),
        HttpFilters =
        {
            new HttpFilter { Name = "envoy.filters.http.router", TypedConfig = Any.Pack(new RouterFilter { SuppressEnvoyHeaders = true }) },
        },
    };
}
