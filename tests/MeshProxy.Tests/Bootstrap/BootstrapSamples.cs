namespace MeshProxy.Tests.Bootstrap;

/// <summary>The same bootstrap in YAML and JSON: node, admin, runtime limit, a tcp_proxy listener and a STATIC cluster
/// with two priorities (a weighted locality at 0, a second at 1).</summary>
internal static class BootstrapSamples
{
    public const string Yaml = """
        node:
          id: sidecar~10.0.0.1~web-0.shop~shop.svc.cluster.local
          cluster: web.shop
          metadata:
            ISTIO_VERSION: "1.22.0"
            LABELS: {app: web, version: v1}
            INTERCEPTION_MODE: REDIRECT
        admin:
          address:
            socket_address: { address: 127.0.0.1, port_value: 15000 }
        layered_runtime:
          layers:
          - name: static
            static_layer:
              envoy.resource_limits.listener.ingress.connection_limit: 100
              overload: {global_downstream_max_connections: 5000}
        static_resources:
          listeners:
          - name: ingress
            address:
              socket_address: { address: 0.0.0.0, port_value: 10000 }
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: ingress_tcp
                  cluster: backend
                  idle_timeout: 30s
          clusters:
          - name: backend
            type: STATIC
            connect_timeout: 0.25s
            lb_policy: ROUND_ROBIN
            per_connection_buffer_limit_bytes: 32768
            load_assignment:
              cluster_name: backend
              endpoints:
              - locality: { region: eu-west1, zone: a }
                load_balancing_weight: 2
                lb_endpoints:
                - endpoint:
                    address:
                      socket_address: { address: 127.0.0.3, port_value: 8082 }
              - priority: 1
                locality: { region: eu-west1, zone: b }
                lb_endpoints:
                - endpoint:
                    address:
                      socket_address: { address: "::1", port_value: 8080 }
                  load_balancing_weight: 3
                  health_status: HEALTHY
                - endpoint:
                    address:
                      socket_address: { address: 127.0.0.2, port_value: 8081 }
        """;

    public const string Json = """
        {
          "node": {
            "id": "sidecar~10.0.0.1~web-0.shop~shop.svc.cluster.local",
            "cluster": "web.shop",
            "metadata": {
              "ISTIO_VERSION": "1.22.0",
              "LABELS": { "app": "web", "version": "v1" },
              "INTERCEPTION_MODE": "REDIRECT"
            }
          },
          "admin": { "address": { "socket_address": { "address": "127.0.0.1", "port_value": 15000 } } },
          "layered_runtime": {
            "layers": [
              {
                "name": "static",
                "static_layer": {
                  "envoy.resource_limits.listener.ingress.connection_limit": 100,
                  "overload": { "global_downstream_max_connections": 5000 }
                }
              }
            ]
          },
          "static_resources": {
            "listeners": [
              {
                "name": "ingress",
                "address": { "socket_address": { "address": "0.0.0.0", "port_value": 10000 } },
                "filter_chains": [
                  {
                    "filters": [
                      {
                        "name": "envoy.filters.network.tcp_proxy",
                        "typed_config": {
                          "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                          "stat_prefix": "ingress_tcp",
                          "cluster": "backend",
                          "idle_timeout": "30s"
                        }
                      }
                    ]
                  }
                ]
              }
            ],
            "clusters": [
              {
                "name": "backend",
                "type": "STATIC",
                "connectTimeout": "0.25s",
                "lb_policy": "ROUND_ROBIN",
                "per_connection_buffer_limit_bytes": 32768,
                "load_assignment": {
                  "cluster_name": "backend",
                  "endpoints": [
                    {
                      "locality": { "region": "eu-west1", "zone": "a" },
                      "load_balancing_weight": 2,
                      "lb_endpoints": [
                        { "endpoint": { "address": { "socket_address": { "address": "127.0.0.3", "port_value": 8082 } } } }
                      ]
                    },
                    {
                      "priority": 1,
                      "locality": { "region": "eu-west1", "zone": "b" },
                      "lb_endpoints": [
                        {
                          "endpoint": { "address": { "socket_address": { "address": "::1", "port_value": 8080 } } },
                          "load_balancing_weight": 3,
                          "health_status": "HEALTHY"
                        },
                        {
                          "endpoint": { "address": { "socket_address": { "address": "127.0.0.2", "port_value": "8081" } } }
                        }
                      ]
                    }
                  ]
                }
              }
            ]
          }
        }
        """;

    /// <summary>A minimal valid YAML bootstrap to which tests append or in which they replace lines.</summary>
    public const string Minimal = """
        static_resources:
          listeners:
          - name: l1
            address:
              socket_address: { address: 127.0.0.1, port_value: 10000 }
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: l1
                  cluster: c1
          clusters:
          - name: c1
            connect_timeout: 1s
            load_assignment:
              cluster_name: c1
              endpoints:
              - lb_endpoints:
                - endpoint:
                    address:
                      socket_address: { address: 127.0.0.1, port_value: 9000 }
        """;
}
