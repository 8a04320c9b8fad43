using System.Collections.Immutable;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Xds.Schema;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// Flattens a protobuf <c>Struct</c> into dotted string keys, the way Envoy's runtime reads a static
/// layer: <c>{envoy: {resource_limits: {listener: {l1: {connection_limit: 10}}}}}</c> becomes
/// <c>envoy.resource_limits.listener.l1.connection_limit = "10"</c>. Lists render as JSON text (compact, as
/// <see cref="ProtoJsonWriter"/> writes it, which needs no descriptors).
/// </summary>
public static class StructFlattener
{
    public static void Flatten(Struct? value, string prefix, ImmutableSortedDictionary<string, string>.Builder into)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (value is null)
        {
            return;
        }

        foreach (var (key, child) in value.Fields)
        {
            var name = prefix.Length == 0 ? key : string.Concat(prefix, ".", key);
            if (child.KindCase == Value.KindOneofCase.StructValue)
            {
                Flatten(child.StructValue, name, into);
            }
            else
            {
                into[name] = ToText(child);
            }
        }
    }

    public static ImmutableSortedDictionary<string, string> Flatten(Struct? value)
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        Flatten(value, string.Empty, builder);
        return builder.ToImmutable();
    }

    private static string ToText(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.StringValue => value.StringValue,
        Value.KindOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        Value.KindOneofCase.NumberValue => FormatNumber(value.NumberValue),
        Value.KindOneofCase.NullValue or Value.KindOneofCase.None => string.Empty,
        _ => ProtoJsonWriter.Format(value),
    };

    // Whole numbers print without a fraction so integer runtime keys ("10", not "10.0") parse as integers.
    private static string FormatNumber(double number) =>
        Math.Abs(number) < 9.007199254740992E15 && number == Math.Floor(number)
            ? ((long)number).ToString(CultureInfo.InvariantCulture)
            : number.ToString("R", CultureInfo.InvariantCulture);
}
