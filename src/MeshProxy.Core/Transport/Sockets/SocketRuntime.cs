using System.Globalization;

namespace MeshProxy.Core.Transport.Sockets;

/// <summary>
/// Process-wide settings of the runtime's socket engine. The engine reads them from the environment once, when the
/// first socket operation starts it, so the executable calls <see cref="EnableInlineCompletions"/> first thing in Main.
/// </summary>
public static class SocketRuntime
{
    /// <summary>Environment variable that makes socket completions run on the engine's epoll threads.</summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Environment variable that sets how many epoll threads the engine runs.</summary>
    public const string ThreadCountVariable = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";

    /// <summary>
    /// Runs socket continuations inline on the engine's epoll threads instead of handing each one to the thread pool.
    /// Measured here: half the CPU per proxied request and ~0.02 instead of ~1.2 context switches per request. The
    /// price: code on the data path runs on an epoll thread and must never block.
    /// Has no effect once any socket has completed an asynchronous operation in this process.
    /// </summary>
    /// <param name="threadCount">Epoll threads to run; null keeps the runtime's choice (one per processor when inline).</param>
    public static void EnableInlineCompletions(int? threadCount)
    {
        if (threadCount is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(threadCount), threadCount, "must be positive");
        }

        Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        if (threadCount is { } count)
        {
            Environment.SetEnvironmentVariable(ThreadCountVariable, count.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>True when the environment asks for inline completions (what the engine will see if not yet started).</summary>
    public static bool InlineCompletionsRequested =>
        Environment.GetEnvironmentVariable(InlineCompletionsVariable) is "1" or "true" or "TRUE" or "True";
}
