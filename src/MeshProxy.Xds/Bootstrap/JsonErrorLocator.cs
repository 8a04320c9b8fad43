using System.Buffers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Xds.Bootstrap;

/// <summary>
/// Google.Protobuf's <see cref="JsonParser"/> says what is wrong ("Unknown field: adress") but not where.
/// After a failed parse, this walks the same JSON alongside the message descriptors and re-parses each
/// leaf field on its own, to name the first bad field by its full path
/// (<c>static_resources.listeners[0].adress</c>). Only runs on the error path.
/// </summary>
internal static class JsonErrorLocator
{
    private const int MaxDepth = 100;

    /// <summary>Finds the first bad field; null when the problem cannot be pinned to one.</summary>
    public static ConfigDiagnostic? Locate(string json, MessageDescriptor root, JsonParser parser, TypeRegistry registry)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 });
        return LocateMessage(document.RootElement, root, string.Empty, parser, registry, 0);
    }

    private static ConfigDiagnostic? LocateMessage(
        JsonElement value, MessageDescriptor descriptor, string path, JsonParser parser, TypeRegistry registry, int depth)
    {
        if (depth > MaxDepth)
        {
            return null;
        }

        if (descriptor.FullName == "google.protobuf.Any" && value.ValueKind == JsonValueKind.Object)
        {
            return LocateAny(value, path, parser, registry, depth);
        }

        if (IsWellKnown(descriptor) || value.ValueKind != JsonValueKind.Object)
        {
            return TryParse(value.GetRawText(), descriptor, path, parser);
        }

        foreach (var property in value.EnumerateObject())
        {
            var field = descriptor.FindFieldByName(property.Name)
                ?? descriptor.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == property.Name);
            if (field is null)
            {
                return Error(FieldPath.Field(path, property.Name), $"unknown field '{property.Name}' in {descriptor.FullName}");
            }

            var found = LocateField(property, field, FieldPath.Field(path, field.Name), descriptor, parser, registry, depth);
            if (found is not null)
            {
                return found;
            }
        }

        return null;
    }

    private static ConfigDiagnostic? LocateField(
        JsonProperty property, FieldDescriptor field, string path, MessageDescriptor owner, JsonParser parser, TypeRegistry registry, int depth)
    {
        var value = property.Value;
        if (field.IsMap)
        {
            var valueField = field.MessageType.FindFieldByNumber(2);
            if (value.ValueKind == JsonValueKind.Object && valueField.FieldType == FieldType.Message)
            {
                foreach (var entry in value.EnumerateObject())
                {
                    var found = LocateMessage(entry.Value, valueField.MessageType, FieldPath.Key(path, entry.Name), parser, registry, depth + 1);
                    if (found is not null)
                    {
                        return found;
                    }
                }

                return null;
            }
        }
        else if (field.IsRepeated && field.FieldType == FieldType.Message && value.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                var found = LocateMessage(item, field.MessageType, FieldPath.Index(path, index++), parser, registry, depth + 1);
                if (found is not null)
                {
                    return found;
                }
            }

            return null;
        }
        else if (!field.IsRepeated && field.FieldType == FieldType.Message && value.ValueKind == JsonValueKind.Object)
        {
            return LocateMessage(value, field.MessageType, path, parser, registry, depth + 1);
        }

        // A leaf (scalar, enum, well-known type, or a value of the wrong JSON kind): parse it alone.
        return TryParse(Wrap(property), owner, path, parser);
    }

    private static ConfigDiagnostic? LocateAny(JsonElement value, string path, JsonParser parser, TypeRegistry registry, int depth)
    {
        if (!value.TryGetProperty("@type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
        {
            return Error(FieldPath.Field(path, "@type"), "an Any needs a \"@type\"");
        }

        var typeUrl = typeElement.GetString() ?? string.Empty;
        var slash = typeUrl.LastIndexOf('/');
        var descriptor = registry.Find(slash >= 0 ? typeUrl[(slash + 1)..] : typeUrl);
        if (descriptor is null)
        {
            return Error(FieldPath.Field(path, "@type"), $"type '{typeUrl}' is not known to MeshProxy");
        }

        if (IsWellKnown(descriptor))
        {
            return value.TryGetProperty("value", out var inner) ? TryParse(inner.GetRawText(), descriptor, path, parser) : null;
        }

        foreach (var property in value.EnumerateObject())
        {
            if (property.NameEquals("@type"))
            {
                continue;
            }

            var field = descriptor.FindFieldByName(property.Name)
                ?? descriptor.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == property.Name);
            if (field is null)
            {
                return Error(FieldPath.Field(path, property.Name), $"unknown field '{property.Name}' in {descriptor.FullName}");
            }

            var found = LocateField(property, field, FieldPath.Field(path, field.Name), descriptor, parser, registry, depth + 1);
            if (found is not null)
            {
                return found;
            }
        }

        return null;
    }

    private static ConfigDiagnostic? TryParse(string json, MessageDescriptor descriptor, string path, JsonParser parser)
    {
        try
        {
            parser.Parse(json, descriptor);
            return null;
        }
        catch (InvalidProtocolBufferException ex)
        {
            return Error(path, ex.Message);
        }
        catch (InvalidJsonException ex)
        {
            return Error(path, ex.Message);
        }
        catch (FormatException ex)
        {
            return Error(path, ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            // JsonParser's spelling of "Any with a type URL the registry does not know".
            return Error(path, ex.Message);
        }
    }

    private static string Wrap(JsonProperty property)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            property.WriteTo(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static bool IsWellKnown(MessageDescriptor descriptor) =>
        descriptor.File.Package == "google.protobuf";

    private static ConfigDiagnostic Error(string path, string message) => new(ConfigSeverity.Error, path, message);
}
