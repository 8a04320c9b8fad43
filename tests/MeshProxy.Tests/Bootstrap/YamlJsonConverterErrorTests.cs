using System.Buffers;
using System.Text;
using MeshProxy.Xds.Bootstrap;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Tests.Bootstrap;

/// <summary>Where each error is reported, and which one wins when a text has several.</summary>
public sealed class YamlJsonConverterErrorTests
{
    [Theory]
    [InlineData("a:\n  b: 1\n c: 2\n", "invalid YAML at line 3, column 2: While parsing a block mapping, did not find expected key.")]
    [InlineData("a: 1\nb: 2\na: 3\n", "invalid YAML at line 3, column 1: Duplicate key a")]
    [InlineData("a: 1\n'a': 2\n", "invalid YAML at line 2, column 1: Duplicate key a")]
    [InlineData("a: 1\n---\nb: 2\n", "invalid YAML at line 3, column 1: a bootstrap is one YAML document, found 2")]
    [InlineData("a: 1\n---\n- b\n---\nc\n", "invalid YAML at line 3, column 1: a bootstrap is one YAML document, found 3")]
    [InlineData("a: 1\n? [x]\n: 2\n", "invalid YAML at line 2, column 3: mapping keys must be plain strings")]
    [InlineData("a: {{k: v}: 1}\n", "invalid YAML at line 1, column 5: mapping keys must be plain strings")]
    [InlineData("a:\n  - name: a\n    address: [x\n  - b: c\n", "invalid YAML after line 3, column 14: the parser could not continue (check brackets and quotes)")]
    public void Convert_BadYaml_ReportsLineAndColumn(string yaml, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => YamlJsonConverter.Convert(yaml));

        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Convert_DuplicateKeyInALargeMapping_IsFound()
    {
        var yaml = new StringBuilder();
        for (var i = 0; i < 40; i++)
        {
            yaml.Append('k').Append(i).Append(": ").Append(i).Append('\n');
        }

        yaml.Append("k7: again\n");

        var error = Assert.Throws<ConfigException>(() => YamlJsonConverter.Convert(yaml.ToString()));

        Assert.Equal("invalid YAML at line 41, column 1: Duplicate key k7", error.Message);
    }

    [Fact]
    public void Convert_SameKeyInSiblingMappings_IsNoDuplicate()
    {
        Assert.Equal("[{\"a\":1},{\"a\":2}]", YamlJsonConverter.Convert("- {a: 1}\n- {a: 2}\n"));
    }

    [Fact]
    public void Convert_128Levels_IsAllowed()
    {
        var json = YamlJsonConverter.Convert(Nested(128));

        Assert.StartsWith(new string('[', 128) + "1", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_129Levels_IsTooDeepAtTheInnermostNode()
    {
        var error = Assert.Throws<ConfigException>(() => YamlJsonConverter.Convert(Nested(129)));

        Assert.Equal("invalid YAML at line 1, column 130: nested deeper than 128 levels", error.Message);
    }

    [Fact]
    public void Convert_AliasThatGoesTooDeep_IsReportedAtTheAnchoredNode()
    {
        var yaml = "a: &deep " + Nested(120) + "\nb: " + new string('[', 10) + "*deep" + new string(']', 10) + "\n";

        var error = Assert.Throws<ConfigException>(() => YamlJsonConverter.Convert(yaml));

        // Level 129 is 118 sequences into the anchored node (which sits at level 11): column 10 + 118 of line 1.
        Assert.Equal("invalid YAML at line 1, column 128: nested deeper than 128 levels", error.Message);
    }

    // Loading the stream came first, then the document count, then writing: a later syntax error beats a bad key.
    [Theory]
    [InlineData("? [x]\n: 2\n]\n", "invalid YAML at line 3, column 1: While parsing a block mapping, did not find expected key.")]
    [InlineData("? [x]\n: 2\na: 1\na: 2\n", "invalid YAML at line 4, column 1: Duplicate key a")]
    [InlineData("? [x]\n: 2\n---\nb: 1\n", "invalid YAML at line 4, column 1: a bootstrap is one YAML document, found 2")]
    [InlineData("a: *x\n...\n%YAML 1.1\n%YAML 1.1\n---\nb: 1\n", "invalid YAML at line 4, column 1: While scanning a version directive, did not find preceding <document end>.")]
    [InlineData("a: *x\n---\nb: 1\n---\n]\n", "invalid YAML at line 1, column 1: The anchor 'x' does not exists")]
    public void Convert_SeveralErrors_ReportsTheOneTheRepresentationModelDid(string yaml, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => YamlJsonConverter.Convert(yaml));

        Assert.Equal(expected, error.Message);
    }

    // The representation model threw a bare ArgumentException here ("The current event is of an unsupported type").
    [Fact]
    public void Convert_MappingEndingAfterAKey_IsAConfigError()
    {
        var error = Assert.Throws<ConfigException>(() => YamlJsonConverter.Convert("k2: \n  &u0 \"b\" *zz1\n"));

        Assert.Equal("invalid YAML at line 2, column 11: a mapping key without a value", error.Message);
    }

    [Fact]
    public void ConvertToUtf8_Writer_AppendsTheJson()
    {
        var output = new ArrayBufferWriter<byte>();
        output.Write("prefix "u8);

        YamlJsonConverter.ConvertToUtf8("a: [1, \"é\"]\n", output);

        Assert.Equal("prefix {\"a\":[1,\"\\u00E9\"]}", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void ConvertToUtf8_NoDocument_IsAnEmptyObject()
    {
        Assert.Equal("{}"u8.ToArray(), YamlJsonConverter.ConvertToUtf8("# nothing here\n"));
    }

    private static string Nested(int levels) => new string('[', levels) + "1" + new string(']', levels);
}
