using System.Diagnostics;

namespace MeshProxy.Tests.Http.Conformance;

/// <summary>/usr/bin/curl (or curl on PATH) as a child process.</summary>
internal static class Curl
{
    /// <summary>Runs curl with a bounded wait and no proxy; returns its exit code and stdout followed by stderr.</summary>
    public static async Task<(int Exit, string Output)> RunAsync(string[] args, string? stdin = null)
    {
        var start = new ProcessStartInfo(File.Exists("/usr/bin/curl") ? "/usr/bin/curl" : "curl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--max-time");
        start.ArgumentList.Add("10");
        start.ArgumentList.Add("--noproxy");
        start.ArgumentList.Add("*");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
