using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MeshProxy.Core;
using MeshProxy.Logging;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace MeshProxy.Admin;

/// <summary>Maps admin requests to replies; no sockets here, so every path is testable directly.</summary>
internal sealed class AdminHandler
{
    private static readonly string[] Paths =
    [
        "/ready: ready state (LIVE once the configuration is applied)",
        "/stats: counters and gauges (?filter=REGEX, ?format=json)",
        "/config_dump: the current configuration as JSON",
        "/listeners: listeners and their bound addresses",
        "/memory: managed heap and process memory (JSON)",
        "/logging: POST ?level=trace|debug|info|warning|error|critical|off",
    ];

    private readonly ProxyRuntime _runtime;
    private readonly LoggingLevelSwitch _levelSwitch;
    private readonly Func<string> _configDump;
    private readonly ILogger _logger;

    public AdminHandler(ProxyRuntime runtime, LoggingLevelSwitch levelSwitch, Func<string> configDump, ILogger logger)
    {
        _runtime = runtime;
        _levelSwitch = levelSwitch;
        _configDump = configDump;
        _logger = logger;
    }

    private bool _ready = true;

    /// <summary>Set once the first configuration is applied; <c>/ready</c> answers 503 before.</summary>
    public bool Ready
    {
        get => Volatile.Read(ref _ready);
        set => Volatile.Write(ref _ready, value);
    }

    public AdminResponse Handle(string method, string target)
    {
        var queryStart = target.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? target : target[..queryStart];
        var query = ParseQuery(queryStart < 0 ? string.Empty : target[(queryStart + 1)..]);
        var isGet = method is "GET" or "HEAD";

        return path switch
        {
            "/ready" when isGet => Ready ? AdminResponse.Text(200, "LIVE\n") : AdminResponse.Text(503, "PRE_INITIALIZING\n"),
            "/stats" when isGet => Stats(query),
            "/config_dump" when isGet => AdminResponse.Json(_configDump()),
            "/listeners" when isGet => Listeners(),
            "/memory" when isGet => Memory(),
            "/logging" when method == "POST" => Logging(query),
            "/logging" => AdminResponse.Text(405, "This admin endpoint requires POST\n"),
            "/" or "/help" when isGet => AdminResponse.Text(200, "admin commands are:\n  " + string.Join("\n  ", Paths) + "\n"),
            "/ready" or "/stats" or "/config_dump" or "/listeners" or "/memory" => AdminResponse.Text(405, "method not allowed\n"),
            _ => AdminResponse.Text(404, "invalid path. admin commands are:\n  " + string.Join("\n  ", Paths) + "\n"),
        };
    }

    private AdminResponse Stats(Dictionary<string, string> query)
    {
        Regex? filter = null;
        if (query.TryGetValue("filter", out var pattern) && pattern.Length > 0)
        {
            try
            {
                filter = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException ex)
            {
                return AdminResponse.Text(400, $"Invalid regex: {ex.Message}\n");
            }
        }

        var stats = _runtime.Stats.Snapshot().Where(s => filter is null || filter.IsMatch(s.Name));
        if (query.TryGetValue("format", out var format) && format == "json")
        {
            using var stream = new MemoryStream();
            using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                json.WriteStartObject();
                json.WriteStartArray("stats");
                foreach (var (name, value) in stats)
                {
                    json.WriteStartObject();
                    json.WriteString("name", name);
                    json.WriteNumber("value", value);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            return AdminResponse.Json(Encoding.UTF8.GetString(stream.ToArray()));
        }

        var text = new StringBuilder();
        foreach (var (name, value) in stats)
        {
            text.Append(name).Append(": ").Append(value).Append('\n');
        }

        return AdminResponse.Text(200, text.ToString());
    }

    /// <summary>
    /// Envoy's <c>/memory</c> keys where they have a .NET meaning (<c>allocated</c>: live managed bytes as of the last
    /// GC plus allocations since, <c>heap_size</c>: the managed heap, <c>total_physical_bytes</c>: the process RSS),
    /// plus the GC's own figures (committed, fragmented, pinned, collections per generation) and, as <c>gc_config</c>,
    /// the settings the GC resolved (<see cref="GC.GetConfigurationVariables"/>): what the binary baked in or the
    /// environment overrode, e.g. <c>GCGen0MaxBudget</c>.
    /// </summary>
    private static AdminResponse Memory()
    {
        var info = GC.GetGCMemoryInfo();
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("allocated", GC.GetTotalMemory(forceFullCollection: false).ToString(System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("heap_size", info.HeapSizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("total_physical_bytes", process.WorkingSet64.ToString(System.Globalization.CultureInfo.InvariantCulture));
            json.WriteNumber("gc_committed_bytes", info.TotalCommittedBytes);
            json.WriteNumber("gc_fragmented_bytes", info.FragmentedBytes);
            json.WriteNumber("gc_pinned_objects", info.PinnedObjectsCount);
            json.WriteNumber("gc_promoted_bytes", info.PromotedBytes);
            json.WriteNumber("gc_gen0_collections", GC.CollectionCount(0));
            json.WriteNumber("gc_gen1_collections", GC.CollectionCount(1));
            json.WriteNumber("gc_gen2_collections", GC.CollectionCount(2));
            json.WriteNumber("gc_pause_time_percentage", info.PauseTimePercentage);
            json.WriteNumber("gc_total_pause_ms", GC.GetTotalPauseDuration().TotalMilliseconds);
            json.WriteNumber("allocated_bytes_total", GC.GetTotalAllocatedBytes(precise: false));

            // Per generation after the last collection (gen0, gen1, gen2, large objects, pinned objects): which one
            // holds the heap, e.g. gen0 survivors piling up in gen1 between gen1 collections.
            json.WriteStartArray("gc_generations");
            var generations = info.GenerationInfo;
            for (var i = 0; i < generations.Length; i++)
            {
                json.WriteStartObject();
                json.WriteString("generation", i switch { 3 => "loh", 4 => "poh", _ => "gen" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                json.WriteNumber("size_after_bytes", generations[i].SizeAfterBytes);
                json.WriteNumber("fragmentation_after_bytes", generations[i].FragmentationAfterBytes);
                json.WriteEndObject();
            }

            json.WriteEndArray();

            json.WriteStartObject("gc_config");
            foreach (var (key, value) in GC.GetConfigurationVariables())
            {
                json.WriteString(key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return AdminResponse.Json(Encoding.UTF8.GetString(stream.ToArray()));
    }

    private AdminResponse Listeners()
    {
        var text = new StringBuilder();
        foreach (var listener in _runtime.Listeners)
        {
            text.Append(listener.Name).Append("::").Append(listener.EndPoint).Append('\n');
        }

        return AdminResponse.Text(200, text.ToString());
    }

    private AdminResponse Logging(Dictionary<string, string> query)
    {
        if (query.TryGetValue("level", out var levelName))
        {
            if (!LogLevels.TryParse(levelName, out var level))
            {
                return AdminResponse.Text(400, $"unknown level '{levelName}'; use trace, debug, info, warning, error, critical or off\n");
            }

            _levelSwitch.MinimumLevel = level;
            _logger.Information("Log level set to {Level} through the admin endpoint", levelName);
        }

        return AdminResponse.Text(200, $"active loggers:\n  meshproxy: {LogLevels.Name(_levelSwitch.MinimumLevel)}\n");
    }

    private static Dictionary<string, string> ParseQuery(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            result[key] = value;
        }

        return result;
    }
}
