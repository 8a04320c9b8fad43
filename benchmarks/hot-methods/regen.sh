#!/usr/bin/env bash
# Regenerates src/MeshProxy/hot-methods.order: the methods start-up, tcp_proxy and HTTP/1.1 traffic and the admin
# endpoint run, in ILC's mangled names. See README.md. Needs dotnet, curl and python3 (an HTTP origin); ~5 minutes.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
proj=$root/src/MeshProxy/MeshProxy.csproj
native=$root/src/MeshProxy/obj/Release/net10.0/linux-x64/native
order=$root/src/MeshProxy/hot-methods.order
work=$(mktemp -d)
base_port=${HOT_METHODS_BASE_PORT:-47100} # five ports from here: admin, tcp listener, http listener, echo, http origin
admin=$base_port tcp=$((base_port + 1)) http=$((base_port + 2)) echo_port=$((base_port + 3)) origin=$((base_port + 4))
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# ILC options have no MSBuild property: a targets file imported after Microsoft.Common.targets adds them.
ilc_args() { # ARG... -> path of a targets file adding them as IlcArg items
  local f=$work/ilc-$RANDOM.targets
  { echo '<Project><ItemGroup>'; for a in "$@"; do echo "<IlcArg Include=\"$a\" />"; done; echo '</ItemGroup></Project>'; } >"$f"
  echo "$f"
}
publish() { # OUT TARGETS [PROPS...]
  local out=$1 targets=$2; shift 2
  dotnet publish "$proj" -c Release -o "$out" -p:IlcOrderFile= "-p:CustomAfterMicrosoftCommonTargets=$targets" "$@" >"$out.log" 2>&1 \
    || { tail -20 "$out.log"; exit 1; }
}

echo "1/4 instrumented build (every non-generic method sets a flag when first run; the flags go to reach.mprof at exit)"
publish "$work/inst" "$(ilc_args --reachabilityinstrument \
  --feature:Internal.Runtime.CompilerHelpers.ReachabilityInstrumentationSupport=true)"

echo "2/4 scenarios"
dotnet build -c Release "$root/benchmarks/MeshProxy.LoadGen" >"$work/loadgen.log" 2>&1 || { tail -20 "$work/loadgen.log"; exit 1; }
loadgen=$root/benchmarks/MeshProxy.LoadGen/bin/Release/net10.0/MeshProxy.LoadGen
"$loadgen" echo --listen "127.0.0.1:$echo_port" --seconds 600 >/dev/null 2>&1 & pids+=($!)
(cd "$work" && exec python3 -m http.server "$origin" --bind 127.0.0.1) >/dev/null 2>&1 & pids+=($!)
cat >"$work/config.yaml" <<YAML
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: $admin } }
static_resources:
  listeners:
  - name: tcp
    address: { socket_address: { address: 127.0.0.1, port_value: $tcp } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: tcp
          cluster: echo
  - name: http
    address: { socket_address: { address: 127.0.0.1, port_value: $http } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: http
          codec_type: AUTO
          http_filters:
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
          route_config:
            name: local
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - { match: { prefix: "/svc1/" }, route: { cluster: origin } }
              - { match: { prefix: "/" }, route: { cluster: origin } }
  clusters:
  - name: echo
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: echo
      endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: $echo_port } } } } ] } ]
  - name: origin
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: origin
      endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: $origin } } } } ] } ]
YAML
(cd "$work" && exec "$work/inst/meshproxy" -c "$work/config.yaml" --log-level warning) >"$work/meshproxy.log" 2>&1 &
proxy=$!; pids+=($proxy)
for _ in $(seq 1 200); do curl -sf -o /dev/null "http://127.0.0.1:$admin/ready" && break; sleep 0.05; done
"$loadgen" pingpong --target "127.0.0.1:$tcp" --connections 16 --size 1024 --warmup 0 --duration 3 >/dev/null
"$loadgen" http --target "127.0.0.1:$http" --path / --connections 8 --warmup 0 --duration 3 >/dev/null
"$loadgen" http --target "127.0.0.1:$http" --path /svc1/x --connections 2 --warmup 0 --duration 1 --close >/dev/null
for path in /ready /stats '/stats?format=json' /config_dump; do curl -s -o /dev/null "http://127.0.0.1:$admin$path"; done
kill -TERM "$proxy"; wait "$proxy" || true
[ -s "$work/reach.mprof" ] || { echo "no reach.mprof written; see $work/meshproxy.log" >&2; exit 1; }

echo "3/4 build with the profile applied (methods never run become throwing stubs; only its map file is used)"
publish "$work/use" "$(ilc_args "--reachabilityuse:$work/reach.mprof")" -p:IlcGenerateMapFile=true

echo "4/4 writing $order"
# Keep the methods that kept their bodies (the stub body is the one shape thousands of methods share) and every static
# constructor: those that run before the profile is registered read as never run.
python3 - "$native/meshproxy.map.xml" "$order" <<'PY'
import collections, html, re, sys
methods = re.findall(r'<MethodCode Name="([^"]*)" Length="(\d+)" Hash="([0-9a-f]+)"', open(sys.argv[1]).read())
stub = collections.Counter((length, digest) for _, length, digest in methods).most_common(1)[0][0]
names = [html.unescape(n) for n, length, digest in methods if (length, digest) != stub or n.endswith('___cctor')]
open(sys.argv[2], 'w').write('\n'.join(names) + '\n')
print(f'{len(names)} of {len(methods)} methods')
PY
