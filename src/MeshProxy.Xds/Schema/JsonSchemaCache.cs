using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;

namespace MeshProxy.Xds.Schema;

/// <summary>
/// The <see cref="JsonMessageInfo"/> and <see cref="JsonEnumInfo"/> of one <see cref="ProtoSchema"/>'s types, built on
/// first use and kept with the schema (for <see cref="ProtoSchema.Envoy"/>, for the life of the process: a few objects per
/// type a config names).
/// </summary>
internal sealed class JsonSchemaCache
{
    private static readonly ConditionalWeakTable<ProtoSchema, JsonSchemaCache> Caches = [];

    private readonly ProtoSchema _schema;
    private readonly ConcurrentDictionary<MessageSchema, JsonMessageInfo> _messages = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<EnumSchema, JsonEnumInfo> _enums = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<string, JsonMessageInfo> _byTypeName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonMessageInfo>.AlternateLookup<ReadOnlySpan<char>> _byTypeNameSpan;

    private JsonSchemaCache(ProtoSchema schema)
    {
        _schema = schema;
        _byTypeNameSpan = _byTypeName.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public static JsonSchemaCache For(ProtoSchema schema) => Caches.GetValue(schema, static s => new JsonSchemaCache(s));

    public JsonMessageInfo Get(MessageSchema message) =>
        _messages.GetOrAdd(message, static (m, cache) => new JsonMessageInfo(cache, m), this);

    public JsonEnumInfo Get(EnumSchema schema) => _enums.GetOrAdd(schema, static e => new JsonEnumInfo(e));

    /// <summary>The message of a full name in UTF-8 (an Any's type URL after its last '/'); null when the schema has none.</summary>
    public JsonMessageInfo? FindMessage(ReadOnlySpan<byte> utf8FullName)
    {
        const int StackLimit = 256;
        var chars = utf8FullName.Length <= StackLimit ? stackalloc char[StackLimit] : new char[utf8FullName.Length];
        var count = Encoding.UTF8.GetChars(utf8FullName, chars);
        var name = chars[..count];
        if (_byTypeNameSpan.TryGetValue(name, out var found))
        {
            return found;
        }

        // Misses are not remembered: a type URL the schema lacks is an error, not something to cache.
        var key = name.ToString();
        return _schema.FindMessage(key) is { } message ? _byTypeName.GetOrAdd(key, Get(message)) : null;
    }
}
