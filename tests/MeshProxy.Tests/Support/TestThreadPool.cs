using System.Runtime.CompilerServices;

namespace MeshProxy.Tests.Support;

internal static class TestThreadPool
{
    /// <summary>
    /// The test host (vstest + xunit runner) keeps some thread-pool threads blocked in synchronous waits. With the
    /// pool's minimum of one thread per core (2 here), socket continuations then queued behind them until the pool
    /// injected a thread (~0.5-1 s): measured as rare 0.8 s stalls in the reset tests. Production does not run under
    /// the test host; give the tests enough threads that the host cannot starve them.
    /// </summary>
#pragma warning disable CA2255 // A module initializer is the one place that runs before any test touches the pool.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RaiseMinimumThreads()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), Math.Max(io, 16));
    }
}
