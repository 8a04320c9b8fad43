using System.Runtime.CompilerServices;

namespace MeshProxy.Core.Transport.Epoll;

/// <summary>
/// "The fd became readable/writable (an edge arrived) since the last <see cref="Reset"/>", awaitable by one waiter.
/// Loop thread only: signalled from epoll dispatch, awaited by the connection's receive or send loop, so the
/// continuation runs inline with no allocation and no lock.
/// </summary>
internal sealed class EpollAwaitable : ICriticalNotifyCompletion
{
    private Action? _continuation;
    private bool _signaled;

    public bool IsCompleted => _signaled;

    public EpollAwaitable GetAwaiter() => this;

    public void GetResult() => _signaled = false;

    /// <summary>Forget earlier edges; called just before the syscall that will find out the real state.</summary>
    public void Reset() => _signaled = false;

    public void Signal()
    {
        Action? continuation = _continuation;
        if (continuation is null)
        {
            _signaled = true;
            return;
        }

        _continuation = null;
        continuation();
    }

    public void OnCompleted(Action continuation) => _continuation = continuation;

    public void UnsafeOnCompleted(Action continuation) => _continuation = continuation;
}
