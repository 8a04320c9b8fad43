using System.Buffers;
using System.Globalization;
using System.Text;
using MeshProxy.Xds.Bootstrap;

namespace MeshProxy.Tests.Bootstrap;

/// <summary>
/// The streaming converter against the representation-model one it replaced (<see cref="RepresentationModelYamlJson"/>):
/// the same JSON, byte for byte, or the same error message.
/// </summary>
public sealed class YamlJsonConverterParityTests
{
    private static string Repository([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    public static TheoryData<string> DeployExamples() =>
    [
        .. Directory.EnumerateFiles(Path.Combine(Repository(), "deploy", "examples"), "*.yaml", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Repository(), path))
            .Order(StringComparer.Ordinal),
    ];

    [Theory]
    [MemberData(nameof(DeployExamples))]
    public void Convert_DeployExample_MatchesTheRepresentationModel(string path)
    {
        var yaml = File.ReadAllText(Path.Combine(Repository(), path));

        AssertSameOutcome(yaml);
        Assert.StartsWith("OK ", Outcome(YamlJsonConverter.Convert, yaml), StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_BootstrapSample_MatchesTheRepresentationModel() => AssertSameOutcome(BootstrapSamples.Yaml);

    [Fact]
    public void Convert_PushFileCds_MatchesTheRepresentationModel() => AssertSameOutcome(CdsYaml(200));

    [Theory]
    [InlineData("v: 8080\nw: \"8080\"\nx: '8080'\ny: -12\nz: 0x1F\n")]
    [InlineData("a: 0x1F\nb: -0x10\nc: +5\nd: +-5\ne: 9007199254740992\nf: 9007199254740993\ng: -9007199254740993\nh: 0xFFFFFFFFFFFFFFFF\ni: 99999999999999999999999\n")]
    [InlineData("a: 1_000\nb: .5\nc: 5.\nd: 1e\ne: -.inf\nf: .NaN\ng: 0x\nh: 00012\ni: 0x00000000000000000001\nj: 1E-7\nk: -0\nl: +.INF\n")]
    [InlineData("a: yes\nb: No\nc: ON\nd: off\ne: y\nf: N\ng: True\nh: FALSE\ni: ~\nj: null\nk: NULL\nl:\nm: Yes please\n")]
    [InlineData("a: !!int 5\nb: !foo 7\nc: ! 8\nd: !!str 9\ne: !!str\nf: !!null ''\ng: !!bool \"true\"\n")]
    [InlineData("a: |\n  x\n  y\nb: >\n  p\n  q\nc: |-\n  z\nd: \"tab\\tnew\\nline \\u00e9 \\U0001F600\"\ne: 'it''s'\n")]
    [InlineData("\"@type\": x\n'<html>': \"&amp;\"\nplus: +\nkey with spaces: value with spaces\n\"\": empty key\n")]
    [InlineData("- [a, 1, {b: c}]\n- {}\n- []\n- - nested\n  - block\n- ? complex\n  : explicit\n")]
    [InlineData("a: &x 1\nb: *x\nc: &x 2\nd: *x\ne: &m {p: [1, *x]}\nf: [*m, *m]\n")]
    [InlineData("- &a [1]\n- *a\n- &b {k: *a}\n- *b\n- &c {<<: *b, q: 2}\n- *c\n")]
    [InlineData("a: 1\n!!str a: 2\n")] // not the same key: JSON with "a" twice
    [InlineData("%YAML 1.1\n---\na: 1\n...\n")]
    [InlineData("--- |\n  just a scalar\n")]
    [InlineData("---\n")]
    [InlineData("# only a comment\n")]
    [InlineData("")]
    [InlineData("a: 1\r\nb: [x,\r\n  y]\r\n")]
    public void Convert_VariedDocument_MatchesTheRepresentationModel(string yaml) => AssertSameOutcome(yaml);

    [Theory]
    [InlineData("a:\n  b: 1\n c: 2\n")]
    [InlineData("a: 1\nb: 2\na: 3\n")]
    [InlineData("a: 1\n\"a\": 2\n")]
    [InlineData("&k a: 1\n*k : 2\n")]
    [InlineData("a: 1\n---\nb: 2\n---\nc: 3\n")]
    [InlineData("? [x]\n: 2\n]\n")]
    [InlineData("? [x]\n: 2\na: 1\na: 2\n")]
    [InlineData("? [x]\n: 2\n---\nb: 1\n")]
    [InlineData("a: &m {p: 1}\n*m : 2\n")]
    [InlineData("a: &x [1, *x]\n")]
    [InlineData("&a {b: [c, {d: *a}]}\n")]
    [InlineData("x: &a [{k: [*a]}, 2]\n")]
    [InlineData("a: *x\n")]
    [InlineData("a: [*x, *y]\nb: {k: *z}\n")]
    [InlineData("*x\n")]
    [InlineData("a: 1\n---\n*x\n")]
    [InlineData("a: *x\n...\n%YAML 1.1\n%YAML 1.1\n---\nb: 1\n")]
    [InlineData("a: *x\n---\nb: 1\n---\n]\n")]
    [InlineData("a:\n  - name: a\n    address: [x\n  - b: c\n")]
    [InlineData("a: \"\\ud800\"\n")]
    [InlineData("a: 'unterminated\n")]
    public void Convert_BadDocument_FailsAsTheRepresentationModelDid(string yaml)
    {
        AssertSameOutcome(yaml);
        Assert.StartsWith("ERR ", Outcome(YamlJsonConverter.Convert, yaml), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(129)]
    [InlineData(400)]
    public void Convert_DeepNesting_MatchesTheRepresentationModel(int levels)
    {
        AssertSameOutcome(new string('[', levels) + "1" + new string(']', levels));
        AssertSameOutcome("a: &deep " + new string('{', levels) + "k: 1" + new string('}', levels) + "\nb: [[[*deep]]]\n");
    }

    [Fact]
    public void Convert_GeneratedDocuments_MatchTheRepresentationModel()
    {
        var random = new Random(20240611);
        var unexpected = new List<string>();
        for (var i = 0; i < 3000; i++)
        {
            var generator = new YamlSampleGenerator(random);
            var yaml = generator.Document();
            if (!generator.Cycles && random.Next(3) == 0)
            {
                yaml = YamlSampleGenerator.Mutate(random, yaml);
            }

            var expected = Outcome(RepresentationModelYamlJson.Convert, yaml);
            var actual = Outcome(YamlJsonConverter.Convert, yaml);
            if (expected != actual && !IsKnownDifference(expected, actual))
            {
                unexpected.Add($"{yaml}\n  was: {expected}\n  now: {actual}");
            }
        }

        Assert.Empty(unexpected);
    }

    [Theory]
    [InlineData("a: [1, \"x\", {b: null}]\n")]
    [InlineData("")]
    public void ConvertToUtf8_BothForms_AreTheUtf8OfConvert(string yaml)
    {
        var expected = Encoding.UTF8.GetBytes(YamlJsonConverter.Convert(yaml));
        var writer = new ArrayBufferWriter<byte>();

        YamlJsonConverter.ConvertToUtf8(yaml, writer);

        Assert.Equal(expected, YamlJsonConverter.ConvertToUtf8(yaml));
        Assert.Equal(expected, writer.WrittenSpan.ToArray());
    }

    // What the representation model got wrong or took further than YAML allows; each has its own test.
    private static bool IsKnownDifference(string expected, string actual) =>
        actual.Contains("comes before its anchor", StringComparison.Ordinal)
        || expected.Contains("Duplicate key [", StringComparison.Ordinal)
        || expected.Contains("Duplicate key {", StringComparison.Ordinal)
        || (expected.Contains("unsupported type", StringComparison.Ordinal) && actual.Contains("a mapping key without a value", StringComparison.Ordinal));

    private static void AssertSameOutcome(string yaml) =>
        Assert.Equal(Outcome(RepresentationModelYamlJson.Convert, yaml), Outcome(YamlJsonConverter.Convert, yaml));

    private static string Outcome(Func<string, string> convert, string yaml)
    {
        try
        {
            return "OK " + convert(yaml);
        }
#pragma warning disable CA1031 // the outcome compared is any exception's type and message
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return $"ERR {ex.GetType().Name}: {ex.Message}";
        }
    }

    // The file benchmarks/e2e/run.sh writes for its push-file run (write_cds), cluster 0 being the upstream.
    private static string CdsYaml(int clusters)
    {
        var text = new StringBuilder("version_info: \"1\"\nresources:\n");
        for (var c = 0; c < clusters; c++)
        {
            text.Append(CultureInfo.InvariantCulture, $"- \"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster\n  name: c{c}\n  type: STATIC\n  connect_timeout: 1s\n");
            text.Append(CultureInfo.InvariantCulture, $"  load_assignment:\n    cluster_name: c{c}\n    endpoints:\n    - lb_endpoints:\n");
            var endpoints = c == 0 ? 1 : 10;
            for (var e = 0; e < endpoints; e++)
            {
                text.Append(CultureInfo.InvariantCulture, $"      - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.{2 + (c / 100)}, port_value: {20000 + ((c % 100) * 10) + e} }} }} }}\n");
            }
        }

        return text.ToString();
    }
}
