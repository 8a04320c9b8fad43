using System.Text;

namespace MeshProxy.Core.Http;

/// <summary>
/// A header block in a plain list: the test double (and benchmark input) for <see cref="IHttpHeaderMutator"/>, and
/// the header store of <see cref="InMemoryHttpRequest"/>. Mutations allocate; reads do not. Names compare ignoring
/// ASCII case; order of fields is kept.
/// </summary>
public class InMemoryHttpHeaders : IHttpHeaderMutator
{
    private readonly List<KeyValuePair<byte[], byte[]>> _fields = [];

    public int Count => _fields.Count;

    /// <summary>The fields in order, as strings (for assertions).</summary>
    public IEnumerable<KeyValuePair<string, string>> Fields =>
        _fields.Select(f => KeyValuePair.Create(Encoding.Latin1.GetString(f.Key), Encoding.Latin1.GetString(f.Value)));

    public bool Contains(ReadOnlySpan<byte> lowerCaseName) => IndexOf(lowerCaseName, 0) >= 0;

    public void Add(ReadOnlySpan<byte> lowerCaseName, ReadOnlySpan<byte> value) =>
        _fields.Add(KeyValuePair.Create(lowerCaseName.ToArray(), value.ToArray()));

    public void Set(ReadOnlySpan<byte> lowerCaseName, ReadOnlySpan<byte> value)
    {
        var first = IndexOf(lowerCaseName, 0);
        if (first < 0)
        {
            Add(lowerCaseName, value);
            return;
        }

        _fields[first] = KeyValuePair.Create(_fields[first].Key, value.ToArray());
        for (var i = _fields.Count - 1; i > first; i--)
        {
            if (Ascii.EqualsIgnoreCase(_fields[i].Key, lowerCaseName))
            {
                _fields.RemoveAt(i);
            }
        }
    }

    public void Remove(ReadOnlySpan<byte> lowerCaseName)
    {
        for (var i = _fields.Count - 1; i >= 0; i--)
        {
            if (Ascii.EqualsIgnoreCase(_fields[i].Key, lowerCaseName))
            {
                _fields.RemoveAt(i);
            }
        }
    }

    public bool TryGetHeader(ReadOnlySpan<byte> lowerCaseName, out ReadOnlySpan<byte> value) => TryGetHeader(lowerCaseName, 0, out value);

    public bool TryGetHeader(ReadOnlySpan<byte> lowerCaseName, int occurrence, out ReadOnlySpan<byte> value)
    {
        var index = IndexOf(lowerCaseName, occurrence);
        value = index < 0 ? default : _fields[index].Value;
        return index >= 0;
    }

    /// <summary>Every value of a header joined with <c>,</c>; null when absent.</summary>
    public string? Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = Encoding.ASCII.GetBytes(name);
        var values = _fields.Where(f => Ascii.EqualsIgnoreCase(f.Key, key)).Select(f => Encoding.Latin1.GetString(f.Value)).ToList();
        return values.Count == 0 ? null : string.Join(',', values);
    }

    private int IndexOf(ReadOnlySpan<byte> name, int occurrence)
    {
        for (var i = 0; i < _fields.Count; i++)
        {
            if (Ascii.EqualsIgnoreCase(_fields[i].Key, name) && occurrence-- == 0)
            {
                return i;
            }
        }

        return -1;
    }
}
