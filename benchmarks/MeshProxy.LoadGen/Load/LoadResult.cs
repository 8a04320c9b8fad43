using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MeshProxy.LoadGen.Load;

/// <summary>The figures of one run and their renderings: text for people, one <c>RESULT key=value</c> line and a
/// markdown row for scripts, and a JSON document with windows and the per-second timeline.</summary>
public sealed record LoadResult(
    string Protocol,
    LoadOptions Options,
    Recorder Recorder,
    long Connects,
    bool Drained,
    ProcessSample? Proxy,
    ProcessSample Self,
    double SampledSeconds,
    long Scheduled,
    long ClientAllocatedBytes,
    int ClientCollections)
{
    private static readonly (string Key, double Percentile)[] Percentiles =
        [("p50", 50), ("p90", 90), ("p99", 99), ("p999", 99.9)];

    public double Seconds => Options.Duration.TotalSeconds;

    public double RequestsPerSecond => Recorder.Completed / Seconds;

    /// <summary>Ordered key/value figures; the one source for every rendering.</summary>
    public IReadOnlyList<(string Key, string Value)> Figures(string label)
    {
        var f = new List<(string, string)>
        {
            ("label", label),
            ("protocol", Protocol),
            ("mode", Options.Rate > 0 ? "open" : "closed"),
            ("rate", F(Options.Rate, 0)),
            ("connections", I(Options.Connections)),
            ("seconds", F(Seconds, 1)),
            ("requests", I(Recorder.Completed)),
            ("rps", F(RequestsPerSecond, 1)),
            ("errors", I(Recorder.Errors)),
            ("non2xx", I(Recorder.Non2xx)),
            ("connects", I(Connects)),
            ("body_mib_per_s", F(Recorder.BodyBytes / Seconds / 1048576.0, 1)),
        };
        AddLatency(f, "", Recorder.Latency);
        f.Add(("max_ms", Ms(Recorder.Latency.Max)));
        f.Add(("service_p99_ms", Ms(Recorder.Service.ValueAtPercentile(99))));
        f.Add(("max_start_lag_ms", Ms(Recorder.MaxStartLag)));
        f.Add(("drained", Drained ? "yes" : "no"));
        f.Add(("client_vcpu", F(Self.CpuSeconds / SampledSeconds, 2)));
        f.Add(("client_alloc_bytes_per_req", F(Recorder.Completed == 0 ? 0 : (double)ClientAllocatedBytes / Recorder.Completed, 1)));
        f.Add(("client_gc0", I(ClientCollections)));
        if (Proxy is { } p && Recorder.Completed > 0)
        {
            f.Add(("cpu_us_per_req", F(p.CpuSeconds * 1e6 / Recorder.Completed, 1)));
            f.Add(("cpu_ns_us_per_req", F(p.CpuNanoseconds / 1e3 / Recorder.Completed, 1)));
            f.Add(("proxy_vcpu", F(p.CpuSeconds / SampledSeconds, 3)));
            f.Add(("ctx_per_req", F((double)p.ContextSwitches / Recorder.Completed, 3)));
            f.Add(("rss_mb", F(p.RssKiB / 1024.0, 1)));
            f.Add(("peak_rss_mb", F(p.PeakRssKiB / 1024.0, 1)));
        }

        foreach ((string name, LogLinearHistogram histogram) in Recorder.Windows.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            f.Add(($"win_{name}_count", I(histogram.TotalCount)));
            AddLatency(f, $"win_{name}_", histogram);
            f.Add(($"win_{name}_max_ms", Ms(histogram.Max)));
        }

        return f;
    }

    public string ResultLine(string label) =>
        "RESULT " + string.Join(' ', Figures(label).Select(kv => $"{kv.Key}={kv.Value.Replace(' ', '_')}"));

    public static string MarkdownHeader =>
        "| label | protocol | mode | conns | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | MiB/s | proxy CPU µs/req | ctx/req | peak RSS MB |\n" +
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

    public string MarkdownRow(string label)
    {
        var f = Figures(label).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        string G(string key) => f.TryGetValue(key, out string? v) ? v : "-";
        return $"| {label} | {Protocol} | {G("mode")}{(Options.Rate > 0 ? " " + G("rate") + "/s" : "")} | {Options.Connections} | {G("rps")} | " +
               $"{G("p50_ms")} | {G("p90_ms")} | {G("p99_ms")} | {G("p999_ms")} | {G("max_ms")} | {G("errors")} | {G("body_mib_per_s")} | " +
               $"{G("cpu_us_per_req")} | {G("ctx_per_req")} | {G("peak_rss_mb")} |";
    }

    public string Text(string target)
    {
        var s = new StringBuilder();
        var r = Recorder;
        s.AppendLine(CultureInfo.InvariantCulture,
            $"{Protocol} -> {target}: {(Options.Rate > 0 ? $"open loop at {Options.Rate:F0} req/s" : "closed loop")}, " +
            $"{Options.Connections} connections, {Seconds:F1} s measured after {Options.Warmup.TotalSeconds:F1} s warm-up");
        s.AppendLine(CultureInfo.InvariantCulture,
            $"  requests {r.Completed} ({RequestsPerSecond:F1}/s), errors {r.Errors}, non-2xx {r.Non2xx}, connects {Connects}, " +
            $"body {r.BodyBytes / 1048576.0:F1} MiB ({r.BodyBytes / Seconds / 1048576.0:F1} MiB/s){(Drained ? "" : ", NOT DRAINED")}");
        s.AppendLine("  latency ms " + (Options.Rate > 0 ? "(from intended send time): " : ": ") + Summary(r.Latency));
        if (Options.Rate > 0)
        {
            s.AppendLine("  service ms (from actual send):        " + Summary(r.Service) +
                         string.Create(CultureInfo.InvariantCulture, $"; scheduled {Scheduled}, max start lag {Ms(r.MaxStartLag)} ms"));
        }

        foreach ((string name, LogLinearHistogram histogram) in r.Windows.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"  window {name}: n {histogram.TotalCount}, {Summary(histogram)}");
        }

        if (Proxy is { } p && r.Completed > 0)
        {
            s.AppendLine(CultureInfo.InvariantCulture,
                $"  pid {Options.Pid}: CPU {p.CpuSeconds * 1e6 / r.Completed:F1} µs/req (schedstat {p.CpuNanoseconds / 1e3 / r.Completed:F1}), " +
                $"{p.CpuSeconds / SampledSeconds:F3} vCPU, ctx switches {(double)p.ContextSwitches / r.Completed:F3}/req, " +
                $"RSS {p.RssKiB / 1024.0:F1} MB, peak {p.PeakRssKiB / 1024.0:F1} MB");
        }

        s.Append(CultureInfo.InvariantCulture,
            $"  load generator: {Self.CpuSeconds / SampledSeconds:F2} vCPU, allocated {(r.Completed == 0 ? 0 : (double)ClientAllocatedBytes / r.Completed):F1} B/req, gen0 GCs {ClientCollections}");
        return s.ToString();
    }

    public void WriteJson(Stream stream, string label)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        foreach ((string key, string value) in Figures(label))
        {
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
            {
                json.WriteNumber(key, number);
            }
            else
            {
                json.WriteString(key, value);
            }
        }

        json.WriteStartArray("timeline");
        for (int i = 0; i < Recorder.Seconds.Length; i++)
        {
            LogLinearHistogram h = Recorder.Seconds[i];
            json.WriteStartObject();
            json.WriteNumber("second", i);
            json.WriteNumber("requests", h.TotalCount);
            json.WriteNumber("errors", Recorder.SecondErrors[i]);
            json.WriteNumber("p50_ms", h.ValueAtPercentile(50) / 1e6);
            json.WriteNumber("p99_ms", h.ValueAtPercentile(99) / 1e6);
            json.WriteNumber("max_ms", h.Max / 1e6);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    public string TimelineText()
    {
        var s = new StringBuilder("  second  requests  errors  p50 ms  p99 ms  max ms\n");
        for (int i = 0; i < Recorder.Seconds.Length; i++)
        {
            LogLinearHistogram h = Recorder.Seconds[i];
            s.AppendLine(CultureInfo.InvariantCulture,
                $"  {i,6}  {h.TotalCount,8}  {Recorder.SecondErrors[i],6}  {Ms(h.ValueAtPercentile(50)),6}  {Ms(h.ValueAtPercentile(99)),6}  {Ms(h.Max),6}");
        }

        return s.ToString();
    }

    private static void AddLatency(List<(string, string)> f, string prefix, LogLinearHistogram h)
    {
        foreach ((string key, double percentile) in Percentiles)
        {
            f.Add(($"{prefix}{key}_ms", Ms(h.ValueAtPercentile(percentile))));
        }
    }

    private static string Summary(LogLinearHistogram h) =>
        string.Join(", ", Percentiles.Select(p => $"{p.Key} {Ms(h.ValueAtPercentile(p.Percentile))}")) + $", max {Ms(h.Max)}";

    private static string Ms(long ns) => (ns / 1e6).ToString("F3", CultureInfo.InvariantCulture);

    private static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string I(long value) => value.ToString(CultureInfo.InvariantCulture);
}
