namespace MeshProxy.Xds.Schema;

/// <summary>An enum's values, as its <c>EnumDescriptorProto</c> declares them.</summary>
public sealed class EnumSchema
{
    private readonly Dictionary<string, int> _byName;

    internal EnumSchema(string fullName, IReadOnlyList<KeyValuePair<string, int>> values)
    {
        FullName = fullName;
        Values = values;
        _byName = new Dictionary<string, int>(values.Count, StringComparer.Ordinal);
        foreach (var (name, number) in values)
        {
            _byName.TryAdd(name, number);
        }
    }

    public string FullName { get; }

    /// <summary>Names and numbers in declaration order (aliases included).</summary>
    public IReadOnlyList<KeyValuePair<string, int>> Values { get; }

    /// <summary>The first declared name of <paramref name="number"/>, or null for a number the enum does not declare.</summary>
    public string? NameOf(int number)
    {
        foreach (var (name, value) in Values)
        {
            if (value == number)
            {
                return name;
            }
        }

        return null;
    }

    public bool TryGetNumber(string name, out int number) => _byName.TryGetValue(name, out number);
}
