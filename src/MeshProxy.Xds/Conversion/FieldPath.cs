namespace MeshProxy.Xds.Conversion;

/// <summary>Builds field paths in Envoy's spelling: <c>listeners[0].filter_chains[1].filters[0].typed_config</c>.</summary>
public static class FieldPath
{
    public static string Field(string parent, string field) =>
        parent.Length == 0 ? field : string.Concat(parent, ".", field);

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    public static string Key(string parent, string key) => $"{parent}[\"{key}\"]";
}
