using System.Diagnostics;
using System.Text;
using MeshProxy.Xds.Bootstrap;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Tests.Bootstrap;

/// <summary>Anchors and aliases as the streaming converter replays them.</summary>
public sealed class YamlJsonConverterAliasTests
{
    [Theory]
    [InlineData("a: &s 5\nb: *s", "{\"a\":5,\"b\":5}")]
    [InlineData("a: &s '5'\nb: *s", "{\"a\":\"5\",\"b\":\"5\"}")]
    [InlineData("a: &s !!str 5\nb: *s", "{\"a\":\"5\",\"b\":\"5\"}")]
    [InlineData("a: &s\nb: *s", "{\"a\":null,\"b\":null}")]
    [InlineData("a: &m {p: 1, q: [x, z]}\nb: *m", "{\"a\":{\"p\":1,\"q\":[\"x\",\"z\"]},\"b\":{\"p\":1,\"q\":[\"x\",\"z\"]}}")]
    [InlineData("a: &m\n  p: 1\nb: *m", "{\"a\":{\"p\":1},\"b\":{\"p\":1}}")]
    [InlineData("a: &l [1, {k: v}]\nb: *l", "{\"a\":[1,{\"k\":\"v\"}],\"b\":[1,{\"k\":\"v\"}]}")]
    [InlineData("a: &l\n- 1\n- 2\nb: [*l, *l]", "{\"a\":[1,2],\"b\":[[1,2],[1,2]]}")]
    [InlineData("a: &e {}\nb: &f []\nc: [*e, *f]", "{\"a\":{},\"b\":[],\"c\":[{},[]]}")]
    public void Convert_AliasOfEachNodeKind_RepeatsTheAnchoredNode(string yaml, string expected) =>
        Assert.Equal(expected, YamlJsonConverter.Convert(yaml));

    [Fact]
    public void Convert_AliasInsideAnAnchoredNode_ExpandsWhenThatNodeIsReplayed()
    {
        var json = YamlJsonConverter.Convert("- &a [1]\n- *a\n- &b {k: *a}\n- *b\n");

        Assert.Equal("[[1],[1],{\"k\":[1]},{\"k\":[1]}]", json);
    }

    [Fact]
    public void Convert_AnchorRedefined_AliasesTakeTheDefinitionBeforeThem()
    {
        Assert.Equal("{\"a\":1,\"b\":1,\"c\":2,\"d\":2}", YamlJsonConverter.Convert("a: &x 1\nb: *x\nc: &x 2\nd: *x\n"));

        // An alias recorded inside an anchored node keeps what it meant where it was written.
        Assert.Equal(
            "{\"a\":[1],\"b\":2,\"c\":[1],\"d\":2}",
            YamlJsonConverter.Convert("a: &x [&y 1]\nb: &y 2\nc: *x\nd: *y\n"));
    }

    [Fact]
    public void Convert_AliasOfScalarAsKey_KeysByItsText()
    {
        Assert.Equal("{\"a\":1,\"b\":{\"a\":2}}", YamlJsonConverter.Convert("&k a: 1\nb: {*k : 2}\n"));
    }

    [Fact]
    public void Convert_AliasOfScalarAsKeyTwice_IsADuplicateAtTheAnchoredScalar()
    {
        var error = Assert.Throws<ConfigException>(() => YamlJsonConverter.Convert("&k a: 1\n*k : 2\n"));

        Assert.Equal("invalid YAML at line 1, column 1: Duplicate key a", error.Message);
    }

    [Fact]
    public void Convert_AliasOfMappingAsKey_IsANonScalarKeyAtTheAnchoredNode()
    {
        var error = Assert.Throws<ConfigException>(() => YamlJsonConverter.Convert("a: &m {p: 1}\n*m : 2\n"));

        Assert.Equal("invalid YAML at line 1, column 4: mapping keys must be plain strings", error.Message);
    }

    // No merge-key support, as before: "<<" is a key like any other.
    [Fact]
    public void Convert_MergeKey_IsAPlainKey()
    {
        var json = YamlJsonConverter.Convert("x: &a {p: 1}\ny: {<<: *a, q: 2}\n");

        Assert.Equal("{\"x\":{\"p\":1},\"y\":{\"\\u003C\\u003C\":{\"p\":1},\"q\":2}}", json);
    }

    [Theory]
    [InlineData("a: &x [1, *x]\n", "invalid YAML at line 1, column 8: nested deeper than 128 levels")]
    [InlineData("&a {b: *a}\n", "invalid YAML at line 1, column 1: nested deeper than 128 levels")]
    [InlineData("&a {b: [c, {d: *a}]}\n", "invalid YAML at line 1, column 1: nested deeper than 128 levels")]
    public void Convert_AliasInsideItsOwnNode_IsTooDeepWhereTheTreeWalkStopped(string yaml, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => YamlJsonConverter.Convert(yaml));

        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Convert_AliasBomb_StopsAtTheExpansionLimit()
    {
        var yaml = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (var level = 'b'; level <= 'i'; level++)
        {
            var previous = (char)(level - 1);
            yaml.Append(level).Append(": &").Append(level).Append(" [")
                .AppendJoin(", ", Enumerable.Repeat("*" + previous, 10)).Append("]\n");
        }

        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<ConfigException>(() => YamlJsonConverter.Convert(yaml.ToString()));

        Assert.Matches(@"^invalid YAML at line \d+, column \d+: aliases expand to more than 1048576 nodes$", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Convert_ManyAliasesBelowTheLimit_AllExpand()
    {
        var yaml = new StringBuilder("shared: &s {connect_timeout: 1s, type: STATIC, lb_policy: ROUND_ROBIN}\nclusters:\n");
        for (var i = 0; i < 10_000; i++)
        {
            yaml.Append("- *s\n");
        }

        var json = YamlJsonConverter.Convert(yaml.ToString());

        Assert.Equal(10_001, CountOf(json, "\"lb_policy\""));
    }

    [Fact]
    public void Convert_UnknownAnchor_IsReportedAsTheRepresentationModelDid()
    {
        var error = Assert.Throws<ConfigException>(() => YamlJsonConverter.Convert("a: 1\nb: *x\n"));

        // Its placeholder node had no position, hence line 1, column 1.
        Assert.Equal("invalid YAML at line 1, column 1: The anchor 'x' does not exists", error.Message);
    }

    [Fact]
    public void Convert_DocumentThatIsOnlyAnAlias_IsAnError()
    {
        var error = Assert.Throws<ConfigException>(() => YamlJsonConverter.Convert("*x\n"));

        Assert.EndsWith("A document cannot contain only an alias", error.Message, StringComparison.Ordinal);
    }

    // The representation model resolved these to the later anchor; YAML forbids them and a stream cannot know the node yet.
    [Fact]
    public void Convert_AliasBeforeItsAnchor_IsAnError()
    {
        var error = Assert.Throws<ConfigException>(() => YamlJsonConverter.Convert("a: *x\nb: &x 1\n"));

        Assert.Equal("invalid YAML at line 1, column 4: alias *x comes before its anchor; define the anchor first", error.Message);
    }

    // The representation model overflowed the stack here (its alias placeholder's Equals recursed), ending the process.
    [Fact]
    public void Convert_AliasBeforeItsAnchorAsKey_IsAnError()
    {
        var error = Assert.Throws<ConfigException>(() => YamlJsonConverter.Convert("a: 1\n*x : 2\nc: &x 3\n"));

        Assert.Contains("alias *x comes before its anchor", error.Message, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
