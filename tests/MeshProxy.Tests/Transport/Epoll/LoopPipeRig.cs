using MeshProxy.Core.Transport.Epoll;

namespace MeshProxy.Tests.Transport.Epoll;

/// <summary>A running <see cref="EpollLoop"/> with one <see cref="LoopPipe"/> on it, blocks from a small counting pool.</summary>
internal sealed class LoopPipeRig : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public LoopPipeRig(int blockSize = 4096, long pause = 0, long resume = 0)
    {
        Pool = new PinnedBlockMemoryPool(blockSize);
        Loop = new EpollLoop(0, Pool);
        Loop.Start();
        Pipe = new LoopPipe(Loop, Pool, pause, resume);
    }

    public PinnedBlockMemoryPool Pool { get; }

    public EpollLoop Loop { get; }

    public LoopPipe Pipe { get; }

    /// <summary>Runs <paramref name="work"/> on the loop thread (its continuations stay there) and waits for it.</summary>
    public Task<T> OnLoop<T>(Func<LoopPipe, Task<T>> work) =>
        EpollTestHelpers.RunOnLoop(Loop, () => work(Pipe)).WaitAsync(Timeout);

    public Task OnLoop(Func<LoopPipe, Task> work) => EpollTestHelpers.RunOnLoop(Loop, () => work(Pipe)).WaitAsync(Timeout);

    public Task<T> OnLoop<T>(Func<LoopPipe, T> work) => OnLoop(p => Task.FromResult(work(p)));

    public Task OnLoop(Action<LoopPipe> work) => OnLoop(p =>
    {
        work(p);
        return Task.CompletedTask;
    });

    /// <summary>Blocks in use, read on the loop (where the pipe returns them).</summary>
    public Task<int> BlocksInUse() => OnLoop(_ => Pool.BlocksInUse);

    public void Dispose()
    {
        Loop.Stop();
        Pool.Dispose();
    }
}
