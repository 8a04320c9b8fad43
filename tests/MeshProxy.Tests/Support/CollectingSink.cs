using System.Collections.Concurrent;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace MeshProxy.Tests.Support;

/// <summary>Keeps rendered log events in memory so a test can assert on them (or print them when it fails).</summary>
internal sealed class CollectingSink : ILogEventSink
{
    public ConcurrentQueue<LogEvent> Events { get; } = new();

    public static (ILogger Logger, CollectingSink Sink) CreateLogger(LogEventLevel minimum = LogEventLevel.Debug)
    {
        var sink = new CollectingSink();
        var logger = new LoggerConfiguration().MinimumLevel.Is(minimum).WriteTo.Sink(sink).CreateLogger();
        return (logger, sink);
    }

    public void Emit(LogEvent logEvent) => Events.Enqueue(logEvent);

    public string Render() => string.Join(Environment.NewLine, Events.Select(e => $"{e.Timestamp:HH:mm:ss.fff} {e.Level} {e.RenderMessage()} {e.Exception?.Message}"));
}
