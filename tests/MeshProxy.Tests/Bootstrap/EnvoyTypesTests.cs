using MeshProxy.Tests.Protos;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Tests.Bootstrap;

public sealed class EnvoyTypesTests
{
    // The production registry lists root files by hand (no reflection, NativeAOT friendly); this keeps it
    // in step with what the protos project generates, found here by reflection.
    [Fact]
    public void Registry_EveryGeneratedMessage_IsKnown()
    {
        var missing = EnvoyTypeRegistry.GeneratedFiles()
            .SelectMany(file => file.MessageTypes)
            .Select(message => message.FullName)
            .Where(name => EnvoyTypes.Registry.Find(name) is null)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Empty(missing);
    }

    [Fact]
    public void Roots_EachPackage_IsItsFilesPackage()
    {
        Assert.All(EnvoyTypes.Roots, root => Assert.Equal(root.Package, root.File().Package));
    }
}
