using System.Runtime.CompilerServices;

namespace MeshProxy.Core.Threading;

/// <summary>
/// The return type of a fire-and-forget async method: <c>async void</c> semantics (nobody awaits it; an exception
/// that escapes the method is rethrown on the thread pool, see <see cref="DetachedTaskMethodBuilder"/>), but the box
/// a suspended call lives in goes back to a per-thread free list when the call finishes. Per-connection loops (an
/// epoll connection's receive and send loops, a downstream connection's run) otherwise allocate a fresh box each.
/// Deliberately not awaitable: a caller that needs the outcome wants <see cref="PooledValueTaskMethodBuilder"/>.
/// </summary>
[AsyncMethodBuilder(typeof(DetachedTaskMethodBuilder))]
internal readonly struct DetachedTask
{
}
