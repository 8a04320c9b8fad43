using System.Buffers;
using Google.Protobuf;
using Grpc.Core;

namespace MeshProxy.Xds.Client;

/// <summary>
/// One ADS response as the bytes that came off the wire, in a pooled buffer. The gRPC reader only copies them (a
/// memcpy on whatever thread completed the read: with inline socket completions, one that serves traffic too); the
/// protobuf parse, which for a 1,000-cluster push allocates and costs far more, happens later on the control-plane
/// worker, at its priority.
/// </summary>
internal sealed class XdsPayload : IDisposable
{
    public static readonly Marshaller<XdsPayload> Marshaller = Marshallers.Create(
        static (_, _) => throw new NotSupportedException("ADS responses are only received"),
        static context => Copy(context.PayloadAsReadOnlySequence()));

    private byte[]? _buffer;

    private XdsPayload(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public static XdsPayload Copy(ReadOnlySequence<byte> payload)
    {
        var length = checked((int)payload.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        payload.CopyTo(buffer);
        return new XdsPayload(buffer, length);
    }

    /// <summary>Parses the response and gives the buffer back; a payload is parsed once.</summary>
    /// <exception cref="InvalidProtocolBufferException">The bytes are not a <typeparamref name="T"/>.</exception>
    public T Parse<T>(MessageParser<T> parser)
        where T : IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(parser);
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(XdsPayload));
        try
        {
            return parser.ParseFrom(new ReadOnlySpan<byte>(buffer, 0, Length));
        }
        finally
        {
            Dispose();
        }
    }

    /// <summary>A state-of-the-world response, reusing what the type's memo holds (<see cref="SotwResponseReader"/>).</summary>
    /// <exception cref="InvalidDataException">The bytes are not a DiscoveryResponse.</exception>
    public Envoy.Service.Discovery.V3.DiscoveryResponse ReadStateOfTheWorld(Func<string, XdsDecodeMemo?> memoFor)
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(XdsPayload));
        try
        {
            return SotwResponseReader.Read(new ReadOnlySpan<byte>(buffer, 0, Length), memoFor);
        }
        finally
        {
            Dispose();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
