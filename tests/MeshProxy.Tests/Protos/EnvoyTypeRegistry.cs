using System.Reflection;
using Envoy.Config.Listener.V3;
using Google.Protobuf.Reflection;

namespace MeshProxy.Tests.Protos;

/// <summary>A <see cref="TypeRegistry"/> holding every message generated in Envoy.Api.Protos.</summary>
internal static class EnvoyTypeRegistry
{
    public static TypeRegistry Instance { get; } = TypeRegistry.FromFiles(GeneratedFiles().ToArray());

    public static IEnumerable<FileDescriptor> GeneratedFiles() =>
        typeof(Listener).Assembly.GetExportedTypes()
            .Where(type => type.IsAbstract && type.IsSealed && type.Name.EndsWith("Reflection", StringComparison.Ordinal))
            .Select(type => type.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null))
            .OfType<FileDescriptor>();
}
