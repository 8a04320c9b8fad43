using Envoy.Service.Discovery.V3;
using MeshProxy.Core.Threading;
using MeshProxy.Xds.Bootstrap;
using MeshProxy.Xds.Client;
using MeshProxy.Xds.Conversion;
using MeshProxy.Xds.Schema;
using Serilog;

namespace MeshProxy.Xds.Sources;

/// <summary>
/// Envoy's <c>path_config_source</c>: a file holding a DiscoveryResponse (JSON or YAML, resources as <c>Any</c> with
/// <c>@type</c>) for one resource type, loaded at start and re-applied whenever it changes. Writers should replace
/// the file atomically (write elsewhere, then rename), as Envoy asks; a half-written file fails to parse and is
/// retried on the next change. A file that does not parse, or whose resources the store rejects, leaves the last
/// good config serving; the failure is logged with the field path.
/// </summary>
public sealed class PathConfigWatcher : IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(50);

    private readonly string _path;
    private readonly string _typeUrl;
    private readonly IXdsResourceHandler _handler;
    private readonly ILogger _logger;
    private readonly FileSystemWatcher _watcher;
    private readonly SemaphoreSlim _reloading = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ControlPlaneWorker? _worker;
    private string? _lastText;
    private int _pending;

    private PathConfigWatcher(string path, string? watchedDirectory, string typeUrl, IXdsResourceHandler handler, ILogger logger, ControlPlaneWorker? worker)
    {
        _worker = worker;
        _path = Path.GetFullPath(path);
        _typeUrl = typeUrl;
        _handler = handler;
        _logger = logger.ForContext<PathConfigWatcher>();
        var directory = watchedDirectory is null ? Path.GetDirectoryName(_path)! : Path.GetFullPath(watchedDirectory);
        _watcher = new FileSystemWatcher(directory)
        {
            // With a watched directory (Kubernetes ConfigMap symlink swaps) any change there may move the file.
            Filter = watchedDirectory is null ? Path.GetFileName(_path) : string.Empty,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.DirectoryName,
            IncludeSubdirectories = false,
        };
        _watcher.Changed += OnChanged;
        _watcher.Created += OnChanged;
        _watcher.Renamed += OnChanged;
    }

    /// <summary>Loads the file once (its errors are returned, not thrown) and starts watching it.</summary>
    /// <returns>The watcher, and null or the first load's error.</returns>
    public static async Task<(PathConfigWatcher Watcher, string? Error)> StartAsync(
        PathConfigSource source, string typeUrl, IXdsResourceHandler handler, ILogger logger, CancellationToken ct, ControlPlaneWorker? worker = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(logger);
        var watcher = new PathConfigWatcher(source.Path, source.WatchedDirectory, typeUrl, handler, logger, worker);
        var error = await watcher.ReloadAsync(ct).ConfigureAwait(false);
        watcher._watcher.EnableRaisingEvents = true;

        // A change between the first read and the watch starting would be missed; read once more to close the gap.
        var again = await watcher.ReloadAsync(ct).ConfigureAwait(false);
        return (watcher, again ?? error);
    }

    /// <summary>Reads the file and hands its resources to the store when its text changed. Returns an error or null.</summary>
    public async Task<string?> ReloadAsync(CancellationToken ct)
    {
        await _reloading.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            string text;
            try
            {
                text = await File.ReadAllTextAsync(_path, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return Fail($"cannot read: {ex.Message}");
            }

            if (text == _lastText)
            {
                return null;
            }

            if (_worker is not null)
            {
                // Parsing and applying a large file is the CPU a reload costs: off the event loops' priority.
                await _worker.SwitchTo();
            }

            DiscoveryResponse response;
            try
            {
                var format = BootstrapLoader.FormatFromPath(_path) == BootstrapFormat.Json || text.AsSpan().TrimStart().StartsWith("{")
                    ? BootstrapFormat.Json
                    : BootstrapFormat.Yaml;
                response = BootstrapLoader.ParseText(text, format, DiscoveryResponse.Parser);
            }
            catch (ConfigException ex)
            {
                return await RejectAsync(string.Empty, $"not a DiscoveryResponse: {ex.Message}", ct).ConfigureAwait(false);
            }

            if (response.TypeUrl.Length == 0)
            {
                response.TypeUrl = _typeUrl;
            }
            else if (response.TypeUrl != _typeUrl)
            {
                return await RejectAsync(response.VersionInfo, $"type_url: '{response.TypeUrl}' but this source provides {_typeUrl}", ct).ConfigureAwait(false);
            }

            if (!XdsResourceDecoder.TryDecodeStateOfTheWorld(response, out var resources, out var decodeError))
            {
                return await RejectAsync(response.VersionInfo, decodeError, ct).ConfigureAwait(false);
            }

            var version = response.VersionInfo.Length > 0 ? response.VersionInfo : "file";
            var nack = await _handler.OnStateOfTheWorldAsync(_typeUrl, version, resources, ct).ConfigureAwait(false);
            _lastText = text;
            if (nack is not null)
            {
                return Fail(nack);
            }

            _logger.Information("{Path}: {Count} {Type} resources applied (version {Version})", _path, resources.Count, XdsTypeUrls.ShortName(_typeUrl), version);
            return null;
        }
        finally
        {
            _reloading.Release();
        }
    }

    public void Dispose()
    {
        _watcher.Dispose();
        _stopping.Cancel();
        _stopping.Dispose();
    }

    // A file the store never sees still counts as a rejected update (update_rejected, config_dump), as in Envoy.
    private async Task<string> RejectAsync(string version, string message, CancellationToken ct)
    {
        await _handler.OnUpdateRejectedAsync(_typeUrl, version, $"{_path}: {message}", ct).ConfigureAwait(false);
        return Fail(message);
    }

    private string Fail(string message)
    {
        _logger.Error("{Path}: {Error}; the last good {Type} config keeps serving", _path, message, XdsTypeUrls.ShortName(_typeUrl));
        return $"{_path}: {message}";
    }

    // Editors and atomic renames raise several events; coalesce them into one reload.
    private void OnChanged(object sender, FileSystemEventArgs e)
    {
        if (Interlocked.Exchange(ref _pending, 1) != 0)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(Debounce, _stopping.Token).ConfigureAwait(false);
                Volatile.Write(ref _pending, 0);
                await ReloadAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Disposed while waiting.
            }
            catch (ObjectDisposedException)
            {
                // Disposed while waiting.
            }
        });
    }
}
