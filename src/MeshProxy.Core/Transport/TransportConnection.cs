using System.IO.Pipelines;
using System.Net;

namespace MeshProxy.Core.Transport;

/// <summary>
/// One TCP connection seen as a duplex pipe. Reading <see cref="IDuplexPipe.Input"/> ends (IsCompleted) when the
/// peer half-closes (FIN); completing <see cref="IDuplexPipe.Output"/> flushes what is buffered and then half-closes our
/// side (shutdown(SHUT_WR)). The socket is closed once both directions are done, or at once by <see cref="Abort"/>.
/// A reset (the peer's RST, or <see cref="Abort"/>) ends pending and later reads with <see cref="ConnectionResetException"/>
/// and makes flushes on <see cref="IDuplexPipe.Output"/> return IsCompleted. Both pipes pause their writer at
/// <see cref="ConnectionOptions.BufferLimitBytes"/>: a consumer that stops reading stops the socket reads.
/// </summary>
public abstract class TransportConnection : IDuplexPipe, IAsyncDisposable
{
    public abstract PipeReader Input { get; }

    public abstract PipeWriter Output { get; }

    public abstract EndPoint LocalEndPoint { get; }

    public abstract EndPoint RemoteEndPoint { get; }

    /// <summary>The event loop that runs this connection's I/O and pipe continuations.</summary>
    public abstract IEventLoop Loop { get; }

    /// <summary>Completes when the socket is closed (both directions done, aborted, or reset by the peer).</summary>
    public abstract Task Closed { get; }

    /// <summary>True when the connection ended by a reset (ours or the peer's) rather than by two clean FINs.</summary>
    public abstract bool WasReset { get; }

    /// <summary>Bytes read from the socket so far (into <see cref="Input"/>).</summary>
    public abstract long BytesReceived { get; }

    /// <summary>Bytes written to the socket so far (taken from <see cref="Output"/>). With <see cref="BytesReceived"/>
    /// of the other side of a proxied connection this measures exactly what the proxy holds in between.</summary>
    public abstract long BytesSent { get; }

    /// <summary>
    /// The destination before iptables REDIRECT (SO_ORIGINAL_DST), null when the kernel has none or the transport
    /// cannot ask. Only <see cref="KernelOriginalDestinationSource"/> calls this; everything else goes through
    /// <see cref="IOriginalDestinationSource"/> so tests can replace it.
    /// </summary>
    internal virtual IPEndPoint? QueryOriginalDestination() => null;

    /// <summary>Closes the socket at once with a reset (SO_LINGER 0); pending reads and writes end with an error.</summary>
    public abstract void Abort(string reason);

    /// <summary>
    /// Ends the connection gracefully from our side: completes both pipes, sends what Output holds and a FIN, then
    /// closes without waiting for the peer's FIN. Waits for the peer to take the buffered bytes (abort first when it
    /// must not wait). Safe after <see cref="Abort"/> and when called twice.
    /// </summary>
    public abstract ValueTask DisposeAsync();
}
