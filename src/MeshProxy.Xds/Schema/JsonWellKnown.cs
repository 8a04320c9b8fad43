namespace MeshProxy.Xds.Schema;

/// <summary>The well-known types protobuf's JSON mapping spells in their own way, and how.</summary>
internal enum JsonWellKnown
{
    /// <summary>An object of fields (every other message, the well-known <c>Empty</c>, <c>Type</c>... included).</summary>
    None,

    /// <summary><c>{"@type": url, ...the packed message's fields}</c>, or <c>"value"</c> for a well-known packed type.</summary>
    Any,

    /// <summary><c>"1.5s"</c>.</summary>
    Duration,

    /// <summary>RFC 3339, <c>"2024-01-02T03:04:05.5Z"</c>.</summary>
    Timestamp,

    /// <summary><c>"a.bC,d"</c> with paths in lowerCamelCase.</summary>
    FieldMask,

    /// <summary>Any JSON object.</summary>
    Struct,

    /// <summary>Any JSON value.</summary>
    Value,

    /// <summary>Any JSON array.</summary>
    ListValue,

    /// <summary><c>Int32Value</c> and the other wrappers: the bare wrapped value.</summary>
    Wrapper,
}

/// <summary>Which well-known type a message is, for the JSON reader and writer alike.</summary>
internal static class JsonWellKnownTypes
{
    private const string Package = "google.protobuf.";

    /// <summary>The JSON form of <paramref name="fullName"/>; <see cref="JsonWellKnown.None"/> for an ordinary object.</summary>
    public static JsonWellKnown KindOf(string fullName) =>
        !fullName.StartsWith(Package, StringComparison.Ordinal) ? JsonWellKnown.None : fullName.AsSpan(Package.Length) switch
        {
            "Any" => JsonWellKnown.Any,
            "Duration" => JsonWellKnown.Duration,
            "Timestamp" => JsonWellKnown.Timestamp,
            "FieldMask" => JsonWellKnown.FieldMask,
            "Struct" => JsonWellKnown.Struct,
            "Value" => JsonWellKnown.Value,
            "ListValue" => JsonWellKnown.ListValue,
            "DoubleValue" or "FloatValue" or "Int64Value" or "UInt64Value" or "Int32Value" or "UInt32Value" or "BoolValue"
                or "StringValue" or "BytesValue" => JsonWellKnown.Wrapper,
            _ => JsonWellKnown.None,
        };

    /// <summary>
    /// The types of Google.Protobuf's <c>IsWellKnownType</c> (every message of any, api, duration, empty, field_mask,
    /// source_context, struct, timestamp, type and wrappers.proto): inside an <c>Any</c> they go under <c>"value"</c>,
    /// even those written as plain objects (<c>Empty</c>, <c>Api</c>...).
    /// </summary>
    public static bool IsWellKnownType(string fullName) =>
        fullName.StartsWith(Package, StringComparison.Ordinal) && fullName.AsSpan(Package.Length) is
            "Any" or "Api" or "Method" or "Mixin" or "Duration" or "Empty" or "FieldMask" or "SourceContext" or "Struct"
            or "Value" or "ListValue" or "Timestamp" or "Type" or "Field" or "Enum" or "EnumValue" or "Option"
            or "DoubleValue" or "FloatValue" or "Int64Value" or "UInt64Value" or "Int32Value" or "UInt32Value"
            or "BoolValue" or "StringValue" or "BytesValue";
}
