using System.Runtime.CompilerServices;
using System.Buffers;
using System.IO.Pipelines;
using MeshProxy.Core.Http.Routing;
using MeshProxy.Core.Threading;
using MeshProxy.Protocols.Http1;

namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>Local replies (Envoy's <c>sendLocalReply</c>): plain-text bodies, the route's response headers, <c>server</c>.</summary>
internal sealed partial class Http1ServerSession
{
    private static readonly ReadOnlyMemory<byte> NoHealthyUpstreamBody = "no healthy upstream"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> ConnectFailureBody = "upstream connect error or disconnect/reset before headers. reset reason: connection failure"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> OverflowBody = "upstream connect error or disconnect/reset before headers. reset reason: overflow"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> TerminationBody = "upstream connect error or disconnect/reset before headers. reset reason: connection termination"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> ProtocolErrorBody = "upstream connect error or disconnect/reset before headers. reset reason: protocol error"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> UpstreamTimeoutBody = "upstream request timeout"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> RequestTimeoutBody = "request timeout"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> StreamTimeoutBody = "stream timeout"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> BadRequestBody = "Bad Request"u8.ToArray();

    /// <summary>The local reply for an attempt that produced no response (or a timeout), by response flag.</summary>
    private ValueTask FailureReplyAsync(ResponseFlags flag)
    {
        switch (flag)
        {
            case ResponseFlags.NoHealthyUpstream:
                return LocalReplyAsync(503, NoHealthyUpstreamBody, flag);
            case ResponseFlags.UpstreamConnectionFailure:
                return LocalReplyAsync(503, ConnectFailureBody, flag);
            case ResponseFlags.UpstreamOverflow:
                return LocalReplyAsync(503, OverflowBody, flag, overloaded: true);
            case ResponseFlags.UpstreamProtocolError:
                return LocalReplyAsync(502, ProtocolErrorBody, flag);
            case ResponseFlags.UpstreamRequestTimeout:
                return LocalReplyAsync(504, UpstreamTimeoutBody, flag);
            case ResponseFlags.StreamIdleTimeout:
                return LocalReplyAsync(408, StreamTimeoutBody, flag);
            case ResponseFlags.DownstreamProtocolError:
                _closeAfterResponse = true;
                return LocalReplyAsync(400, BadRequestBody, flag);
            case ResponseFlags.None:
                // request_timeout has no response flag of its own in Envoy.
                _closeAfterResponse = true;
                return LocalReplyAsync(408, RequestTimeoutBody, flag);
            default:
                return LocalReplyAsync(503, TerminationBody, flag);
        }
    }

    /// <summary>
    /// Answers the current request from the proxy. When a response has already started, the stream can only be reset:
    /// the downstream connection is aborted.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder))]
    private async ValueTask LocalReplyAsync(int status, ReadOnlyMemory<byte> body, ResponseFlags flags, RouteDecision decision = default, bool overloaded = false, bool location = false)
    {
        _stream.Flags |= flags;
        if (flags != ResponseFlags.None)
        {
            _stream.Flags |= ResponseFlags.LocalReset;
        }

        if (_responseStarted)
        {
            _factory.Stats.DownstreamRqTxReset.Increment();
            _closeAfterResponse = true;
            _downstream.Abort("http connection manager: stream reset after the response started");
            return;
        }

        var headers = _localHeaders;
        headers.Clear();
        if (location)
        {
            headers.Add("location"u8, _scratch.WrittenSpan);
        }

        if (!body.IsEmpty)
        {
            headers.Add(Http1KnownHeader.ContentType, "text/plain"u8);
        }

        if (overloaded)
        {
            headers.Add("x-envoy-overloaded"u8, "true"u8);
        }

        if (decision.Route is not null)
        {
            _responseMutator.Headers = headers;
            decision.ApplyResponseHeaders(_view, _responseMutator, new HeaderFormatContext(DateTime.UtcNow));
        }

        headers.Set(Http1KnownHeader.Server, _factory.ServerName);
        var close = _closeAfterResponse || _draining || !_requestBodyDone;
        _closeAfterResponse = close;
        var output = _downstream.Output;
        Http1HeadWriter.WriteResponseHead(output, status, default, headers, Http1BodyFraming.OfLength(body.Length), ConnectionHeader(close));
        if (_head.Method != Http1Method.Head && !body.IsEmpty)
        {
            output.Write(body.Span);
        }

        _responseStarted = true;
        _stream.ResponseCode = status;
        _factory.Stats.CountStatus(status); // as Envoy: charged when the head is encoded, before the client can see it
        await output.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>The Connection field of a response: close, keep-alive for an HTTP/1.0 client that asked, else none.</summary>
    private Http1ConnectionHeader ConnectionHeader(bool close) =>
        close ? Http1ConnectionHeader.Close
        : _head.Version == Http1Version.Http10 ? Http1ConnectionHeader.KeepAlive
        : Http1ConnectionHeader.None;
}
