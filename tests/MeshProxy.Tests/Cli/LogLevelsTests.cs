using MeshProxy.Logging;
using Serilog.Events;

namespace MeshProxy.Tests.Cli;

public sealed class LogLevelsTests
{
    [Theory]
    [InlineData("trace", LogEventLevel.Verbose)]
    [InlineData("debug", LogEventLevel.Debug)]
    [InlineData("info", LogEventLevel.Information)]
    [InlineData("warning", LogEventLevel.Warning)]
    [InlineData("warn", LogEventLevel.Warning)]
    [InlineData("error", LogEventLevel.Error)]
    [InlineData("critical", LogEventLevel.Fatal)]
    [InlineData("off", LogLevels.Off)]
    [InlineData("INFO", LogEventLevel.Information)]
    public void TryParse_EnvoyName_MapsToSerilogLevel(string name, LogEventLevel expected)
    {
        Assert.True(LogLevels.TryParse(name, out var level));

        Assert.Equal(expected, level);
    }

    [Theory]
    [InlineData("verbose")]
    [InlineData("")]
    public void TryParse_UnknownName_Fails(string name) => Assert.False(LogLevels.TryParse(name, out _));

    [Theory]
    [InlineData(LogEventLevel.Verbose, "trace")]
    [InlineData(LogEventLevel.Warning, "warning")]
    [InlineData(LogEventLevel.Fatal, "critical")]
    [InlineData(LogLevels.Off, "off")]
    public void Name_Level_UsesEnvoySpelling(LogEventLevel level, string expected) =>
        Assert.Equal(expected, LogLevels.Name(level));
}
