using MeshProxy.Logging;
using Serilog.Events;

namespace MeshProxy.Tests.Cli;

public sealed class EnvoyLogLevelsTests
{
    [Theory]
    [InlineData("trace", LogEventLevel.Verbose)]
    [InlineData("debug", LogEventLevel.Debug)]
    [InlineData("info", LogEventLevel.Information)]
    [InlineData("warning", LogEventLevel.Warning)]
    [InlineData("warn", LogEventLevel.Warning)]
    [InlineData("error", LogEventLevel.Error)]
    [InlineData("critical", LogEventLevel.Fatal)]
    [InlineData("off", EnvoyLogLevels.Off)]
    [InlineData("INFO", LogEventLevel.Information)]
    public void TryParse_EnvoyName_MapsToSerilogLevel(string name, LogEventLevel expected)
    {
        Assert.True(EnvoyLogLevels.TryParse(name, out var level));

        Assert.Equal(expected, level);
    }

    [Theory]
    [InlineData("verbose")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_UnknownName_Fails(string? name) => Assert.False(EnvoyLogLevels.TryParse(name, out _));

    [Theory]
    [InlineData(LogEventLevel.Verbose, "trace")]
    [InlineData(LogEventLevel.Warning, "warning")]
    [InlineData(LogEventLevel.Fatal, "critical")]
    [InlineData(EnvoyLogLevels.Off, "off")]
    public void ToName_Level_UsesEnvoySpelling(LogEventLevel level, string expected) =>
        Assert.Equal(expected, EnvoyLogLevels.ToName(level));
}
