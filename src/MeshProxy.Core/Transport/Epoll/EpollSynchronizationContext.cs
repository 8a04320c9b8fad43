namespace MeshProxy.Core.Transport.Epoll;

/// <summary>
/// Installed on each loop thread so that an <c>await</c> in code running on the loop (a filter awaiting a task, say)
/// resumes on the same loop instead of the thread pool.
/// </summary>
internal sealed class EpollSynchronizationContext(EpollLoop loop) : SynchronizationContext
{
    public override void Post(SendOrPostCallback d, object? state) => loop.Enqueue(static s =>
    {
        var (callback, callbackState) = ((SendOrPostCallback, object?))s!;
        callback(callbackState);
    }, (d, state));

    public override void Send(SendOrPostCallback d, object? state)
    {
        if (loop.IsOnLoopThread)
        {
            d(state);
            return;
        }

        using var done = new ManualResetEventSlim();
        loop.Enqueue(_ =>
        {
            try
            {
                d(state);
            }
            finally
            {
                done.Set();
            }
        }, null);
        done.Wait();
    }

    public override SynchronizationContext CreateCopy() => this;
}
