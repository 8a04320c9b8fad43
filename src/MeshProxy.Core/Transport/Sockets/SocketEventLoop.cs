using System.IO.Pipelines;

namespace MeshProxy.Core.Transport.Sockets;

/// <summary>
/// The socket transport's notion of a loop. Honest note: System.Net.Sockets owns its epoll threads and assigns each
/// socket to one of them itself (round-robin); we cannot pin a socket to a thread. So this object is a label for
/// spreading connections and a place to schedule work: with inline completions the pipes' continuations run on
/// whichever epoll thread completed the socket operation (<see cref="PipeScheduler.Inline"/>), and the two sockets
/// of one proxied connection may land on different epoll threads. The epoll transport provides real per-core loops.
/// </summary>
internal sealed class SocketEventLoop : IEventLoop
{

    public SocketEventLoop(int id) => Id = id;

    public int Id { get; }

    public PipeScheduler Scheduler => PipeScheduler.Inline;

    public void Schedule(Action<object?> action, object? state)
    {
        ArgumentNullException.ThrowIfNull(action);
        ThreadPool.UnsafeQueueUserWorkItem(action, state, preferLocal: false);
    }

    public override string ToString() => $"sockets-loop-{Id}";

}
