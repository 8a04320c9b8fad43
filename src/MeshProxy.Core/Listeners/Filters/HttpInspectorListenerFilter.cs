using System.Buffers;
using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;

namespace MeshProxy.Core.Listeners.Filters;

/// <summary>
/// <c>envoy.filters.listener.http_inspector</c>: on plaintext connections only, sets the application protocol to
/// <c>h2c</c>, <c>http/1.1</c> or <c>http/1.0</c> from the first bytes; anything else sets none. Stats as Envoy's:
/// <c>http_inspector.*</c>.
/// </summary>
internal sealed class HttpInspectorListenerFilter : ListenerFilter
{
    private readonly Counter _http10Found;
    private readonly Counter _http11Found;
    private readonly Counter _http2Found;
    private readonly Counter _httpNotFound;

    public HttpInspectorListenerFilter(ListenerFilterConfig config, StatsStore stats)
        : base(config)
    {
        _http10Found = stats.GetCounter("http_inspector.http10_found");
        _http11Found = stats.GetCounter("http_inspector.http11_found");
        _http2Found = stats.GetCounter("http_inspector.http2_found");
        _httpNotFound = stats.GetCounter("http_inspector.http_not_found");
    }

    public override bool InspectsData => true;

    public override ListenerFilterStatus OnData(in ReadOnlySequence<byte> data, bool endOfStream, ref ConnectionInspection inspection)
    {
        var transport = inspection.TransportProtocol;
        if (transport is not null && transport.Length != 0 && transport != ConnectionInspection.RawBuffer)
        {
            return ListenerFilterStatus.Continue; // TLS: ALPN (if any) came from tls_inspector.
        }

        switch (HttpInspectorParser.Inspect(data))
        {
            case HttpInspectorStatus.Http11:
                _http11Found.Increment();
                inspection.ApplicationProtocols = ApplicationProtocolNames.Http11Only;
                return ListenerFilterStatus.Continue;
            case HttpInspectorStatus.Http10:
                _http10Found.Increment();
                inspection.ApplicationProtocols = ApplicationProtocolNames.Http10Only;
                return ListenerFilterStatus.Continue;
            case HttpInspectorStatus.Http2:
                _http2Found.Increment();
                inspection.ApplicationProtocols = ApplicationProtocolNames.Http2CleartextOnly;
                return ListenerFilterStatus.Continue;
            case HttpInspectorStatus.NeedMoreData when !endOfStream:
                return ListenerFilterStatus.NeedMoreData;
            default:
                _httpNotFound.Increment();
                return ListenerFilterStatus.Continue;
        }
    }
}
