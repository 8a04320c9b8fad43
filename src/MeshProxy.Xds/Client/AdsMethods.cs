using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using Grpc.Core;

namespace MeshProxy.Xds.Client;

/// <summary>
/// The two ADS methods with requests marshalled as the generated client does and responses kept as raw bytes
/// (<see cref="XdsPayload"/>), so that decoding happens on the control-plane worker.
/// </summary>
internal static class AdsMethods
{
    private const string Service = "envoy.service.discovery.v3.AggregatedDiscoveryService";

    public static readonly Method<DiscoveryRequest, XdsPayload> StreamAggregatedResources = new(
        MethodType.DuplexStreaming, Service, "StreamAggregatedResources", RequestMarshaller(DiscoveryRequest.Parser), XdsPayload.Marshaller);

    public static readonly Method<DeltaDiscoveryRequest, XdsPayload> DeltaAggregatedResources = new(
        MethodType.DuplexStreaming, Service, "DeltaAggregatedResources", RequestMarshaller(DeltaDiscoveryRequest.Parser), XdsPayload.Marshaller);

    private static Marshaller<T> RequestMarshaller<T>(MessageParser<T> parser)
        where T : IMessage<T>, IBufferMessage => Marshallers.Create<T>(
        static (message, context) =>
        {
            context.SetPayloadLength(message.CalculateSize());
            message.WriteTo(context.GetBufferWriter());
            context.Complete();
        },
        context => parser.ParseFrom(context.PayloadAsReadOnlySequence()));
}
