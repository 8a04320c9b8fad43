namespace MeshProxy.Xds.Schema;

/// <summary>An enum's value names, looked up by UTF-8 bytes.</summary>
internal sealed class JsonEnumInfo
{
    private readonly Utf8NameTable<object> _numbers;

    public JsonEnumInfo(EnumSchema schema)
    {
        Schema = schema;
        _numbers = new Utf8NameTable<object>([.. schema.Values.Select(v => KeyValuePair.Create(v.Key, (object)v.Value))]);
    }

    public EnumSchema Schema { get; }

    /// <summary>By the value's name as declared (protobuf's JSON parsers know no other spelling).</summary>
    public bool TryGetNumber(ReadOnlySpan<byte> name, out int number)
    {
        if (_numbers.Find(name) is int found)
        {
            number = found;
            return true;
        }

        number = 0;
        return false;
    }
}
