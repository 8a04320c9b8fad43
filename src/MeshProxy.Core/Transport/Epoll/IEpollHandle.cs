namespace MeshProxy.Core.Transport.Epoll;

/// <summary>Something registered on a loop's epoll set: a connection or a listening socket.</summary>
internal interface IEpollHandle
{
    /// <summary>The epoll user data: slot index in the low 32 bits, a generation in the high 32 bits, so an event
    /// that arrives in the same batch after its handle closed (and the slot was reused) is recognised as stale.</summary>
    ulong Token { get; set; }

    /// <summary>Called on the loop thread with the epoll event mask.</summary>
    void OnEvents(uint events);

    /// <summary>Called on the loop thread when the loop stops: release the fd and fail anything pending.</summary>
    void OnLoopStopped();
}
