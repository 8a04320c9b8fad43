using System.Reflection;
using System.Runtime.Loader;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf.Reflection;
using MeshProxy.Core.Config;
using MeshProxy.Xds.Bootstrap;
using MeshProxy.Xds.Conversion;
using BootstrapProto = Envoy.Config.Bootstrap.V3.Bootstrap;

namespace MeshProxy.Tests.Xds.Conversion;

/// <summary>
/// Runs inside <see cref="ConversionWithoutDescriptorsTests"/>'s own load context, where Google.Protobuf and the
/// generated types are fresh copies whose descriptors nothing has built yet: converts the configs it is given (as
/// bytes, so that nothing parses JSON here), then reports how much each generated file's descriptor allocates when it
/// is first asked for. A file whose descriptor the conversion built answers for nothing; one built only now allocates
/// its <c>FileDescriptor</c> and every message and field in it.
/// </summary>
internal static class ConversionWithoutDescriptors
{
    /// <param name="bootstraps">Serialized bootstraps, each loaded with <see cref="BootstrapLoader.Load"/>.</param>
    /// <param name="responses">Serialized SotW responses, each resource converted by its converter.</param>
    /// <param name="reflectionClasses">Generated <c>...Reflection</c> classes as <c>assembly|type</c>, each file after its imports.</param>
    /// <returns>The warnings and errors recorded (so the caller sees which paths ran), then bytes allocated per descriptor
    /// by the first access and by a second one.</returns>
    public static (List<string> Diagnostics, List<long> FirstAccess, List<long> SecondAccess) Run(
        List<byte[]> bootstraps, List<byte[]> responses, List<string> reflectionClasses)
    {
        var diagnostics = new List<string>();
        foreach (var bytes in bootstraps)
        {
            try
            {
                diagnostics.AddRange(BootstrapLoader.Load(BootstrapProto.Parser.ParseFrom(bytes)).Warnings.Select(w => w.ToString()));
            }
            catch (ConfigException ex)
            {
                diagnostics.AddRange(ex.Errors.Select(e => e.ToString()));
            }
        }

        foreach (var bytes in responses)
        {
            var context = new ConversionContext();
            var response = DiscoveryResponse.Parser.ParseFrom(bytes);
            foreach (var any in response.Resources)
            {
                _ = response.TypeUrl switch
                {
                    "type.googleapis.com/envoy.config.listener.v3.Listener" =>
                        (object?)ListenerConverter.Convert(Listener.Parser.ParseFrom(any.Value), "l", RuntimeConfig.Empty, context),
                    "type.googleapis.com/envoy.config.cluster.v3.Cluster" => ClusterConverter.Convert(Cluster.Parser.ParseFrom(any.Value), "c", context),
                    "type.googleapis.com/envoy.config.route.v3.RouteConfiguration" =>
                        RouteConfigurationConverter.Convert(RouteConfiguration.Parser.ParseFrom(any.Value), "r", context),
                    "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment" =>
                        ClusterLoadAssignmentConverter.Convert(ClusterLoadAssignment.Parser.ParseFrom(any.Value), "e", context),
                    _ => throw new InvalidOperationException(response.TypeUrl),
                };
            }

            diagnostics.AddRange(context.Warnings.Concat(context.Errors).Select(d => d.ToString()));
        }

        // In the order given (each file after its imports), so that asking for one builds no other.
        var loadContext = AssemblyLoadContext.GetLoadContext(typeof(ConversionWithoutDescriptors).Assembly)!;
        var getters = reflectionClasses
            .Select(name => name.Split('|'))
            .Select(name => loadContext.LoadFromAssemblyName(new AssemblyName(name[0])).GetType(name[1], throwOnError: true)!)
            .Select(type => type.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)!.GetMethod!.CreateDelegate<Func<FileDescriptor>>())
            .ToList();
        var firstAccess = getters.Select(Measure).ToList();
        var secondAccess = getters.Select(Measure).ToList();
        return (diagnostics, firstAccess, secondAccess);
    }

    private static long Measure(Func<FileDescriptor> descriptor)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        GC.KeepAlive(descriptor());
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
