using System.Text.Json;
using MeshProxy.Xds.Bootstrap;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Tests.Bootstrap;

public sealed class YamlJsonConverterTests
{
    [Theory]
    [InlineData("v: 8080", "{\"v\":8080}")]
    [InlineData("v: \"8080\"", "{\"v\":\"8080\"}")]
    [InlineData("v: '8080'", "{\"v\":\"8080\"}")]
    [InlineData("v: -12", "{\"v\":-12}")]
    [InlineData("v: 0x1F", "{\"v\":31}")]
    [InlineData("v: 0.25", "{\"v\":0.25}")]
    [InlineData("v: 1e3", "{\"v\":1000}")]
    [InlineData("v: true", "{\"v\":true}")]
    [InlineData("v: Off", "{\"v\":false}")]
    [InlineData("v: \"true\"", "{\"v\":\"true\"}")]
    [InlineData("v: ~", "{\"v\":null}")]
    [InlineData("v:", "{\"v\":null}")]
    [InlineData("v: 0.25s", "{\"v\":\"0.25s\"}")]
    [InlineData("v: 127.0.0.1", "{\"v\":\"127.0.0.1\"}")]
    [InlineData("v: .inf", "{\"v\":\"Infinity\"}")]
    [InlineData("v: Infinity", "{\"v\":\"Infinity\"}")]
    [InlineData("v: 18446744073709551615", "{\"v\":\"18446744073709551615\"}")]
    [InlineData("v: [a, 1, {b: c}]", "{\"v\":[\"a\",1,{\"b\":\"c\"}]}")]
    [InlineData("\"@type\": x", "{\"@type\":\"x\"}")]
    [InlineData("", "{}")]
    public void Convert_Scalar_FollowsEnvoyYamlSemantics(string yaml, string expected) =>
        Assert.Equal(expected, YamlJsonConverter.Convert(yaml));

    [Fact]
    public void Convert_Anchors_AreExpanded()
    {
        var json = YamlJsonConverter.Convert("a: &x {p: 1}\nb: *x\n");

        Assert.Equal("{\"a\":{\"p\":1},\"b\":{\"p\":1}}", json);
    }

    [Fact]
    public void Convert_Output_IsValidJson()
    {
        using var document = JsonDocument.Parse(YamlJsonConverter.Convert(BootstrapSamples.Yaml));

        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
    }

    [Fact]
    public void Convert_BadIndentation_ReportsLineAndColumn()
    {
        var error = Assert.Throws<ConfigException>(() => YamlJsonConverter.Convert("a:\n  b: 1\n c: 2\n"));

        Assert.Contains("invalid YAML at line 3, column", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_DuplicateKey_IsAnErrorWithLine()
    {
        var error = Assert.Throws<ConfigException>(() => YamlJsonConverter.Convert("a: 1\nb: 2\na: 3\n"));

        Assert.Contains("line 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_UnterminatedFlowSequence_IsAConfigError()
    {
        var error = Assert.Throws<ConfigException>(() => YamlJsonConverter.Convert("a:\n  - name: a\n    address: [x\n  - b: c\n"));

        Assert.Contains("invalid YAML", error.Message, StringComparison.Ordinal);
        Assert.Contains("line", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_TwoDocuments_IsAnError()
    {
        var error = Assert.Throws<ConfigException>(() => YamlJsonConverter.Convert("a: 1\n---\nb: 2\n"));

        Assert.Contains("one YAML document", error.Message, StringComparison.Ordinal);
    }
}
