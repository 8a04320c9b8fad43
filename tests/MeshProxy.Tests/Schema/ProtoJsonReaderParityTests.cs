using BootstrapProto = Envoy.Config.Bootstrap.V3.Bootstrap;
using Envoy.Service.Discovery.V3;
using MeshProxy.Tests.Bootstrap;
using MeshProxy.Tests.Http.Conformance;
using MeshProxy.Xds.Bootstrap;

namespace MeshProxy.Tests.Schema;

// Every input here is read by both Google.Protobuf's JsonParser and ProtoJsonReader: same message, same bytes.
public sealed class ProtoJsonReaderParityTests
{
    private const string Nested = "type.googleapis.com/meshproxy.tests.json.Nested";

    private static string Repository([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    public static TheoryData<string> Bootstraps()
    {
        var data = new TheoryData<string>();
        foreach (var path in new[] { "deploy/examples/tcp-proxy.yaml", "deploy/examples/ads-istiod.yaml", "deploy/examples/files/bootstrap.yaml" })
        {
            data.Add(YamlJsonConverter.Convert(File.ReadAllText(Path.Combine(Repository(), path))));
        }

        data.Add(YamlJsonConverter.Convert(BootstrapSamples.Yaml));
        data.Add(YamlJsonConverter.Convert(BootstrapSamples.Minimal));
        data.Add(BootstrapSamples.Json);

        // The HTTP conformance suite's route tables, in the bootstrap it runs them in.
        var cluster = ProxyYaml.Cluster("c", new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9000));
        foreach (var type in typeof(ProxyYaml).Assembly.GetTypes().Where(t => t.Namespace == typeof(ProxyYaml).Namespace))
        {
            foreach (var field in type.GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static))
            {
                if (field.IsLiteral && field.Name.EndsWith("Routes", StringComparison.Ordinal) && field.GetRawConstantValue() is string routes)
                {
                    data.Add(YamlJsonConverter.Convert(ProxyYaml.Bootstrap(routes, [cluster])));
                }
            }
        }

        return data;
    }

