using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using MeshProxy.Tests.Support;
using MeshProxy.Xds.Client;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Tests.Xds.Integration;

/// <summary>path_config_source: LDS/CDS from files that are replaced atomically while the proxy runs.</summary>
public sealed class XdsFileSourceTests : IDisposable
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithTypeRegistry(EnvoyTypes.Registry));
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("meshproxy-xdsit-");

    private string LdsPath => Path.Combine(_directory.FullName, "lds.json");

    private string CdsPath => Path.Combine(_directory.FullName, "cds.json");

    [Fact(Timeout = 30_000)]
    public async Task PathConfigSource_LdsFileReplacedAtomically_NewConnectionsGoToTheOtherClusterAndAMalformedFileKeepsTheLastGood()
    {
        var port = XdsTestRig.FreePort();
        await using var a = XdsTestRig.GreetingUpstream("a");
        await using var b = XdsTestRig.GreetingUpstream("b");
        Write(CdsPath, XdsTypeUrls.Cluster, "1", XdsProtos.StaticCluster("a", a.EndPoint), XdsProtos.StaticCluster("b", b.EndPoint));
        Write(LdsPath, XdsTypeUrls.Listener, "1", XdsProtos.TcpListener("in", port, "a"));
        await using var rig = await XdsTestRig.StartWithBootstrapAsync($$"""
            node: {id: files, cluster: files}
            dynamic_resources:
              cds_config: {path_config_source: {path: "{{CdsPath}}"}, resource_api_version: V3}
              lds_config: {path_config_source: {path: "{{LdsPath}}"}, resource_api_version: V3}
            """);
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(port));
        using var open = await Conversation.OpenAsync(port);

        Write(LdsPath, XdsTypeUrls.Listener, "2", XdsProtos.TcpListener("in", port, "b"));

        await XdsTestRig.WaitForUpstreamAsync(port, "b");
        await open.EchoAsync("the connection from before the file changed still works");

        WriteText(LdsPath, """{"version_info": "3", "resources": [ {"@type": "type.googleapis.com/envoy.config.listener.v3.Listener", "name": """);

        await XdsTestRig.WaitUntilAsync(() => rig.Counter("listener_manager.lds.update_rejected") == 1, "the malformed file rejected");
        Assert.Equal("b", await XdsTestRig.RoundTripAsync(port));
        var listeners = rig.Store.Dump().Types.Single(t => t.TypeUrl == XdsTypeUrls.Listener);
        Assert.Equal("2", listeners.VersionInfo);
        Assert.StartsWith(LdsPath + ": not a DiscoveryResponse", listeners.LastRejection?.Details);
        Assert.Equal(2, rig.Counter("listener_manager.lds.update_success"));
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private static void Write(string path, string typeUrl, string version, params IMessage[] resources)
    {
        var response = FakeControlPlane.SotwResponse(typeUrl, version, nonce: string.Empty, resources);
        WriteText(path, Formatter.Format(response));
    }

    // As Envoy asks of writers: write elsewhere in the directory, then rename over the watched file.
    private static void WriteText(string path, string text)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
