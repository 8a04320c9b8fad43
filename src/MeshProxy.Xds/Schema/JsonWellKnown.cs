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
