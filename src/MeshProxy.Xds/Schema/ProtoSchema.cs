using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace MeshProxy.Xds.Schema;

/// <summary>
/// Field names, numbers and types of the Envoy API, read from the descriptor set that protoc writes when
/// Envoy.Api.Protos is built (embedded there as <c>envoy-protos.pb</c>): what config parsing, unsupported-field checks and
/// error messages need to know about a message, without Google.Protobuf's reflection.
/// </summary>
/// <remarks>
/// Google.Protobuf builds the descriptors of a file's whole import closure the first time any of them is touched, with
/// every field's accessors: about 7.7 MB of heap for <c>Bootstrap</c>'s closure, kept for the life of the process. This
/// keeps one index entry per message and enum (its bytes in the set, which stays in the binary's read-only mapping) and
/// builds a <see cref="MessageSchema"/> only for the types a config names.
/// </remarks>
public sealed class ProtoSchema
{
    private const string ResourceName = "envoy-protos.pb";

    private static readonly Lazy<ProtoSchema> EnvoySchema = new(LoadEnvoy);

    private readonly ReadOnlyMemory<byte> _set;
    private readonly Dictionary<string, Entry> _index = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _packageByNamespace = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, object> _built = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, MessageSchema?> _byClrType = new();

    private ProtoSchema(ReadOnlyMemory<byte> set)
    {
        _set = set;
        var reader = new WireReader(set.Span);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == WireReader.LengthDelimited)
            {
                var file = reader.ReadLengthDelimited();
                IndexFile(file, reader.Position - file.Length);
            }
            else
            {
                reader.Skip(wire, field);
            }
        }
    }

    /// <summary>The schema of every message compiled into Envoy.Api.Protos, and of the well-known types they use.</summary>
    public static ProtoSchema Envoy => EnvoySchema.Value;

    /// <summary>A schema over a serialized <c>google.protobuf.FileDescriptorSet</c> (protoc <c>--descriptor_set_out</c>).</summary>
    public static ProtoSchema FromDescriptorSet(ReadOnlyMemory<byte> set) => new(set);

    /// <summary>The part of a type URL after its last <c>/</c> (<c>type.googleapis.com/a.b.C</c> gives <c>a.b.C</c>).</summary>
    public static string TypeNameFromUrl(string typeUrl) => typeUrl[(typeUrl.LastIndexOf('/') + 1)..];

    /// <summary>The message of a full name (no leading dot), or null when the set has no such message.</summary>
    public MessageSchema? FindMessage(string fullName) =>
        _index.TryGetValue(fullName, out var entry) && !entry.IsEnum ? (MessageSchema)Build(fullName, entry) : null;

    /// <summary>The enum of a full name, or null when the set has no such enum.</summary>
    public EnumSchema? FindEnum(string fullName) =>
        _index.TryGetValue(fullName, out var entry) && entry.IsEnum ? (EnumSchema)Build(fullName, entry) : null;

    public MessageSchema GetMessage(string fullName) =>
        FindMessage(fullName) ?? throw new KeyNotFoundException($"message type {fullName} is not in the schema");

    public EnumSchema GetEnum(string fullName) =>
        FindEnum(fullName) ?? throw new KeyNotFoundException($"enum type {fullName} is not in the schema");

    /// <summary>
    /// The message a generated C# type was compiled from, found by protoc's C# naming (namespace from the package or
    /// <c>csharp_namespace</c>, nested types under <c>Types</c>); null for a type that is not one.
    /// </summary>
    public MessageSchema? FindMessage(Type clrType)
    {
        ArgumentNullException.ThrowIfNull(clrType);
        return _byClrType.GetOrAdd(clrType, static (type, schema) => schema.ProtoNameOf(type) is { } name ? schema.FindMessage(name) : null, this);
    }

    /// <summary>Like <see cref="FindMessage(Type)"/>, throwing for a type that is not in the schema.</summary>
    public MessageSchema GetMessage(Type clrType) =>
        FindMessage(clrType) ?? throw new KeyNotFoundException($"{clrType} is not a message type of the schema");

    private string? ProtoNameOf(Type type)
    {
        if (type.IsNested)
        {
            // protoc puts nested types in a static class "Types" inside the message's class.
            return type.DeclaringType is { Name: "Types", DeclaringType: { } outer } && ProtoNameOf(outer) is { } outerName
                ? outerName + "." + type.Name
                : null;
        }

        return type.Namespace is { } ns && _packageByNamespace.TryGetValue(ns, out var package)
            ? (package.Length == 0 ? type.Name : package + "." + type.Name)
            : null;
    }

    private object Build(string fullName, Entry entry) =>
        _built.GetOrAdd(fullName, static (name, state) => state.Schema.Create(name, state.Entry), (Schema: this, Entry: entry));

    private object Create(string fullName, Entry entry)
    {
        var bytes = _set.Span.Slice(entry.Offset, entry.Length);
        return entry.IsEnum ? CreateEnum(fullName, bytes) : CreateMessage(fullName, bytes, entry.Proto2);
    }

    private MessageSchema CreateMessage(string fullName, ReadOnlySpan<byte> bytes, bool proto2)
    {
        // DescriptorProto: field = 2, options = 7 (MessageOptions.map_entry = 7), oneof_decl = 8 (name = 1).
        var oneofs = new List<string>();
        var isMapEntry = false;
        var reader = new WireReader(bytes);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 8 && wire == WireReader.LengthDelimited)
            {
                oneofs.Add(ReadString(reader.ReadLengthDelimited(), 1) ?? "");
            }
            else if (field == 7 && wire == WireReader.LengthDelimited)
            {
                isMapEntry |= ReadVarintField(reader.ReadLengthDelimited(), 7) == 1;
            }
            else
            {
                reader.Skip(wire, field);
            }
        }

        var message = new MessageSchema(this, fullName, isMapEntry);
        var fields = new List<FieldSchema>();
        reader = new WireReader(bytes);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 2 && wire == WireReader.LengthDelimited)
            {
                fields.Add(CreateField(message, reader.ReadLengthDelimited(), oneofs, proto2));
            }
            else
            {
                reader.Skip(wire, field);
            }
        }

        message.SetFields(fields);
        return message;
    }

    private static FieldSchema CreateField(MessageSchema owner, ReadOnlySpan<byte> bytes, List<string> oneofs, bool proto2)
    {
        // FieldDescriptorProto: name 1, number 3, label 4, type 5, type_name 6, options 8 (FieldOptions.packed = 2),
        // oneof_index 9, json_name 10, proto3_optional 17.
        string name = "", jsonName = "";
        string? typeName = null;
        int number = 0, label = 0, type = 0, oneofIndex = -1;
        bool proto3Optional = false, packedDisabled = false, packedEnabled = false;
        var reader = new WireReader(bytes);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == WireReader.LengthDelimited:
                    name = Encoding.UTF8.GetString(reader.ReadLengthDelimited());
                    break;
                case 3 when wire == WireReader.Varint:
                    number = (int)reader.ReadVarint();
                    break;
                case 4 when wire == WireReader.Varint:
                    label = (int)reader.ReadVarint();
                    break;
                case 5 when wire == WireReader.Varint:
                    type = (int)reader.ReadVarint();
                    break;
                case 6 when wire == WireReader.LengthDelimited:
                    typeName = Encoding.UTF8.GetString(reader.ReadLengthDelimited()).TrimStart('.');
                    break;
                case 8 when wire == WireReader.LengthDelimited:
                    var packed = ReadVarintField(reader.ReadLengthDelimited(), 2);
                    packedDisabled = packed == 0;
                    packedEnabled = packed == 1;
                    break;
                case 9 when wire == WireReader.Varint:
                    oneofIndex = (int)reader.ReadVarint();
                    break;
                case 10 when wire == WireReader.LengthDelimited:
                    jsonName = Encoding.UTF8.GetString(reader.ReadLengthDelimited());
                    break;
                case 17 when wire == WireReader.Varint:
                    proto3Optional = reader.ReadVarint() != 0;
                    break;
                default:
                    reader.Skip(wire, field);
                    break;
            }
        }

        var oneof = !proto3Optional && oneofIndex >= 0 && oneofIndex < oneofs.Count ? oneofs[oneofIndex] : null;
        return new FieldSchema(
            owner,
            name,
            jsonName.Length > 0 ? jsonName : DefaultJsonName(name),
            number,
            (ProtoFieldType)type,
            isRepeated: label == 3,
            typeName,
            oneof,
            isExplicitlyOptional: proto3Optional || (proto2 && label != 3),
            // proto2 packs only what says [packed = true]; proto3 everything that does not say false.
            packedDisabled: proto2 ? !packedEnabled : packedDisabled);
    }

    private static EnumSchema CreateEnum(string fullName, ReadOnlySpan<byte> bytes)
    {
        // EnumDescriptorProto: value = 2; EnumValueDescriptorProto: name = 1, number = 2.
        var values = new List<KeyValuePair<string, int>>();
        var reader = new WireReader(bytes);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 2 && wire == WireReader.LengthDelimited)
            {
                var value = reader.ReadLengthDelimited();
                values.Add(new(ReadString(value, 1) ?? "", (int)(ReadVarintField(value, 2) ?? 0)));
            }
            else
            {
                reader.Skip(wire, field);
            }
        }

        return new EnumSchema(fullName, values);
    }

    private void IndexFile(ReadOnlySpan<byte> file, int fileOffset)
    {
        // FileDescriptorProto: package 2, message_type 4, enum_type 5, options 8 (FileOptions.csharp_namespace = 37),
        // syntax 12 (absent in proto2 files).
        var package = ReadString(file, 2) ?? "";
        var proto2 = ReadString(file, 12) is null or "proto2";
        string? csharpNamespace = null;
        var reader = new WireReader(file);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if ((field == 4 || field == 5) && wire == WireReader.LengthDelimited)
            {
                var type = reader.ReadLengthDelimited();
                IndexType(type, fileOffset + reader.Position - type.Length, package, isEnum: field == 5, proto2);
            }
            else if (field == 8 && wire == WireReader.LengthDelimited)
            {
                csharpNamespace = ReadString(reader.ReadLengthDelimited(), 37) ?? csharpNamespace;
            }
            else
            {
                reader.Skip(wire, field);
            }
        }

        _packageByNamespace.TryAdd(csharpNamespace ?? CSharpNamespace(package), package);
    }

    private void IndexType(ReadOnlySpan<byte> type, int offset, string scope, bool isEnum, bool proto2)
    {
        var name = ReadString(type, 1) ?? "";
        var fullName = scope.Length == 0 ? name : scope + "." + name;
        _index.TryAdd(fullName, new Entry(offset, type.Length, isEnum, proto2));
        if (isEnum)
        {
            return;
        }

        // DescriptorProto: nested_type 3, enum_type 4.
        var reader = new WireReader(type);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if ((field == 3 || field == 4) && wire == WireReader.LengthDelimited)
            {
                var nested = reader.ReadLengthDelimited();
                IndexType(nested, offset + reader.Position - nested.Length, fullName, isEnum: field == 4, proto2);
            }
            else
            {
                reader.Skip(wire, field);
            }
        }
    }

    private static string? ReadString(ReadOnlySpan<byte> message, int number)
    {
        string? value = null;
        var reader = new WireReader(message);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == number && wire == WireReader.LengthDelimited)
            {
                value = Encoding.UTF8.GetString(reader.ReadLengthDelimited());
            }
            else
            {
                reader.Skip(wire, field);
            }
        }

        return value;
    }

    private static ulong? ReadVarintField(ReadOnlySpan<byte> message, int number)
    {
        ulong? value = null;
        var reader = new WireReader(message);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == number && wire == WireReader.Varint)
            {
                value = reader.ReadVarint();
            }
            else
            {
                reader.Skip(wire, field);
            }
        }

        return value;
    }

    // protoc's C# generator: each package segment in PascalCase, underscores dropped, a letter after a digit capitalised.
    private static string CSharpNamespace(string package)
    {
        var builder = new StringBuilder(package.Length);
        var capitalizeNext = true;
        foreach (var c in package)
        {
            if (char.IsAsciiLetterLower(c))
            {
                builder.Append(capitalizeNext ? char.ToUpperInvariant(c) : c);
                capitalizeNext = false;
            }
            else if (char.IsAsciiLetterUpper(c))
            {
                builder.Append(c);
                capitalizeNext = false;
            }
            else if (char.IsAsciiDigit(c))
            {
                builder.Append(c);
                capitalizeNext = true;
            }
            else if (c == '.')
            {
                builder.Append(c);
                capitalizeNext = true;
            }
            else
            {
                capitalizeNext = true;
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// Appends <paramref name="name"/> in lowerCamelCase: underscores dropped, the letter after one capitalised. protoc's
    /// default JSON name (what it writes into json_name), and how a FieldMask path is spelled in JSON.
    /// </summary>
    internal static void AppendLowerCamelCase(StringBuilder builder, ReadOnlySpan<char> name)
    {
        var capitalizeNext = false;
        foreach (var c in name)
        {
            if (c == '_')
            {
                capitalizeNext = true;
            }
            else
            {
                builder.Append(capitalizeNext ? char.ToUpperInvariant(c) : c);
                capitalizeNext = false;
            }
        }
    }

    private static string DefaultJsonName(string name)
    {
        var builder = new StringBuilder(name.Length);
        AppendLowerCamelCase(builder, name);
        return builder.ToString();
    }

    private static ProtoSchema LoadEnvoy()
    {
        var assembly = typeof(global::Envoy.Config.Bootstrap.V3.Bootstrap).Assembly;
        using var stream = assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{assembly.GetName().Name} has no {ResourceName} resource (see EnvoyProtos.targets)");
        if (stream is UnmanagedMemoryStream unmanaged)
        {
            // The resource is in the binary's read-only data: read it in place instead of copying it to the heap.
            return new ProtoSchema(new UnmanagedBytes(unmanaged).Memory);
        }

        var copy = new byte[stream.Length];
        stream.ReadExactly(copy);
        return new ProtoSchema(copy);
    }

    private readonly record struct Entry(int Offset, int Length, bool IsEnum, bool Proto2);

    /// <summary>Memory over a resource that lives as long as the process (manifest resources are never unloaded here).</summary>
    private sealed unsafe class UnmanagedBytes(UnmanagedMemoryStream stream) : MemoryManager<byte>
    {
        private readonly byte* _pointer = stream.PositionPointer;
        private readonly int _length = checked((int)stream.Length);

        public override Span<byte> GetSpan() => new(_pointer, _length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
