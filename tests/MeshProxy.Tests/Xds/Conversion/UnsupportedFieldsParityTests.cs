using System.Collections;
using System.Reflection;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Route.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Tests.Bootstrap;
using MeshProxy.Tests.Protos;
using MeshProxy.Tests.Xds.Fixtures;
using MeshProxy.Xds.Bootstrap;
using MeshProxy.Xds.Conversion;
using BootstrapProto = Envoy.Config.Bootstrap.V3.Bootstrap;
using Type = System.Type;

namespace MeshProxy.Tests.Xds.Conversion;

/// <summary>
/// <see cref="UnsupportedFields"/> reads which fields are set from the serialized message; the descriptor walk it
/// replaced (<see cref="DescriptorSetFields"/>) is the reference: both must name the same fields, in the same order,
/// for every message of real configs and for every field of every Envoy message set to each kind of default and
/// non-default value.
/// </summary>
public sealed class UnsupportedFieldsParityTests
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithTypeRegistry(EnvoyTypeRegistry.Instance));

    [Fact]
    public void Warn_EveryMessageOfTheExampleAndFixtureConfigs_NamesWhatTheDescriptorWalkNames()
    {
        var messages = ConfigCorpus().SelectMany(Walk).ToList();
        var mismatches = messages.Select(Mismatch).OfType<string>().ToList();

        Assert.Empty(mismatches);
        Assert.True(messages.Count > 500, $"only {messages.Count} messages walked");
        Assert.Contains(messages, m => m is Cluster);
        Assert.Contains(messages, m => m is RouteAction);
        Assert.Contains(messages, m => m is Envoy.Extensions.Filters.Network.HttpConnectionManager.V3.HttpConnectionManager);
    }

    [Fact]
    public void Warn_EachFieldOfEveryMessageSetToEachSample_NamesWhatTheDescriptorWalkNames()
    {
        var probes = 0;
        var mismatches = new List<string>();
        foreach (var descriptor in AllMessages())
        {
            foreach (var message in Probes(descriptor))
            {
                probes++;
                if (Mismatch(message) is { } mismatch)
                {
                    mismatches.Add(mismatch);
                }
            }
        }

        Assert.Empty(mismatches);
        Assert.True(probes > 4000, $"only {probes} probes");
    }

    [Fact]
    public void Warn_DefaultsAndPresence_FollowProtobufSemantics()
    {
        // Presence-less scalars at their default are not set; members of a oneof, sub-messages and wrappers are,
        // whatever they hold.
        Assert.Equal(["type", "connect_timeout", "per_connection_buffer_limit_bytes"], Warned(new Cluster
        {
            Name = "",
            LbPolicy = Cluster.Types.LbPolicy.RoundRobin,
            Type = Cluster.Types.DiscoveryType.Static,
            ConnectTimeout = new Duration(),
            PerConnectionBufferLimitBytes = 0,
        }));
        Assert.Equal(["cluster"], Warned(new RouteAction { Cluster = "" }));
        Assert.Equal(["prefix"], Warned(new RouteMatch { Prefix = "" }));
        Assert.Equal(["ads"], Warned(new ConfigSource { Ads = new AggregatedConfigSource() }));

        // -0.0 is the default (the generated code writes a double when it is != 0); NaN is not.
        Assert.Empty(Warned(new Envoy.Type.V3.Percent { Value = -0.0 }));
        Assert.Equal(["value"], Warned(new Envoy.Type.V3.Percent { Value = double.NaN }));

        // Empty repeated and map fields are unset; one default element or entry is set.
        Assert.Empty(Warned(new Struct()));
        Assert.Equal(["fields"], Warned(new Struct { Fields = { [""] = new Value() } }));
        Assert.Equal(["values"], Warned(new ListValue { Values = { new Value() } }));

        // proto2 optional (the Envoy API has no proto3 optional field) is set once assigned, even to its default.
        Assert.Equal(["min_len"], Warned(new Validate.StringRules { MinLen = 0 }));
    }

    [Fact]
    public void Reject_SetFieldsNotHandled_OneErrorEachInDeclarationOrder()
    {
        var context = new ConversionContext();
        var action = new RouteAction { Cluster = "c", MetadataMatch = new Metadata(), Timeout = new Duration(), PrefixRewrite = "/" };

        var ok = UnsupportedFields.Reject(action, "r", context, "why", "cluster", "prefix_rewrite");

        Assert.False(ok);
        Assert.Equal(["r.metadata_match: not supported; why", "r.timeout: not supported; why"], context.Errors.Select(e => $"{e.FieldPath}: {e.Message}"));
        Assert.True(UnsupportedFields.Reject(new RouteAction(), "r", new ConversionContext(), "why"));
    }

    private static List<string> Warned(IMessage message)
    {
        var context = new ConversionContext();
        UnsupportedFields.Warn(message, "", context);
        Assert.Equal(DescriptorSetFields.Names(message), context.Warnings.Select(w => w.FieldPath));
        return [.. context.Warnings.Select(w => w.FieldPath)];
    }

    /// <summary>Null when Warn and Reject name exactly the fields the descriptor walk finds set, else what differs.</summary>
    private static string? Mismatch(IMessage message)
    {
        var expected = DescriptorSetFields.Names(message).ToList();
        var warned = new ConversionContext();
        UnsupportedFields.Warn(message, "", warned);
        var rejected = new ConversionContext();
        var ok = UnsupportedFields.Reject(message, "", rejected, "r");
        var warnedNames = warned.Warnings.Select(w => w.FieldPath).ToList();
        var rejectedNames = rejected.Errors.Select(e => e.FieldPath).ToList();

        // With the first set field handled, the rest is still reported in order.
        var handled = new ConversionContext();
        UnsupportedFields.Warn(message, "", handled, expected.Take(1).ToArray());
        var handledNames = handled.Warnings.Select(w => w.FieldPath).ToList();

        // With every field handled nothing is; with every field but the first set one (and as many names as fields),
        // only that one.
        var all = message.Descriptor.Fields.InDeclarationOrder().Select(f => f.Name).ToList();
        var allHandled = new ConversionContext();
        UnsupportedFields.Warn(message, "", allHandled, [.. all, "not_a_field"]);
        var allButOne = new ConversionContext();
        UnsupportedFields.Warn(message, "", allButOne, [.. all.Where(name => name != expected.FirstOrDefault()), "not_a_field"]);

        return expected.SequenceEqual(warnedNames) && expected.SequenceEqual(rejectedNames) && ok == (expected.Count == 0)
            && expected.Skip(1).SequenceEqual(handledNames)
            && allHandled.Warnings.Count == 0
            && expected.Take(1).SequenceEqual(allButOne.Warnings.Select(w => w.FieldPath))
            ? null
            : $"{message.Descriptor.FullName} {message}: descriptor walk [{string.Join(", ", expected)}], Warn [{string.Join(", ", warnedNames)}], Reject [{string.Join(", ", rejectedNames)}]";
    }

    private static IEnumerable<IMessage> ConfigCorpus()
    {
        var repository = Repository();
        foreach (var file in new[] { "deploy/examples/tcp-proxy.yaml", "deploy/examples/ads-istiod.yaml", "deploy/examples/files/bootstrap.yaml" })
        {
            yield return Parser.Parse<BootstrapProto>(YamlJsonConverter.Convert(File.ReadAllText(Path.Combine(repository, file))));
        }

        foreach (var file in new[] { "deploy/examples/files/cds.yaml", "deploy/examples/files/lds.yaml" })
        {
            yield return Parser.Parse<DiscoveryResponse>(YamlJsonConverter.Convert(File.ReadAllText(Path.Combine(repository, file))));
        }

        yield return Parser.Parse<BootstrapProto>(YamlJsonConverter.Convert(BootstrapSamples.Yaml));
        yield return Parser.Parse<BootstrapProto>(BootstrapSamples.Json);
        yield return Parser.Parse<BootstrapProto>(YamlJsonConverter.Convert(BootstrapSamples.Minimal));
        foreach (var response in IstioFixture.Load().InPushOrder)
        {
            yield return response;
        }
    }

    private static string Repository([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", ".."));

    /// <summary>The message and every message under it, the contents of each <c>Any</c> included.</summary>
    private static IEnumerable<IMessage> Walk(IMessage message)
    {
        yield return message;
        if (message is Any any && any.Unpack(EnvoyTypeRegistry.Instance) is { } inner)
        {
            foreach (var nested in Walk(inner))
            {
                yield return nested;
            }
        }

        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (field.FieldType != FieldType.Message)
            {
                continue;
            }

            var value = field.Accessor.GetValue(message);
            var children = field.IsMap ? ((IDictionary)value).Values.Cast<object>() : field.IsRepeated ? ((IList)value).Cast<object>() : [value];
            foreach (var child in children.OfType<IMessage>())
            {
                foreach (var nested in Walk(child))
                {
                    yield return nested;
                }
            }
        }
    }

    private static IEnumerable<MessageDescriptor> AllMessages() =>
        EnvoyTypeRegistry.GeneratedFiles()
            .SelectMany(Closure)
            .DistinctBy(file => file.Name)
            .Where(file => file.Name != "google/protobuf/descriptor.proto")
            .SelectMany(file => file.MessageTypes)
            .SelectMany(Nested)
            .Where(message => message.ClrType is not null);

    private static IEnumerable<FileDescriptor> Closure(FileDescriptor file) => file.Dependencies.SelectMany(Closure).Append(file);

    private static IEnumerable<MessageDescriptor> Nested(MessageDescriptor message) => message.NestedTypes.SelectMany(Nested).Prepend(message);

    /// <summary>
    /// The empty message; each field alone set to each sample of its type (defaults, non-defaults, -0.0, NaN, empty
    /// strings, bytes and sub-messages; one element or entry for repeated and map fields); and every field at once set
    /// to the n-th sample (a oneof ends up holding its last member).
    /// </summary>
    private static IEnumerable<IMessage> Probes(MessageDescriptor descriptor)
    {
        yield return New(descriptor);
        var fields = descriptor.Fields.InDeclarationOrder();
        var variants = 0;
        foreach (var field in fields)
        {
            var count = Samples(ElementType(descriptor, field)).Count;
            variants = Math.Max(variants, count);
            for (var i = 0; i < count; i++)
            {
                var message = New(descriptor);
                Set(message, descriptor, field, i);
                yield return message;
            }
        }

        for (var i = 0; i < variants; i++)
        {
            var message = New(descriptor);
            foreach (var field in fields)
            {
                Set(message, descriptor, field, i);
            }

            yield return message;
        }
    }

    private static IMessage New(MessageDescriptor descriptor) => (IMessage)Activator.CreateInstance(descriptor.ClrType)!;

    private static Type PropertyType(MessageDescriptor descriptor, FieldDescriptor field) =>
        descriptor.ClrType.GetProperty(field.PropertyName, BindingFlags.Public | BindingFlags.Instance)!.PropertyType;

    /// <summary>The CLR type of a singular field's value, a repeated field's element or a map field's value.</summary>
    private static Type ElementType(MessageDescriptor descriptor, FieldDescriptor field)
    {
        var type = PropertyType(descriptor, field);
        return field.IsMap ? type.GetGenericArguments()[1] : field.IsRepeated ? type.GetGenericArguments()[0] : type;
    }

    /// <summary>Sets the field to its type's <paramref name="variant"/>-th sample (the last one when there are fewer).</summary>
    private static void Set(IMessage message, MessageDescriptor descriptor, FieldDescriptor field, int variant)
    {
        var samples = Samples(ElementType(descriptor, field));
        var value = samples[Math.Min(variant, samples.Count - 1)];
        if (field.IsMap)
        {
            var keys = Samples(PropertyType(descriptor, field).GetGenericArguments()[0]);
            ((IDictionary)field.Accessor.GetValue(message))[keys[Math.Min(variant, keys.Count - 1)]] = value;
        }
        else if (field.IsRepeated)
        {
            ((IList)field.Accessor.GetValue(message)).Add(value);
        }
        else
        {
            field.Accessor.SetValue(message, value);
        }
    }

    /// <summary>Values of a field type, the default first; wrapper fields (<c>uint?</c>, <c>string</c>) take their value's.</summary>
    private static List<object> Samples(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(double) => [0d, -0d, 1.5d, double.NaN],
            _ when type == typeof(float) => [0f, -0f, 1.5f, float.NaN],
            _ when type == typeof(long) => [0L, 1L, -1L],
            _ when type == typeof(ulong) => [0UL, 1UL],
            _ when type == typeof(int) => [0, 1, -1],
            _ when type == typeof(uint) => [0U, 1U],
            _ when type == typeof(bool) => [false, true],
            _ when type == typeof(string) => ["", "x"],
            _ when type == typeof(ByteString) => [ByteString.Empty, ByteString.CopyFromUtf8("x")],
            { IsEnum: true } => [System.Enum.ToObject(type, 0), System.Enum.ToObject(type, 1)],
            _ when typeof(IMessage).IsAssignableFrom(type) => [Activator.CreateInstance(type)!],
            _ => throw new NotSupportedException($"no samples for {type}"),
        };
    }
}
