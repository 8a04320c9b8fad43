using System.Globalization;
using System.Net;
using System.Text;

namespace MeshProxy.Tests.Http.Conformance;

/// <summary>
/// Envoy bootstrap YAML for the conformance suite: one listener on 127.0.0.1 (ephemeral port) running the HTTP
/// connection manager with an inline route configuration and the router, and STATIC clusters. Tests write their
/// <c>route_config</c> body and cluster extras as YAML, exactly as a user would.
/// </summary>
internal static class ProxyYaml
{
    private const string Template = """
        static_resources:
          listeners:
          - name: http_conformance
            address:
              socket_address: { address: 127.0.0.1, port_value: 0 }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: conformance
                  route_config:
                    name: conformance_routes
        {ROUTES}
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        {HCM}
          clusters:
        {CLUSTERS}
        """;

    /// <param name="routeConfig">The body of <c>route_config</c> (<c>virtual_hosts: ...</c>).</param>
    /// <param name="clusters">Items from <see cref="Cluster"/>.</param>
    /// <param name="hcm">More HttpConnectionManager fields (<c>use_remote_address: true</c>, ...).</param>
    public static string Bootstrap(string routeConfig, IEnumerable<string> clusters, string hcm = "")
    {
        var clusterText = string.Join("\n", clusters.Select(c => Indent(c, 2)));
        return Template
            .Replace("{ROUTES}", Indent(routeConfig, 12), StringComparison.Ordinal)
            .Replace("{HCM}", Indent(hcm, 10), StringComparison.Ordinal)
            .Replace("{CLUSTERS}", clusterText.Length == 0 ? "  []" : clusterText, StringComparison.Ordinal);
    }

    /// <summary>A STATIC cluster item; <paramref name="extra"/> adds Cluster fields (<c>lb_policy</c>, <c>circuit_breakers</c>).</summary>
    public static string Cluster(string name, IEnumerable<IPEndPoint> endpoints, string extra = "", string connectTimeout = "1s")
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"- name: {name}\n");
        text.Append("  type: STATIC\n");
        text.Append(CultureInfo.InvariantCulture, $"  connect_timeout: {connectTimeout}\n");
        text.Append("  load_assignment:\n");
        text.Append(CultureInfo.InvariantCulture, $"    cluster_name: {name}\n");
        var list = endpoints.ToList();
        if (list.Count == 0)
        {
            text.Append("    endpoints: []\n");
        }
        else
        {
            text.Append("    endpoints:\n    - lb_endpoints:\n");
            foreach (var endpoint in list)
            {
                text.Append(CultureInfo.InvariantCulture, $"      - endpoint: {{ address: {{ socket_address: {{ address: {endpoint.Address}, port_value: {endpoint.Port} }} }} }}\n");
            }
        }

        if (extra.Length > 0)
        {
            text.Append(Indent(extra, 2)).Append('\n');
        }

        return text.ToString().TrimEnd('\n');
    }

    public static string Cluster(string name, params IPEndPoint[] endpoints) => Cluster(name, endpoints, "");

    private static string Indent(string text, int spaces)
    {
        if (text.Length == 0)
        {
            return "";
        }

        var pad = new string(' ', spaces);
        return string.Join("\n", text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n').Select(l => l.Length == 0 ? l : pad + l));
    }
}
