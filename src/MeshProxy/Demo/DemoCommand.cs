using System.Globalization;
using MeshProxy.Hosting;
using MeshProxy.Xds.Bootstrap;

namespace MeshProxy.Demo;

/// <summary>
/// <c>meshproxy demo</c>: the embedded default. Starts a built-in upstream on loopback and runs MeshProxy on an
/// embedded Envoy bootstrap (loaded through the same loader as <c>-c FILE</c>) whose listener proxies to it.
/// </summary>
internal static class DemoCommand
{
    public const int DefaultListenerPort = 10000;
    public const int DefaultAdminPort = 9901;

    // An ordinary Envoy v3 bootstrap; {UPSTREAM_PORT} and friends are filled in at start.
    private const string BootstrapTemplate = """
        node:
          id: meshproxy-demo
          cluster: demo
        admin:
          address:
            socket_address: { address: 127.0.0.1, port_value: {ADMIN_PORT} }
        static_resources:
          listeners:
          - name: demo_tcp
            address:
              socket_address: { address: 127.0.0.1, port_value: {LISTENER_PORT} }
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: demo_tcp
                  cluster: demo_upstream
                  idle_timeout: 300s
          clusters:
          - name: demo_upstream
            type: STATIC
            connect_timeout: 1s
            lb_policy: ROUND_ROBIN
            load_assignment:
              cluster_name: demo_upstream
              endpoints:
              - lb_endpoints:
                - endpoint:
                    address:
                      socket_address: { address: 127.0.0.1, port_value: {UPSTREAM_PORT} }
        """;

    public static async Task<int> RunAsync(HostOptions options, CancellationToken cancellationToken, int listenerPort = DefaultListenerPort, int adminPort = DefaultAdminPort)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var upstream = DemoUpstream.Start("demo-upstream");
        var yaml = BootstrapTemplate
            .Replace("{ADMIN_PORT}", adminPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{LISTENER_PORT}", listenerPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{UPSTREAM_PORT}", upstream.EndPoint.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var loaded = BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml);
        return await ProxyHost.RunAsync(loaded, options, cancellationToken, (runtime, admin) =>
        {
            var listener = runtime.Listeners[0].EndPoint;
            Console.Out.WriteLine($"""

                MeshProxy demo is running (Ctrl-C to stop).
                  listener demo_tcp  {listener}  -> tcp_proxy -> cluster demo_upstream ({upstream.EndPoint}, built in)
                  admin              {admin?.EndPoint}

                Try:
                  curl -s http://{listener}/
                  echo hello | nc -q 1 {listener.Address} {listener.Port}
                  curl -s http://{admin?.EndPoint}/stats
                  curl -s http://{admin?.EndPoint}/config_dump
                  curl -s -X POST 'http://{admin?.EndPoint}/logging?level=debug'

                """);
        }).ConfigureAwait(false);
    }
}
