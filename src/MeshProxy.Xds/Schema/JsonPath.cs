using System.Text;
using System.Text.Json;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Xds.Schema;

/// <summary>
/// Where the reader is, kept cheaply on the way down (a field's name, an index, a map key's place in the input) and
/// spelled out only for an error: <c>static_resources.listeners[0].address</c>, <c>metadata["a"]</c>.
/// </summary>
internal sealed class JsonPath
{
    private Entry[] _entries = new Entry[32];
    private int _count;

    public void PushField(string name) => Push(new Entry(name, -1, 0, 0, false));

    public void PushIndex(int index) => Push(new Entry(null, index, 0, 0, false));

    /// <summary>A map key by where its text is in the input (decoded only if an error needs it).</summary>
    public void PushKey(int offset, int length, bool escaped) => Push(new Entry(null, -1, offset, length, escaped));

    public void Pop() => _count--;

    /// <summary>The path so far in Envoy's spelling (<see cref="FieldPath"/>); <paramref name="json"/> holds the map keys.</summary>
    public string Build(ReadOnlySpan<byte> json)
    {
        var path = string.Empty;
        for (var i = 0; i < _count; i++)
        {
            var entry = _entries[i];
            path = entry.Name is { } name ? FieldPath.Field(path, name)
                : entry.Index >= 0 ? FieldPath.Index(path, entry.Index)
                : FieldPath.Key(path, DecodeKey(json, entry));
        }

        return path;
    }

    private static string DecodeKey(ReadOnlySpan<byte> json, Entry entry)
    {
        if (!entry.Escaped)
        {
            return Encoding.UTF8.GetString(json.Slice(entry.KeyOffset, entry.KeyLength));
        }

        // The quoted text on its own is a JSON string: let the reader unescape it.
        var reader = new Utf8JsonReader(json.Slice(entry.KeyOffset - 1, entry.KeyLength + 2));
        reader.Read();
        return reader.GetString() ?? string.Empty;
    }

    private void Push(Entry entry)
    {
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _count * 2);
        }

        _entries[_count++] = entry;
    }

    private readonly record struct Entry(string? Name, int Index, int KeyOffset, int KeyLength, bool Escaped);
}
