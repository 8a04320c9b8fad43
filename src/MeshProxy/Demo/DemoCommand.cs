using System.Globalization;
using MeshProxy.Hosting;
using MeshProxy.Xds.Bootstrap;

namespace MeshProxy.Demo;

/// <summary>
/// <c>meshproxy demo</c>: the embedded default. Starts two built-in upstreams on loopback and runs MeshProxy on an
/// embedded Envoy bootstrap (loaded through the same loader as <c>-c FILE</c>) with a tcp_proxy listener in front of
/// one of them and an HTTP listener (connection manager and router) that routes between both.
/// </summary>
internal static class DemoCommand
{
    public const int DefaultListenerPort = 10000;
    public const int DefaultHttpListenerPort = 10080;
    public const int DefaultAdminPort = 9901;

    // An ordinary Envoy v3 bootstrap; listeners and clusters come from files (path_config_source) that the demo writes
    // next to it, so a user can change routing while it runs, without a control plane. {PLACEHOLDERS} are filled in.
    private const string BootstrapTemplate = """
        node:
          id: meshproxy-demo
          cluster: demo
        admin:
          address:
            socket_address: { address: 127.0.0.1, port_value: {ADMIN_PORT} }
        dynamic_resources:
          cds_config:
            path_config_source: { path: "{CDS_PATH}" }
          lds_config:
            path_config_source: { path: "{LDS_PATH}" }
        """;

    private const string ClustersTemplate = """
        # Clusters (CDS). MeshProxy re-reads this file when it changes.
        version_info: "1"
        resources:
        - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
          name: demo_upstream_a
          type: STATIC
          connect_timeout: 1s
          load_assignment:
            cluster_name: demo_upstream_a
            endpoints:
            - lb_endpoints:
              - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {UPSTREAM_A_PORT} } } }
        - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
          name: demo_upstream_b
          type: STATIC
          connect_timeout: 1s
          load_assignment:
            cluster_name: demo_upstream_b
            endpoints:
            - lb_endpoints:
              - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {UPSTREAM_B_PORT} } } }
        """;

    private const string ListenersTemplate = """
        # Listeners (LDS). MeshProxy re-reads this file when it changes; a changed listener drains its old connections.
        version_info: "1"
        resources:
        - "@type": type.googleapis.com/envoy.config.listener.v3.Listener
          name: demo_tcp
          address:
            socket_address: { address: 127.0.0.1, port_value: {LISTENER_PORT} }
          filter_chains:
          - filters:
            - name: envoy.filters.network.tcp_proxy
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                stat_prefix: demo_tcp
                cluster: demo_upstream_a
                idle_timeout: 300s
        - "@type": type.googleapis.com/envoy.config.listener.v3.Listener
          name: demo_http
          address:
            socket_address: { address: 127.0.0.1, port_value: {HTTP_LISTENER_PORT} }
          filter_chains:
          - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: demo_http
                route_config:
                  name: demo_routes
                  virtual_hosts:
                  - name: demo
                    domains: ["*"]
                    routes:
                    - match: { prefix: "/a" }
                      route: { cluster: demo_upstream_a }
                    - match: { prefix: "/b" }
                      route: { cluster: demo_upstream_b }
                    - match: { prefix: "/" }
                      route:
                        weighted_clusters:
                          clusters:
                          - { name: demo_upstream_a, weight: 80 }
                          - { name: demo_upstream_b, weight: 20 }
                http_filters:
                - name: envoy.filters.http.router
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        """;

    public static async Task<int> RunAsync(
        HostOptions options,
        CancellationToken cancellationToken,
        int listenerPort = DefaultListenerPort,
        int adminPort = DefaultAdminPort,
        int httpListenerPort = DefaultHttpListenerPort)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var upstreamA = DemoUpstream.Start("demo-upstream-a");
        await using var upstreamB = DemoUpstream.Start("demo-upstream-b");
        var directory = Directory.CreateTempSubdirectory("meshproxy-demo-");
        try
        {
            var cdsPath = Path.Combine(directory.FullName, "cds.yaml");
            var ldsPath = Path.Combine(directory.FullName, "lds.yaml");
            await File.WriteAllTextAsync(cdsPath, Fill(ClustersTemplate), cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(ldsPath, Fill(ListenersTemplate), cancellationToken).ConfigureAwait(false);
            var loaded = BootstrapLoader.LoadText(Fill(BootstrapTemplate), BootstrapFormat.Yaml);

            return await ProxyHost.RunAsync(loaded, options, cancellationToken, (runtime, admin) =>
            {
                Console.Out.WriteLine($"""

                    MeshProxy demo is running (Ctrl-C to stop).
                      listener demo_tcp   127.0.0.1:{listenerPort}  -> tcp_proxy -> cluster demo_upstream_a ({upstreamA.EndPoint}, built in)
                      listener demo_http  127.0.0.1:{httpListenerPort}  -> HTTP router: /a -> demo_upstream_a, /b -> demo_upstream_b,
                                                          / -> 80% demo_upstream_a, 20% demo_upstream_b
                      cluster demo_upstream_b                                  ({upstreamB.EndPoint}, built in)
                      admin              {admin?.EndPoint}
                      listeners from     {ldsPath}
                      clusters from      {cdsPath}

                    Try:
                      curl -s http://127.0.0.1:{httpListenerPort}/a
                      curl -s http://127.0.0.1:{httpListenerPort}/b
                      for i in $(seq 10); do curl -s http://127.0.0.1:{httpListenerPort}/; done   # about 8 a, 2 b
                      curl -s http://127.0.0.1:{listenerPort}/
                      echo hello | nc -q 1 127.0.0.1 {listenerPort}
                      sed -i '/tcp_proxy/,/idle_timeout/s/demo_upstream_a/demo_upstream_b/' {ldsPath}   # reroute tcp, no restart
                      curl -s http://127.0.0.1:{listenerPort}/
                      curl -s http://{admin?.EndPoint}/stats
                      curl -s http://{admin?.EndPoint}/config_dump
                      curl -s -X POST 'http://{admin?.EndPoint}/logging?level=debug'

                    """);
            }).ConfigureAwait(false);
        }
        finally
        {
            directory.Delete(recursive: true);
        }

        string Fill(string template) => template
            .Replace("{ADMIN_PORT}", adminPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{LISTENER_PORT}", listenerPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{HTTP_LISTENER_PORT}", httpListenerPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{UPSTREAM_A_PORT}", upstreamA.EndPoint.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{UPSTREAM_B_PORT}", upstreamB.EndPoint.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{CDS_PATH}", Path.Combine(directory.FullName, "cds.yaml"), StringComparison.Ordinal)
            .Replace("{LDS_PATH}", Path.Combine(directory.FullName, "lds.yaml"), StringComparison.Ordinal);
    }
}
