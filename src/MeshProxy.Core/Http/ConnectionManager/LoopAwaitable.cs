using System.Runtime.CompilerServices;
using MeshProxy.Core.Transport;

namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary><c>await new LoopAwaitable(loop)</c> continues on <paramref name="loop"/> (after a timer fired elsewhere).</summary>
internal readonly struct LoopAwaitable(IEventLoop loop) : ICriticalNotifyCompletion
{
    public bool IsCompleted => false;

    public LoopAwaitable GetAwaiter() => this;

    public void GetResult()
    {
    }

    public void OnCompleted(Action continuation) => loop.Schedule(static s => ((Action)s!)(), continuation);

    public void UnsafeOnCompleted(Action continuation) => OnCompleted(continuation);
}