    public static TheoryData<string> DiscoveryResponses()
    {
        var data = new TheoryData<string>();
        foreach (var path in new[] { "deploy/examples/files/cds.yaml", "deploy/examples/files/lds.yaml" })
        {
            data.Add(YamlJsonConverter.Convert(File.ReadAllText(Path.Combine(Repository(), path))));
        }

        foreach (var file in new[] { "cds.json", "eds.json", "lds.json", "rds.json" })
        {
            using var stream = typeof(ProtoJsonReaderParityTests).Assembly.GetManifestResourceStream("Fixtures/IstioSidecar/" + file)!;
            data.Add(new StreamReader(stream).ReadToEnd());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Bootstraps))]
    public void Parse_Bootstrap_MatchesJsonParser(string json) => Assert.NotNull(JsonParity.AssertEnvoy<BootstrapProto>(json));

    [Theory]
    [MemberData(nameof(DiscoveryResponses))]
    public void Parse_DiscoveryResponse_MatchesJsonParser(string json) => Assert.NotNull(JsonParity.AssertEnvoy<DiscoveryResponse>(json));

    [Fact]
    public void Parse_BootstrapSamples_AreNotTrivial()
    {
        Assert.True(Bootstraps().Count > 10, "the conformance route tables were not found");
    }

    public static TheoryData<string> Accepted() =>
    [
        // Scalars, by proto name and JSON name, numbers as numbers and as strings.
        """{"scalars": {"i32": 1, "i64": "9007199254740993", "u32": 4294967295, "u64": "18446744073709551615", "s32": -5, "s64": "-9223372036854775808", "f32": 7, "f64": "8", "sf32": -9, "sf64": -10, "fl": 1.5, "db": -2.25, "b": true, "s": "h\u00e9llo \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t", "by": "AQID", "color": "GREEN", "nested": {"a": 1, "b": "x"}, "customName": 3, "null_value": null, "snakeCaseName": 4}}""",
        """{"scalars": {"snake_case_name": 1, "custom": 2, "nullValue": "NULL_VALUE"}}""",
        """{"scalars": {"s": "zz", "i32": 0, "i64": 0, "u32": 0, "u64": 0, "s32": 0, "s64": 0, "f32": 0, "f64": 0, "sf32": 0, "sf64": 0, "fl": 0, "db": 0, "b": false, "by": "", "color": "COLOR_UNSPECIFIED", "null_value": 0}}""",
        """{"scalars": {"i32": "-12", "i64": "1e3", "u32": "1.0", "u64": "5.", "s32": "10e-1", "s64": "1E+2", "f32": "-0", "f64": 1e3, "sf32": 1.0, "sf64": -0}}""",
        """{"scalars": {"i32": 2147483647, "i64": -9223372036854775808, "u32": "4294967295", "u64": 18446744073709549568, "s32": -2147483648, "s64": "9223372036854775807", "sf32": "-2147483648", "sf64": "-9223372036854775808", "f32": "4294967295", "f64": "18446744073709551615"}}""",
        """{"scalars": {"i64": 9007199254740993, "u64": 1.8e19}}""",
        """{"scalars": {"fl": 3.4028235e38, "db": 1.7976931348623157e308}}""",
        """{"scalars": {"fl": "NaN", "db": "Infinity"}}""",
        """{"scalars": {"fl": "-Infinity", "db": "NaN"}}""",
        """{"scalars": {"fl": "1.5", "db": ".5"}}""",
        """{"scalars": {"fl": 1e-50, "db": "5e-324"}}""",
        """{"scalars": {"fl": -0.0, "db": -0.0}}""",
        """{"scalars": {"fl": "-0", "db": "-0.0"}}""",
        """{"scalars": {"by": "AQI="}}""",
        """{"scalars": {"by": "+/8="}}""",
        """{"scalars": {"by": "AQ ID\n"}}""",
        """{"scalars": {"color": 1}}""",
        """{"scalars": {"color": "BLUE"}}""",
        """{"scalars": {"color": -3}}""",
        """{"scalars": {"color": 99}}""",
        """{"scalars": {"color": 1.0}}""",
        """{"scalars": {"s": null, "i32": null, "nested": null, "color": null, "by": null}}""",
        """{"scalars": {"nested": {}}}""",
        """{"scalars": {"\u0073": "escaped name", "i\u0033\u0032": 1}}""",
        """{"scalars": {"s": "a", "s": "b", "i32": 1, "i32": 0}}""",
        """{"scalars": {"nested": {"a": 1}, "nested": {"b": "x"}}}""",
        """{"scalars": {"nested": {"a": 1}, "nested": null}}""",
        """{"scalars": {"s": "x", "snakeCaseName": 1, "snake_case_name": 2}}""",
        """{"scalars": {"b": true, "i32": 1}, "scalars": {"s": "replaced"}}""",

        // Repeated: packed and not, elements of each kind, appended when the key repeats, cleared by null.
        """{"repeateds": {"i32": [1, -1, 0], "i64": ["-1", 2], "u32": [0, 1], "u64": ["18446744073709551615"], "s32": [-1, 1], "s64": [-2], "f32": [1], "f64": [2], "sf32": [-3], "sf64": [-4], "fl": [1.5, "NaN", -0.0], "db": [-0.0, 0, "Infinity"], "b": [true, false], "s": ["", "a"], "by": ["", "AQ=="], "color": ["RED", 0, 99]}}""",
        """{"repeateds": {"nested": [{}, {"a": 1}], "unpacked": [1, 0, -1], "unpacked_doubles": [0, -0.0, 1]}}""",
        """{"repeateds": {"wrapped": [0, "5", 1e3], "values": [1, "a", null, true, {"x": [1, {}]}, []], "nulls": [null, "NULL_VALUE", 0]}}""",
        """{"repeateds": {"durations": ["1s", "-1.5s"], "anys": [{"@type": "type.googleapis.com/meshproxy.tests.json.Nested", "a": 1}, {}]}}""",
        """{"repeateds": {"i32": [], "s": [], "nested": []}}""",
        """{"repeateds": {"i32": null, "s": null}}""",
        """{"repeateds": {"i32": [1], "i32": [2, 3]}}""",
        """{"repeateds": {"i32": [1], "i32": [], "i32": [4]}}""",
        """{"repeateds": {"i32": [1], "i32": null, "i32": [3]}}""",
        """{"repeateds": {"i32": [1, 2], "i32": null}}""",
        """{"repeateds": {"unpacked": [1], "unpacked": [2]}}""",
        """{"repeateds": {"nested": [{"a": 1}], "s": ["x"], "nested": [{"a": 2}]}}""",
        """{"repeateds": {"durations": ["1s"], "durations": null}}""",

        // Maps: keys of each type, values of each kind, a key twice.
        """{"maps": {"i32": {"1": "a", "-2": "b", "1e1": "c", "0": "zero"}, "i64": {"-9223372036854775808": "x", "9223372036854775807": "y"}, "u32": {"4294967295": ""}, "u64": {"18446744073709551615": "max"}, "s32": {"-1": "m"}, "s64": {"-1": "m"}, "f32": {"1": "f"}, "f64": {"0": "z"}, "sf32": {"-5": "s"}, "sf64": {"-6": "s"}}}""",
        """{"maps": {"b": {"true": "t", "false": "f"}, "s": {"": "", "a": "b", "\u00e9": "\u00e9"}}}""",
        """{"maps": {"nested": {"x": {}, "y": {"a": 1}}, "colors": {"a": "RED", "b": 0, "c": 7}, "ints": {"a": 0, "b": "-1"}}}""",
        """{"maps": {"doubles": {"a": -0.0, "b": "NaN", "c": 0, "d": 1.5}, "floats": {"a": -0.0, "b": 0}, "bytes": {"a": "AQ==", "b": ""}}}""",
        """{"maps": {"wrapped": {"a": 0, "b": "5"}, "values": {"a": null, "b": [1], "c": {}}, "nulls": {"a": null, "b": 0}}}""",
        """{"maps": {"anys": {"a": {"@type": "type.googleapis.com/meshproxy.tests.json.Nested", "b": "x"}, "b": {}}}}""",
        """{"maps": {"s": {"a": "1", "b": "2", "a": "3"}}}""",
        """{"maps": {"s": {"a": "1"}, "s": {"b": "2", "a": "3"}}}""",
        """{"maps": {"s": {"a": "1"}, "s": null, "s": {"b": "2"}}}""",
        """{"maps": {"i32": {"1.0": "a", "1": "b", "10e-1": "c"}}}""",
        """{"maps": {"i32": {"0": "a", "-0": "b"}, "b": {"false": "x", "false": "y"}}}""",
        """{"maps": {"s": null, "nested": {}}}""",
        """{"maps": {"nested": {"k": {"a": 1}, "k": {"b": "2"}}}}""",

        // Oneofs: each member, defaults kept (presence), members of different oneofs together.
        """{"oneofs": {"o_string": ""}}""",
        """{"oneofs": {"o_int": 0}}""",
        """{"oneofs": {"oNested": {}}}""",
        """{"oneofs": {"o_null": null}}""",
        """{"oneofs": {"o_null": "NULL_VALUE"}}""",
        """{"oneofs": {"o_color": "COLOR_UNSPECIFIED"}}""",
        """{"oneofs": {"o_value": null}}""",
        """{"oneofs": {"o_value": {"a": [null]}}}""",
        """{"oneofs": {"o_wrapped": 0}}""",
        """{"oneofs": {"o_double": -0.0}}""",
        """{"oneofs": {"o_bytes": ""}}""",
        """{"oneofs": {"x": "a", "o_int": 1}}""",
        """{"oneofs": {"o_string": null}}""",
        """{"oneofs": {"opt": 0, "opt_double": -0.0, "opt_nested": {}}}""",
        """{"oneofs": {"opt": null}}""",

        // Well-known types.
        """{"wkt": {"duration": "1s", "timestamp": "2020-01-01T00:00:00Z", "mask": "a.bC,,dE.f", "empty": {}}}""",
        """{"wkt": {"duration": "-1.5s"}}""",
        """{"wkt": {"duration": "0.000000001s"}}""",
        """{"wkt": {"duration": "-0.5s"}}""",
        """{"wkt": {"duration": "0s"}}""",
        """{"wkt": {"duration": "1.000000000s"}}""",
        """{"wkt": {"duration": "315576000000s"}}""",
        """{"wkt": {"duration": "-315576000000.999999999s"}}""",
        """{"wkt": {"duration": "1s\n"}}""",
        """{"wkt": {"timestamp": "2020-01-01T00:00:00.5+01:00"}}""",
        """{"wkt": {"timestamp": "2020-01-01T00:00:00.5-01:30"}}""",
        """{"wkt": {"timestamp": "2020-02-29T23:59:59.999999999Z"}}""",
        """{"wkt": {"timestamp": "0001-01-01T00:00:00Z"}}""",
        """{"wkt": {"timestamp": "0001-01-01T00:30:00+00:30"}}""",
        """{"wkt": {"timestamp": "9999-12-31T23:59:59.999999999Z"}}""",
        """{"wkt": {"timestamp": "2020-01-01T00:00:00+18:00"}}""",
        """{"wkt": {"timestamp": "1969-12-31T23:59:59.1Z"}}""",
        """{"wkt": {"timestamp": "2020-01-01T00:00:00Z\n"}}""",
        """{"wkt": {"mask": "GoogleLAB,GBike,Biscuit,fooBar"}}""",
        """{"wkt": {"mask": ""}}""",
        """{"wkt": {"mask": "a.b.c"}}""",
        """{"wkt": {"struct": {"a": 1, "b": [true, null, "x", {"c": {}}], "": null, "d": {"e": -0.0}}}}""",
        """{"wkt": {"struct": {}}}""",
        """{"wkt": {"struct": {"a": 1, "a": 2}}}""",
        """{"wkt": {"value": null}}""",
        """{"wkt": {"value": 0}}""",
        """{"wkt": {"value": ""}}""",
        """{"wkt": {"value": false}}""",
        """{"wkt": {"value": {}}}""",
        """{"wkt": {"value": []}}""",
        """{"wkt": {"value": [[[]], {"a": [null]}]}}""",
        """{"wkt": {"list": []}}""",
        """{"wkt": {"list": [1, [2, [3]], {"x": null}]}}""",
        """{"wkt": {"list": null, "struct": null, "duration": null, "timestamp": null, "mask": null, "empty": null}}""",
        """{"wkt": {"double_value": 0, "float_value": 0, "int64_value": 0, "uint64_value": 0, "int32_value": 0, "uint32_value": 0, "bool_value": false, "string_value": "", "bytes_value": ""}}""",
        """{"wkt": {"double_value": "NaN", "float_value": -0.0, "int64_value": "-5", "uint64_value": "18446744073709551615", "int32_value": 1e3, "uint32_value": "7", "bool_value": true, "string_value": "s", "bytes_value": "AQ=="}}""",
        """{"wkt": {"double_value": -0.0}}""",
        """{"wkt": {"int32_value": null, "string_value": null}}""",

        // Any: the packed message's fields beside "@type" (anywhere), or "value" for a well-known type.
        """{"wkt": {"any": {"@type": "type.googleapis.com/meshproxy.tests.json.Nested", "b": "x", "a": 2}}}""",
        """{"wkt": {"any": {"b": "x", "@type": "type.googleapis.com/meshproxy.tests.json.Nested", "a": 2}}}""",
        """{"wkt": {"any": {"child": {"a": 1}, "list": [1], "@type": "type.googleapis.com/meshproxy.tests.json.Nested"}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/meshproxy.tests.json.Nested"}}}""",
        """{"wkt": {"any": {"@type": "example.com/a/b/meshproxy.tests.json.Nested", "a": 1}}}""",
        """{"wkt": {"any": {"@type": "/meshproxy.tests.json.Nested", "a": 1}}}""",
        """{"wkt": {"any": {"\u0040type": "type.googleapis.com/meshproxy.tests.json.Nested", "a": 1}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/meshproxy.tests.json.\u004eested", "a": 1}}}""",
        """{"wkt": {"any": {"a": 1}}}""",
        """{"wkt": {"any": {}}}""",
        """{"wkt": {"any": {"x": {"@type": 1}, "y": [{"@type": 2}]}}}""",
        """{"wkt": {"any": null}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1.5s"}}}""",
        """{"wkt": {"any": {"value": "1.5s", "@type": "type.googleapis.com/google.protobuf.Duration"}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.Timestamp", "value": "2020-01-01T00:00:00Z"}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.FieldMask", "value": "a,bC"}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.Struct", "value": {"a": [1, null]}}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.Value", "value": null}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.Value", "value": [1, "x"]}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.ListValue", "value": []}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.Empty", "value": {}}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.Int32Value", "value": 0}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.Int32Value", "value": null}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.DoubleValue", "value": -0.0}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.BytesValue", "value": "AQID"}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.StringValue", "value": "s"}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.Any", "value": {"@type": "type.googleapis.com/google.protobuf.Int32Value", "value": 3}}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.Any", "value": {}}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/meshproxy.tests.json.Scalars", "db": -0.0, "fl": -0.0, "s": "x", "i32": 1}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/meshproxy.tests.json.Maps", "s": {"a": "1", "b": "2", "a": "3"}, "doubles": {"z": -0.0}, "i32": {"2": "b", "1": "a"}}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/meshproxy.tests.json.Repeateds", "i32": [1], "s": ["a"], "i32": [2], "unpacked": [3], "unpacked": [4]}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/meshproxy.tests.json.Oneofs", "y": "b", "o_double": -0.0, "opt": 0}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/meshproxy.tests.json.Everything", "recursive": {"wkt": {"any": {"@type": "type.googleapis.com/meshproxy.tests.json.Nested", "a": 1}}}, "scalars": {"s": "x"}}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/meshproxy.tests.json.Nested", "a": 1}, "any": {"@type": "type.googleapis.com/meshproxy.tests.json.Nested", "b": "2"}}}""",

        // Everything at once, fields against number order, and whitespace of every kind.
        " \t\r\n{\"recursive\": {\"scalars\": {\"i32\": 1}}, \"scalars\": {\"s\": \"x\"}, \"maps\": {\"s\": {\"k\": \"v\"}}, \"wkt\": {\"empty\": {}}} \r\n\t",
        """{}""",
    ];

    public static TheoryData<string> Refused() =>
    [
        // Not JSON, or not one JSON object.
        "", " ", "{", "}", "{\"scalars\": }", "{\"scalars\" {}}", "{\"scalars\": {\"i32\": 1,}}", "// c\n{}", "{} {}", "{}x",
        "[1]", "\"x\"", "null", "1", "nul", "{'a': 1}", "{\"scalars\": {\"s\": \"\u0001\"}}", "{\"scalars\": {\"s\": \"\\x\"}}",
        "\uFEFF{}",
        // Names and kinds.
        """{"adress": 1}""",
        """{"scalars": {"I32": 1}}""",
        """{"scalars": {"customname": 1}}""",
        """{"@type": "x"}""",
        """{"scalars": {"s": 1}}""",
        """{"scalars": {"s": true}}""",
        """{"scalars": {"s": {}}}""",
        """{"scalars": {"s": ["a"]}}""",
        """{"scalars": {"b": "true"}}""",
        """{"scalars": {"b": 1}}""",
        """{"scalars": {"i32": true}}""",
        """{"scalars": {"i32": []}}""",
        """{"scalars": {"nested": 5}}""",
        """{"scalars": {"nested": []}}""",
        """{"scalars": {"nested": "x"}}""",
        """{"scalars": {"by": 1}}""",
        // Numbers out of range, fractions, forms JsonParser refuses.
        """{"scalars": {"i32": 2147483648}}""",
        """{"scalars": {"i32": "2147483648"}}""",
        """{"scalars": {"i32": -2147483649}}""",
        """{"scalars": {"i32": 1.5}}""",
        """{"scalars": {"i32": "1.5"}}""",
        """{"scalars": {"i32": "+1"}}""",
        """{"scalars": {"i32": "01"}}""",
        """{"scalars": {"i32": "-01"}}""",
        """{"scalars": {"i32": " 1"}}""",
        """{"scalars": {"i32": "1 "}}""",
        """{"scalars": {"i32": "0x1"}}""",
        """{"scalars": {"i32": "1e-3"}}""",
        """{"scalars": {"i32": ""}}""",
        """{"scalars": {"i32": "abc"}}""",
        """{"scalars": {"i32": 1e400}}""",
        """{"scalars": {"u32": -1}}""",
        """{"scalars": {"u32": "-1"}}""",
        """{"scalars": {"u32": 4294967296}}""",
        """{"scalars": {"i64": 9223372036854775807}}""",
        """{"scalars": {"i64": "9223372036854775808"}}""",
        """{"scalars": {"u64": 18446744073709551615}}""",
        """{"scalars": {"u64": "18446744073709551616"}}""",
        """{"scalars": {"sf32": 2147483648}}""",
        """{"scalars": {"f32": -1}}""",
        """{"scalars": {"fl": 3.5e38}}""",
        """{"scalars": {"fl": "1e39"}}""",
        """{"scalars": {"fl": "nan"}}""",
        """{"scalars": {"db": "infinity"}}""",
        """{"scalars": {"db": "+Infinity"}}""",
        """{"scalars": {"db": "1e400"}}""",
        """{"scalars": {"db": "-1e400"}}""",
        """{"scalars": {"db": "1,000"}}""",
        """{"scalars": {"db": "\u0661"}}""",
        """{"scalars": {"db": 1e400}}""",
        // Bytes, strings, enums.
        """{"scalars": {"by": "AQI"}}""",
        """{"scalars": {"by": "-_8="}}""",
        """{"scalars": {"by": "A"}}""",
        """{"scalars": {"s": "\ud800"}}""",
        """{"scalars": {"s": "\udc00x"}}""",
        """{"scalars": {"color": "PURPLE"}}""",
        """{"scalars": {"color": "red"}}""",
        """{"scalars": {"color": "1"}}""",
        """{"scalars": {"color": 1.5}}""",
        """{"scalars": {"color": 2147483648}}""",
        """{"scalars": {"color": true}}""",
        """{"scalars": {"null_value": "NULL"}}""",
        """{"scalars": {"null_value": {}}}""",
        // Repeated and maps.
        """{"repeateds": {"i32": 5}}""",
        """{"repeateds": {"i32": {}}}""",
        """{"repeateds": {"i32": [null]}}""",
        """{"repeateds": {"s": [null]}}""",
        """{"repeateds": {"nested": [null]}}""",
        """{"repeateds": {"wrapped": [null]}}""",
        """{"repeateds": {"durations": [null]}}""",
        """{"repeateds": {"i32": [[1]]}}""",
        """{"repeateds": {"color": ["PURPLE"]}}""",
        """{"maps": {"s": []}}""",
        """{"maps": {"s": "x"}}""",
        """{"maps": {"s": {"a": null}}}""",
        """{"maps": {"nested": {"a": null}}}""",
        """{"maps": {"wrapped": {"a": null}}}""",
        """{"maps": {"s": {"a": 1}}}""",
        """{"maps": {"i32": {"01": "x"}}}""",
        """{"maps": {"i32": {"+1": "x"}}}""",
        """{"maps": {"i32": {"abc": "x"}}}""",
        """{"maps": {"i32": {"2147483648": "x"}}}""",
        """{"maps": {"i32": {"": "x"}}}""",
        """{"maps": {"u32": {"-1": "x"}}}""",
        """{"maps": {"b": {"True": "x"}}}""",
        """{"maps": {"b": {"1": "x"}}}""",
        """{"maps": {"colors": {"a": "PURPLE"}}}""",
        // Oneofs.
        """{"oneofs": {"o_string": "a", "o_int": 1}}""",
        """{"oneofs": {"o_string": null, "o_int": 1}}""",
        """{"oneofs": {"o_int": 1, "o_int": 2}}""",
        """{"oneofs": {"oString": "a", "o_string": "b"}}""",
        """{"oneofs": {"x": "a", "y": "b"}}""",
        """{"oneofs": {"opt": 1, "opt": 2}}""",
        """{"oneofs": {"opt": null, "opt": 1}}""",
        // Well-known types.
        """{"wkt": {"duration": 1}}""",
        """{"wkt": {"duration": "1"}}""",
        """{"wkt": {"duration": "1.s"}}""",
        """{"wkt": {"duration": ".5s"}}""",
        """{"wkt": {"duration": "01s"}}""",
        """{"wkt": {"duration": "+1s"}}""",
        """{"wkt": {"duration": " 1s"}}""",
        """{"wkt": {"duration": "1s\n\n"}}""",
        """{"wkt": {"duration": "1.0000000001s"}}""",
        """{"wkt": {"duration": "315576000001s"}}""",
        """{"wkt": {"duration": "1000000000000s"}}""",
        """{"wkt": {"duration": "1S"}}""",
        """{"wkt": {"duration": "5 seconds"}}""",
        """{"wkt": {"duration": {}}}""",
        """{"wkt": {"timestamp": "2020-01-01T00:00:00-00:00"}}""",
        """{"wkt": {"timestamp": "2020-02-30T00:00:00Z"}}""",
        """{"wkt": {"timestamp": "2019-02-29T00:00:00Z"}}""",
        """{"wkt": {"timestamp": "0001-01-01T00:00:00+01:00"}}""",
        """{"wkt": {"timestamp": "9999-12-31T23:59:59-00:01"}}""",
        """{"wkt": {"timestamp": "2020-01-01T24:00:00Z"}}""",
        """{"wkt": {"timestamp": "2020-01-01t00:00:00Z"}}""",
        """{"wkt": {"timestamp": "2020-01-01T00:00:00z"}}""",
        """{"wkt": {"timestamp": "2020-01-01T00:00:00+19:00"}}""",
        """{"wkt": {"timestamp": "2020-01-01T00:00:00+18:01"}}""",
        """{"wkt": {"timestamp": "0000-01-01T00:00:00Z"}}""",
        """{"wkt": {"timestamp": "2020-13-01T00:00:00Z"}}""",
        """{"wkt": {"timestamp": "2020-00-01T00:00:00Z"}}""",
        """{"wkt": {"timestamp": "2020-01-00T00:00:00Z"}}""",
        """{"wkt": {"timestamp": "2020-01-01T00:00:60Z"}}""",
        """{"wkt": {"timestamp": "2020-01-01T00:00:00"}}""",
        """{"wkt": {"timestamp": "2020-01-01T00:00:00.Z"}}""",
        """{"wkt": {"timestamp": "2020-01-01T00:00:00.1234567890Z"}}""",
        """{"wkt": {"timestamp": "2020-01-01 00:00:00Z"}}""",
        """{"wkt": {"timestamp": 0}}""",
        """{"wkt": {"mask": "a_b"}}""",
        """{"wkt": {"mask": 5}}""",
        """{"wkt": {"struct": []}}""",
        """{"wkt": {"struct": 1}}""",
        """{"wkt": {"list": {}}}""",
        """{"wkt": {"empty": {"a": 1}}}""",
        """{"wkt": {"empty": []}}""",
        """{"wkt": {"int32_value": "x"}}""",
        """{"wkt": {"int32_value": {}}}""",
        """{"wkt": {"int32_value": {"value": 1}}}""",
        """{"wkt": {"bool_value": "true"}}""",
        """{"wkt": {"string_value": 1}}""",
        """{"wkt": {"value": 1e400}}""",
        """{"wkt": {"any": 5}}""",
        """{"wkt": {"any": []}}""",
        """{"wkt": {"any": {"@type": 5}}}""",
        """{"wkt": {"any": {"@type": null}}}""",
        """{"wkt": {"any": {"@type": "meshproxy.tests.json.Nested"}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/"}}}""",
        """{"wkt": {"any": {"@type": ""}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/no.such.Type"}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/meshproxy.tests.json.Color"}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/meshproxy.tests.json.Nested", "c": 1}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/meshproxy.tests.json.Nested", "a": 1, "@type": "type.googleapis.com/meshproxy.tests.json.Nested"}}}""",
        """{"wkt": {"any": {"a": "x", "@type": "type.googleapis.com/meshproxy.tests.json.Nested"}}}""",
        """{"wkt": {"any": {"x": {"y": "\ud800"}}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.Duration"}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1s", "x": 1}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.Duration", "seconds": 1}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1s", "value": "2s"}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.Struct", "value": null}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.Empty", "value": null}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.Any", "value": null}}}""",
        """{"wkt": {"any": {"@type": "type.googleapis.com/google.protobuf.Empty"}}}""",
    ];

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Parse_InputJsonParserAccepts_GivesAnEqualMessage(string json) => Assert.NotNull(JsonParity.AssertEverything(json));

    [Theory]
    [MemberData(nameof(Refused))]
    public void Parse_InputJsonParserRefuses_IsRefused(string json) => JsonParity.AssertRefused(json);

    [Theory]
    [InlineData(99)]
    [InlineData(100)]
    [InlineData(101)]
    [InlineData(102)]
    public void Parse_NestedMessages_LimitedAsJsonParserLimitsThem(int levels)
    {
        var json = string.Concat(Enumerable.Repeat("{\"recursive\": ", levels)) + "{}" + new string('}', levels);

        JsonParity.AssertEverything(json);
    }

    [Theory]
    [InlineData(48)]
    [InlineData(49)]
    [InlineData(50)]
    [InlineData(51)]
    public void Parse_NestedAnys_CountTwiceAsJsonParserCountsThem(int levels)
    {
        var any = "{\"@type\": \"type.googleapis.com/google.protobuf.Any\", \"value\": ";
        var json = "{\"wkt\": {\"any\": " + string.Concat(Enumerable.Repeat(any, levels)) + "{}" + new string('}', levels) + "}}";

        JsonParity.AssertEverything(json);
    }

    [Theory]
    [InlineData(30)]
    [InlineData(60)]
    public void Parse_DeepStructValues_MatchJsonParser(int levels)
    {
        var json = "{\"wkt\": {\"value\": " + string.Concat(Enumerable.Repeat("{\"a\": [", levels)) + "1" + string.Concat(Enumerable.Repeat("]}", levels)) + "}}";

        JsonParity.AssertEverything(json);
    }

    [Fact]
    public void Parse_LargeMapAndList_MatchJsonParser()
    {
        var entries = string.Join(", ", Enumerable.Range(0, 500).Select(i => $"\"k{i % 450}\": \"v{i}\""));
        var list = string.Join(", ", Enumerable.Range(0, 300).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var longText = new string('x', 300) + "\\n" + new string('y', 200);

        JsonParity.AssertEverything($$$"""{"maps": {"s": { {{{entries}}} }}, "repeateds": {"i32": [{{{list}}}], "s": ["{{{longText}}}"]}, "scalars": {"s": "{{{longText}}}"}}""");
    }
}
