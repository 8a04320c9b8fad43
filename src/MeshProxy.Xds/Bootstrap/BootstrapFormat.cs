namespace MeshProxy.Xds.Bootstrap;

/// <summary>The text format of a bootstrap.</summary>
public enum BootstrapFormat
{
    /// <summary>Look at the text: a leading <c>{</c> means JSON, anything else YAML (JSON is valid YAML anyway).</summary>
    Auto,
    Json,
    Yaml,
}
