using MeshProxy.Tests.Schema.Json;
using MeshProxy.Xds.Conversion;
using MeshProxy.Xds.Schema;

namespace MeshProxy.Tests.Schema;

// Each kind of input JsonParser refuses: refused here too, naming the field by its proto path (through maps, lists and
// Anys) and saying what is wrong in words.
public sealed class ProtoJsonReaderErrorTests
{
    private const string Types = "type.googleapis.com/meshproxy.tests.json.";
    private const string Wkt = "type.googleapis.com/google.protobuf.";

    // "T/" and "W/" stand for the type URL prefixes of the test types and the well-known types.
    private static string Url(string json) => json.Replace("T/", Types, StringComparison.Ordinal).Replace("W/", Wkt, StringComparison.Ordinal);

    public static TheoryData<string, string, string> Errors() => new()
    {
        { """{"scalars": {"nested": {"c": 1}}}""", "scalars.nested.c", "unknown field 'c' in meshproxy.tests.json.Nested" },
        { """{"scalars": {"\u0063ustom_name": 1}}""", "scalars.custom_name", "unknown field 'custom_name' in meshproxy.tests.json.Scalars" },
        { """{"scalars": {"i32": 2147483648}}""", "scalars.i32", "2147483648 is out of range for int32" },
        { """{"scalars": {"u32": "-1"}}""", "scalars.u32", "\"-1\" is out of range for uint32" },
        { """{"scalars": {"i32": 1.5}}""", "scalars.i32", "1.5 is not an integer (int32)" },
        { """{"scalars": {"i64": "x"}}""", "scalars.i64", "\"x\" is not a valid int64" },
        { """{"scalars": {"i64": "+1"}}""", "scalars.i64", "\"+1\" is not a valid int64" },
        { """{"scalars": {"db": 1e400}}""", "scalars.db", "1e400 is out of range for double" },
        { """{"scalars": {"fl": "infinity"}}""", "scalars.fl", "\"infinity\" is not a valid float" },
        { """{"scalars": {"s": 1}}""", "scalars.s", "expected a string, not the number 1" },
        { """{"scalars": {"b": "true"}}""", "scalars.b", "expected true or false, not the string \"true\"" },
        { """{"scalars": {"i32": true}}""", "scalars.i32", "expected an integer or integer string (int32), not true" },
        { """{"scalars": {"color": "PURPLE"}}""", "scalars.color", "unknown value 'PURPLE' for enum meshproxy.tests.json.Color" },
        { """{"scalars": {"color": {}}}""", "scalars.color", "expected a name or number of meshproxy.tests.json.Color, not an object" },
        { """{"scalars": {"by": "AQI"}}""", "scalars.by", "invalid base64 'AQI' (standard alphabet, with '=' padding)" },
        { """{"scalars": {"s": "a\ud800"}}""", "scalars.s", "invalid string" },
        { """{"scalars": {"nested": 5}}""", "scalars.nested", "expected an object for meshproxy.tests.json.Nested, not the number 5" },
        { """{"repeateds": {"nested": [{}, {"c": 1}]}}""", "repeateds.nested[1].c", "unknown field 'c'" },
        { """{"repeateds": {"i32": [1, null]}}""", "repeateds.i32[1]", "null is not allowed in a repeated field" },
        { """{"repeateds": {"i32": [1, "x"]}}""", "repeateds.i32[1]", "\"x\" is not a valid int32" },
        { """{"repeateds": {"i32": 1}}""", "repeateds.i32", "expected an array for repeated field 'i32', not the number 1" },
        { """{"maps": {"nested": {"k": {"c": 1}}}}""", "maps.nested[\"k\"].c", "unknown field 'c'" },
        { """{"maps": {"nested": {"\u006b\u00e9": {"c": 1}}}}""", "maps.nested[\"k\u00e9\"].c", "unknown field 'c'" },
        { """{"maps": {"s": {"a": null}}}""", "maps.s[\"a\"]", "null is not allowed as a map value" },
        { """{"maps": {"i32": {"x": "a"}}}""", "maps.i32[\"x\"]", "map key 'x' is not a valid int32" },
        { """{"maps": {"b": {"yes": "a"}}}""", "maps.b[\"yes\"]", "map key 'yes' is not true or false" },
        { """{"maps": {"s": [1]}}""", "maps.s", "expected an object for map field 's', not an array" },
        { """{"oneofs": {"o_string": "a", "oInt": 1}}""", "oneofs.o_int", "'o_string' and 'o_int' are both given, but only one field of oneof 'choice' may be set" },
        { """{"oneofs": {"opt": 1, "opt": 2}}""", "oneofs.opt", "'opt' is given twice" },
        { """{"wkt": {"duration": "5 seconds"}}""", "wkt.duration", "invalid duration '5 seconds'" },
        { """{"wkt": {"duration": 5}}""", "wkt.duration", "expected a string for google.protobuf.Duration, not the number 5" },
        { """{"wkt": {"timestamp": "2020-02-30T00:00:00Z"}}""", "wkt.timestamp", "invalid timestamp '2020-02-30T00:00:00Z'" },
        { """{"wkt": {"mask": "a_b"}}""", "wkt.mask", "invalid field mask path 'a_b'" },
        { """{"wkt": {"struct": {"a": [1, {"b": 1e400}]}}}""", "wkt.struct[\"a\"][1][\"b\"]", "1e400 is out of range for a double" },
        { """{"wkt": {"list": {}}}""", "wkt.list", "expected an array for google.protobuf.ListValue, not an object" },
        { """{"wkt": {"empty": {"a": 1}}}""", "wkt.empty.a", "unknown field 'a' in google.protobuf.Empty" },
        { """{"wkt": {"any": 5}}""", "wkt.any", "expected an object for google.protobuf.Any, not the number 5" },
        { """{"wkt": {"any": {"a": 1, "@type": "type.googleapis.com/no.Such"}}}""", "wkt.any.@type", "unknown type 'type.googleapis.com/no.Such'" },
        { """{"wkt": {"any": {"@type": "no.Such"}}}""", "wkt.any.@type", "'no.Such' is not a type URL" },
        { """{"wkt": {"any": {"@type": 5}}}""", "wkt.any.@type", "expected a type URL string, not the number 5" },
        { Url("""{"wkt": {"any": {"@type": "T/Nested", "c": 1}}}"""), "wkt.any.c", "unknown field 'c' in meshproxy.tests.json.Nested" },
        { Url("""{"wkt": {"any": {"@type": "T/Everything", "maps": {"s": {"k": 1}}}}}"""), "wkt.any.maps.s[\"k\"]", "expected a string, not the number 1" },
        { Url("""{"wkt": {"any": {"@type": "W/Any", "value": {"@type": "T/Nested", "a": "x"}}}}"""), "wkt.any.value.a", "\"x\" is not a valid int32" },
        { Url("""{"wkt": {"any": {"@type": "W/Duration", "value": "x"}}}"""), "wkt.any.value", "invalid duration 'x'" },
        { Url("""{"wkt": {"any": {"@type": "W/Duration"}}}"""), "wkt.any", "an Any holding a google.protobuf.Duration needs its JSON in a \"value\" property" },
        { Url("""{"wkt": {"any": {"@type": "W/Duration", "value": "1s", "x": 1}}}"""), "wkt.any.x", "takes only \"@type\" and \"value\", not 'x'" },
        { "\uFEFF{}", "", "byte order mark" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Parse_BadInput_NamesFieldPathAndProblem(string json, string path, string message)
    {
        var error = JsonParity.AssertRefused(json);

        var only = Assert.Single(error.Errors);
        Assert.Equal(path, only.FieldPath);
        Assert.Contains(message, only.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\n  \"repeateds\": {\n    \"i32\": [,]\n  }\n}", 3, 13)]
    [InlineData("{\"scalars\": {}} {}", 1, 17)]
    [InlineData("{\"scalars\": {\"s\": \"x\"", 1, 22)]
    [InlineData("", 1, 1)]
    public void Parse_InvalidJson_NamesLineAndColumn(string json, int line, int column)
    {
        var error = JsonParity.AssertRefused(json);

        Assert.Equal(string.Empty, error.FieldPath);
        Assert.StartsWith($"invalid JSON at line {line}, column {column}: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NestingPastTheLimit_SaysSo()
    {
        var json = string.Concat(Enumerable.Repeat("{\"recursive\": ", 150)) + "{}" + new string('}', 150);

        var error = JsonParity.AssertRefused(json);

        Assert.Contains("nested deeper than 100 levels", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("recursive.recursive.", error.FieldPath, StringComparison.Ordinal);
    }

    // Neither JsonParser nor the generated parser counts a wrapper field as a level, so the binary reads back whatever
    // the JSON nests within the limit.
    [Theory]
    [InlineData(99)]
    [InlineData(100)]
    public void Parse_WrapperAtTheNestingLimit_MatchesJsonParser(int levels)
    {
        var json = string.Concat(Enumerable.Repeat("{\"recursive\": ", levels)) + "{\"wkt\": {\"int32_value\": 1}}" + new string('}', levels);

        JsonParity.AssertEverything(json);
    }
}
