using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Google.Protobuf;
using MeshProxy.Xds.Schema;
using BootstrapProto = Envoy.Config.Bootstrap.V3.Bootstrap;

namespace MeshProxy.Xds.Bootstrap;

/// <summary>
/// Renders Envoy's <c>/config_dump</c> shape: a BootstrapConfigDump; a ClustersConfigDump with the static clusters and
/// the dynamic ones (active and warming); a ListenersConfigDump with static and dynamic listeners (each dynamic one in
/// <c>active_state</c> or <c>warming_state</c>); RoutesConfigDump and EndpointsConfigDump for RDS and EDS. Each
/// dynamic resource carries its version and last update time. The last rejected update of a type is shown as
/// <c>last_update_rejected</c> (version, time, the NACK's details) on that type's dump: Envoy keeps this per resource
/// as <c>error_state</c>, we keep it per update because one NACK can name several resources.
/// Proto field names; <c>Any</c> rendered by <c>@type</c>. Messages are written by <see cref="ProtoJsonWriter"/> from
/// their bytes: Google.Protobuf's <c>JsonFormatter</c> would build the descriptors of every Envoy type on the first dump
/// and keep them for the life of the process.
/// </summary>
public static class ConfigDumpRenderer
{
    private const string TypePrefix = "type.googleapis.com/envoy.admin.v3.";

    // Served as application/json to operators, never inside HTML: non-ASCII text (a header value, a route name) stays
    // readable, as in Envoy's own dump, instead of becoming \u escapes.
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Render(BootstrapProto bootstrap, DateTimeOffset lastUpdated) => Render(bootstrap, lastUpdated, null);

    public static string Render(BootstrapProto bootstrap, DateTimeOffset lastUpdated, State.XdsConfigDump? dynamic)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        var timestamp = lastUpdated.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("configs");

            writer.WriteStartObject();
            writer.WriteString("@type", TypePrefix + "BootstrapConfigDump");
            writer.WritePropertyName("bootstrap");
            ProtoJsonWriter.Write(writer, bootstrap);
            writer.WriteString("last_updated", timestamp);
            writer.WriteEndObject();

            var resources = bootstrap.StaticResources;
            writer.WriteStartObject();
            writer.WriteString("@type", TypePrefix + "ClustersConfigDump");
            var clusters = Find(dynamic, Client.XdsTypeUrls.Cluster);
            WriteVersion(writer, clusters);
            writer.WriteStartArray("static_clusters");
            var controlPlane = DynamicResourcesConverter.ControlPlaneClusterNames(bootstrap);
            foreach (var cluster in resources?.Clusters ?? [])
            {
                if (!controlPlane.Contains(cluster.Name))
                {
                    WriteResource(writer, "cluster", cluster, timestamp);
                }
            }

            writer.WriteEndArray();
            if (clusters is not null)
            {
                WriteDynamic(writer, "dynamic_active_clusters", "cluster", clusters, State.XdsResourceStatus.Active);
                WriteDynamic(writer, "dynamic_warming_clusters", "cluster", clusters, State.XdsResourceStatus.Warming);
                WriteRejection(writer, clusters);
            }

            writer.WriteEndObject();

            writer.WriteStartObject();
            writer.WriteString("@type", TypePrefix + "ListenersConfigDump");
            var listeners = Find(dynamic, Client.XdsTypeUrls.Listener);
            WriteVersion(writer, listeners);
            writer.WriteStartArray("static_listeners");
            foreach (var listener in resources?.Listeners ?? [])
            {
                WriteResource(writer, "listener", listener, timestamp);
            }

            writer.WriteEndArray();
            if (listeners is not null)
            {
                writer.WriteStartArray("dynamic_listeners");
                foreach (var entry in listeners.Resources)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", entry.Name);
                    writer.WritePropertyName(entry.Status == State.XdsResourceStatus.Active ? "active_state" : "warming_state");
                    writer.WriteStartObject();
                    writer.WriteString("version_info", entry.Version);
                    writer.WritePropertyName("listener");
                    ProtoJsonWriter.WriteAsAny(writer, entry.Proto);
                    writer.WriteString("last_updated", Timestamp(entry.LastUpdated));
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                WriteRejection(writer, listeners);
            }

            writer.WriteEndObject();

            if (Find(dynamic, Client.XdsTypeUrls.RouteConfiguration) is { } routes)
            {
                writer.WriteStartObject();
                writer.WriteString("@type", TypePrefix + "RoutesConfigDump");
                writer.WriteStartArray("static_route_configs");
                writer.WriteEndArray();
                WriteDynamic(writer, "dynamic_route_configs", "route_config", routes, State.XdsResourceStatus.Active);
                WriteRejection(writer, routes);
                writer.WriteEndObject();
            }

            if (Find(dynamic, Client.XdsTypeUrls.ClusterLoadAssignment) is { } endpoints)
            {
                writer.WriteStartObject();
                writer.WriteString("@type", TypePrefix + "EndpointsConfigDump");
                WriteDynamic(writer, "dynamic_endpoint_configs", "endpoint_config", endpoints, State.XdsResourceStatus.Active);
                WriteRejection(writer, endpoints);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static State.XdsTypeDump? Find(State.XdsConfigDump? dump, string typeUrl) =>
        dump?.Types.FirstOrDefault(t => t.TypeUrl == typeUrl);

    private static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void WriteVersion(Utf8JsonWriter writer, State.XdsTypeDump? type)
    {
        if (type is not null && type.VersionInfo.Length > 0)
        {
            writer.WriteString("version_info", type.VersionInfo);
        }
    }

    private static void WriteDynamic(Utf8JsonWriter writer, string arrayName, string field, State.XdsTypeDump type, State.XdsResourceStatus status)
    {
        writer.WriteStartArray(arrayName);
        foreach (var entry in type.Resources.Where(r => r.Status == status))
        {
            writer.WriteStartObject();
            writer.WriteString("version_info", entry.Version);
            writer.WritePropertyName(field);
            ProtoJsonWriter.WriteAsAny(writer, entry.Proto);
            writer.WriteString("last_updated", Timestamp(entry.LastUpdated));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteRejection(Utf8JsonWriter writer, State.XdsTypeDump type)
    {
        if (type.LastRejection is not { } rejection)
        {
            return;
        }

        writer.WriteStartObject("last_update_rejected");
        writer.WriteString("version_info", rejection.Version);
        writer.WriteString("last_update_attempt", Timestamp(rejection.Time));
        writer.WriteString("details", rejection.Details);
        writer.WriteEndObject();
    }

    private static void WriteResource(Utf8JsonWriter writer, string name, IMessage resource, string timestamp)
    {
        writer.WriteStartObject();
        writer.WritePropertyName(name);
        ProtoJsonWriter.WriteAsAny(writer, resource);
        writer.WriteString("last_updated", timestamp);
        writer.WriteEndObject();
    }
}
