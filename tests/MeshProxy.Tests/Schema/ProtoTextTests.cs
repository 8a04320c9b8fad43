using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Envoy;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Route.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Xds.Schema;
using Xunit;

namespace MeshProxy.Tests.Schema;

/// <summary>
/// The generated Envoy types' <c>ToString</c> goes through <see cref="ProtoText"/> (the Envoy.Api.Protos build rewrites
/// protoc's call to <c>JsonFormatter.ToDiagnosticString</c>), and MeshProxy.Xds makes it protobuf JSON. The shipped binary
/// stubs <c>JsonFormatter</c> out (src/MeshProxy/Google.Protobuf.Substitutions.xml), so nothing of ours may use it.
/// </summary>
public class ProtoTextTests
{
    [Fact]
    public void GeneratedToString_IsProtobufJsonWithProtoFieldNames()
    {
        var cluster = new Cluster
        {
            Name = "backend",
            ConnectTimeout = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(1500)),
            LbPolicy = Cluster.Types.LbPolicy.RingHash,
        };

        Assert.Equal("""{"name":"backend","connect_timeout":"1.500s","lb_policy":"RING_HASH"}""", cluster.ToString());
        Assert.Equal(ProtoJsonWriter.Format(cluster), cluster.ToString());
    }

    [Fact]
    public void GeneratedToString_NestedAnyIsExpanded()
    {
        var route = new RouteConfiguration { Name = "r" };
        var holder = new TypedExtensionConfig { Name = "x", TypedConfig = Any.Pack(route) };

        Assert.Equal(
            """{"name":"x","typed_config":{"@type":"type.googleapis.com/envoy.config.route.v3.RouteConfiguration","name":"r"}}""",
            holder.ToString());
    }

    [Fact]
    public void GeneratedToString_ValueJsonCannotHold_StillDescribesTheMessage()
    {
        var cluster = new Cluster { Name = "c", ConnectTimeout = new Duration { Seconds = long.MaxValue } };

        var text = cluster.ToString();

        Assert.StartsWith("Envoy.Config.Cluster.V3.Cluster (", text, StringComparison.Ordinal);
        Assert.Contains("connect_timeout", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Envoy.Api.Protos")]
    [InlineData("MeshProxy.Core")]
    [InlineData("MeshProxy.Xds")]
    [InlineData("MeshProxy.Protocols.Http1")]
    [InlineData("meshproxy")]
    public void ShippedAssembly_DoesNotReferenceJsonFormatter(string assemblyName)
    {
        var path = Assembly.Load(assemblyName).Location;
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();

        var references = metadata.TypeReferences
            .Select(handle => metadata.GetTypeReference(handle))
            .Select(reference => metadata.GetString(reference.Namespace) + "." + metadata.GetString(reference.Name))
            .ToHashSet(StringComparer.Ordinal);

        if (assemblyName == "Envoy.Api.Protos")
        {
            Assert.Contains("Google.Protobuf.IMessage", references); // the scan does see Google.Protobuf's types
        }

        Assert.DoesNotContain("Google.Protobuf.JsonFormatter", references);
    }
}
