using System.Diagnostics;
using MeshProxy.Tests.Bootstrap;

namespace MeshProxy.Tests.Cli;

/// <summary>Runs the real built <c>meshproxy.dll</c> (copied next to the tests by the project reference).</summary>
public sealed class MeshProxyProcessTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("meshproxy-cli-").FullName;

    [Fact]
    public async Task Validate_GoodYaml_ExitsZero()
    {
        var path = Write("good.yaml", BootstrapSamples.Yaml);

        var result = await RunAsync("-c", path, "--mode", "validate");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"configuration '{path}' OK", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_GoodJson_ExitsZero()
    {
        var path = Write("good.json", BootstrapSamples.Json);

        var result = await RunAsync("--config-path", path, "--mode=validate");

        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task Validate_BadPort_ExitsOneNamingField()
    {
        var path = Write("bad.yaml", BootstrapSamples.Minimal.Replace("port_value: 10000", "port_value: 70000", StringComparison.Ordinal));

        var result = await RunAsync("-c", path, "--mode", "validate");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(
            "static_resources.listeners[0].address.socket_address.port_value: 70000 is not a valid port (0-65535)",
            result.StdErr,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_UnknownField_ExitsOneNamingField()
    {
        var path = Write("bad.yaml", BootstrapSamples.Minimal.Replace("  - name: l1\n", "  - name: l1\n    adress: {}\n", StringComparison.Ordinal));

        var result = await RunAsync("-c", path, "--mode", "validate");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("static_resources.listeners[0].adress", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_BadYaml_ExitsOneWithLine()
    {
        var path = Write("bad.yaml", "static_resources:\n  listeners:\n  - name: a\n   bad: indentation\n");

        var result = await RunAsync("-c", path, "--mode", "validate");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("invalid YAML at line 4", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_UnsupportedSection_LogsWarningAndExitsZero()
    {
        var path = Write("warn.yaml", BootstrapSamples.Minimal + "\nstats_sinks:\n- name: envoy.stat_sinks.statsd\n");

        var result = await RunAsync("-c", path, "--mode", "validate", "--log-format", "json");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("stats_sinks", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("\"@l\":\"Warning\"", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MissingFile_ExitsOne()
    {
        var result = await RunAsync("-c", Path.Combine(_directory, "missing.yaml"), "--mode", "validate");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("missing.yaml", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownArgument_ExitsTwoWithUsage()
    {
        var result = await RunAsync("--frobnicate");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown argument '--frobnicate'", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("Usage:", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Version_ExitsZero()
    {
        var result = await RunAsync("--version");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("meshproxy version: ", result.StdOut, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "meshproxy.dll");
        Assert.True(File.Exists(dll), $"meshproxy.dll not found next to the tests at {dll}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(Timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
