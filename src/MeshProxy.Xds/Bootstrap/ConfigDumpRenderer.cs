using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Xds.Conversion;
using BootstrapProto = Envoy.Config.Bootstrap.V3.Bootstrap;

namespace MeshProxy.Xds.Bootstrap;

/// <summary>
/// Renders Envoy's <c>/config_dump</c> shape for a bootstrap-only configuration: a BootstrapConfigDump,
/// a ClustersConfigDump with the static clusters and a ListenersConfigDump with the static listeners,
/// in proto field names with <c>Any</c> rendered by <c>@type</c>.
/// </summary>
public static class ConfigDumpRenderer
{
    private const string TypePrefix = "type.googleapis.com/envoy.admin.v3.";

    private static readonly JsonFormatter Formatter = new(
        JsonFormatter.Settings.Default.WithTypeRegistry(EnvoyTypes.Registry).WithPreserveProtoFieldNames(true));

    public static string Render(BootstrapProto bootstrap, DateTimeOffset lastUpdated)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        var timestamp = lastUpdated.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("configs");

            writer.WriteStartObject();
            writer.WriteString("@type", TypePrefix + "BootstrapConfigDump");
            writer.WritePropertyName("bootstrap");
            writer.WriteRawValue(Formatter.Format(bootstrap));
            writer.WriteString("last_updated", timestamp);
            writer.WriteEndObject();

            var resources = bootstrap.StaticResources;
            writer.WriteStartObject();
            writer.WriteString("@type", TypePrefix + "ClustersConfigDump");
            writer.WriteStartArray("static_clusters");
            foreach (var cluster in resources?.Clusters ?? [])
            {
                WriteResource(writer, "cluster", cluster, timestamp);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();

            writer.WriteStartObject();
            writer.WriteString("@type", TypePrefix + "ListenersConfigDump");
            writer.WriteStartArray("static_listeners");
            foreach (var listener in resources?.Listeners ?? [])
            {
                WriteResource(writer, "listener", listener, timestamp);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteResource(Utf8JsonWriter writer, string name, IMessage resource, string timestamp)
    {
        writer.WriteStartObject();
        writer.WritePropertyName(name);
        writer.WriteRawValue(Formatter.Format(Any.Pack(resource)));
        writer.WriteString("last_updated", timestamp);
        writer.WriteEndObject();
    }
}
