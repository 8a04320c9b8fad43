using MeshProxy.Cli;
using MeshProxy.Core.Threading;
using MeshProxy.Logging;
using Serilog.Events;

namespace MeshProxy.Tests.Cli;

public sealed class CommandLineTests
{
    [Fact]
    public void TryParse_ConfigOnly_UsesDefaults()
    {
        Assert.True(CommandLine.TryParse(["-c", "b.yaml"], out var options, out _));

        Assert.Equal(new CommandLineOptions(CommandKind.Run, "b.yaml", LogEventLevel.Information, LogFormat.Compact, null, null, RunMode.Serve), options);
    }

    [Fact]
    public void TryParse_EveryOption_IsRead()
    {
        string[] args =
        [
            "--config-path", "b.json", "-l", "warn", "--log-format", "json", "--concurrency", "4", "--transport", "epoll", "--mode", "validate",
        ];

        Assert.True(CommandLine.TryParse(args, out var options, out _));

        Assert.Equal(new CommandLineOptions(CommandKind.Run, "b.json", LogEventLevel.Warning, LogFormat.Json, 4, "epoll", RunMode.Validate), options);
    }

    [Theory]
    [InlineData(new[] { "-c", "b.yaml" }, ControlPlanePriority.Idle)]
    [InlineData(new[] { "-c", "b.yaml", "--control-plane-priority", "normal" }, ControlPlanePriority.Normal)]
    [InlineData(new[] { "-c", "b.yaml", "--control-plane-priority=idle" }, ControlPlanePriority.Idle)]
    public void TryParse_ControlPlanePriority_DefaultsToIdle(string[] args, ControlPlanePriority expected)
    {
        Assert.True(CommandLine.TryParse(args, out var options, out var error), error);

        Assert.Equal(expected, options.ControlPlanePriority);
    }

    [Fact]
    public void TryParse_EqualsSyntax_IsRead()
    {
        Assert.True(CommandLine.TryParse(["--config-path=b.yaml", "--log-level=trace", "--concurrency=2"], out var options, out _));

        Assert.Equal("b.yaml", options.ConfigPath);
        Assert.Equal(LogEventLevel.Verbose, options.LogLevel);
        Assert.Equal(2, options.Concurrency);
    }

    [Fact]
    public void TryParse_Demo_NeedsNoConfig()
    {
        Assert.True(CommandLine.TryParse(["demo", "-l", "debug"], out var options, out _));

        Assert.Equal(CommandKind.Demo, options.Command);
        Assert.Equal(LogEventLevel.Debug, options.LogLevel);
    }

    [Theory]
    [InlineData("--version", "Version")]
    [InlineData("--help", "Help")]
    [InlineData("-h", "Help")]
    public void TryParse_InformationalFlag_NeedsNoConfig(string flag, string expected)
    {
        Assert.True(CommandLine.TryParse([flag], out var options, out _));

        Assert.Equal(expected, options.Command.ToString());
    }

    [Theory]
    [InlineData(new[] { "-c", "b.yaml", "--bogus" }, "unknown argument '--bogus'")]
    [InlineData(new[] { "-c" }, "-c needs a value")]
    [InlineData(new string[0], "a bootstrap is required")]
    [InlineData(new[] { "-c", "b.yaml", "-l", "loud" }, "invalid -l 'loud'")]
    [InlineData(new[] { "-c", "b.yaml", "--log-format", "xml" }, "invalid --log-format 'xml'")]
    [InlineData(new[] { "-c", "b.yaml", "--concurrency", "0" }, "invalid --concurrency '0'")]
    [InlineData(new[] { "-c", "b.yaml", "--transport", "io_uring" }, "invalid --transport 'io_uring'")]
    [InlineData(new[] { "-c", "b.yaml", "--mode", "init_only" }, "invalid --mode 'init_only'")]
    [InlineData(new[] { "-c", "b.yaml", "--control-plane-priority", "high" }, "invalid --control-plane-priority 'high'; expected idle or normal")]
    [InlineData(new[] { "-c", "b.yaml", "demo" }, "'demo' must come first")]
    [InlineData(new[] { "demo", "-c", "b.yaml" }, "-c does not apply")]
    public void TryParse_BadArguments_FailsWithReason(string[] args, string expected)
    {
        Assert.False(CommandLine.TryParse(args, out _, out var error));

        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "-c", "b.yaml", "--concurrency", "3" }, 3)]
    [InlineData(new[] { "--concurrency=5" }, 5)]
    [InlineData(new[] { "--concurrency", "x" }, null)]
    [InlineData(new[] { "-c", "b.yaml" }, null)]
    public void PeekConcurrency_Arguments_ReadsOnlyConcurrency(string[] args, int? expected) =>
        Assert.Equal(expected, CommandLine.PeekConcurrency(args));
}
