using Envoy.Service.Accesslog.V3;
using Envoy.Service.Discovery.V3;
using Grpc.Core;
using Grpc.Net.Client;

namespace MeshProxy.Tests.Protos;

public sealed class ServiceStubTests
{
    [Fact]
    public void BindService_AdsAndAlsServerStubs_ExposeUpstreamMethods()
    {
        var ads = AggregatedDiscoveryService.BindService(new FakeAds());
        var als = AccessLogService.BindService(new FakeAls());

        Assert.NotNull(ads);
        Assert.NotNull(als);
        Assert.Equal("envoy.service.discovery.v3.AggregatedDiscoveryService", AggregatedDiscoveryService.Descriptor.FullName);
        Assert.Contains(AggregatedDiscoveryService.Descriptor.Methods, method => method.Name == "DeltaAggregatedResources");
        Assert.Equal("envoy.service.accesslog.v3.AccessLogService", AccessLogService.Descriptor.FullName);
    }

    [Fact]
    public void ClientConstructor_AdsAndAlsClientStubs_CreateWithoutConnecting()
    {
        using var channel = GrpcChannel.ForAddress("http://127.0.0.1:1");

        var ads = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel);
        var als = new AccessLogService.AccessLogServiceClient(channel);

        Assert.NotNull(ads);
        Assert.NotNull(als);
    }

    private sealed class FakeAds : AggregatedDiscoveryService.AggregatedDiscoveryServiceBase
    {
        public override Task StreamAggregatedResources(
            IAsyncStreamReader<DiscoveryRequest> requestStream,
            IServerStreamWriter<DiscoveryResponse> responseStream,
            ServerCallContext context) => Task.CompletedTask;
    }

    private sealed class FakeAls : AccessLogService.AccessLogServiceBase
    {
    }
}
