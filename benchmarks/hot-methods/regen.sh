#!/usr/bin/env bash
# Regenerates src/MeshProxy/hot-methods.order: the methods start-up, tcp_proxy and HTTP/1.1 traffic and the admin
# endpoint run, in ILC's mangled names. See README.md. Needs dotnet, curl and python3 (an HTTP origin); ~5 minutes.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
proj=$root/src/MeshProxy/MeshProxy.csproj
native=$root/src/MeshProxy/obj/Release/net10.0/linux-x64/native
order=$root/src/MeshProxy/hot-methods.order
work=$(mktemp -d)
base_port=${HOT_METHODS_BASE_PORT:-47100} # six ports from here: admin, tcp listener, http listener, echo, two http origins
admin=$base_port tcp=$((base_port + 1)) http=$((base_port + 2)) echo_port=$((base_port + 3)) origin=$((base_port + 4))
fast_origin=$((base_port + 5))
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

echo "1/5 instrumented build (every non-generic method sets a flag when first run; the flags go to reach.mprof at exit)"
publish "$work/inst" "$(ilc_args --reachabilityinstrument \
  --feature:Internal.Runtime.CompilerHelpers.ReachabilityInstrumentationSupport=true)"

echo "2/5 scenarios"
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

echo "3/5 build with the profile applied (methods never run become throwing stubs; only its map file is used)"
publish "$work/use" "$(ilc_args "--reachabilityuse:$work/reach.mprof")" -p:IlcGenerateMapFile=true

echo "4/5 writing $order"
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

# Step 5: traffic first. The list above is in ILC's own order, start-up and traffic methods interleaved; start-up's pages
# are released at ready (Hosting/StartupPages), so what stays resident under load is every 64 KiB block holding a method
# traffic runs. Build with the list, put it under traffic (after ready) with perf watching, and move what traffic runs
# to the front, in rounds:
#   a. sampled stacks (perf -g at ~5 kHz): every method seen on them;
#   b. then, HOT_METHODS_FAULT_ROUNDS times (2), page faults: the method at each instruction-fetch fault in the
#      binary. This catches what the first round missed, including methods the reachability profile never listed.
#      Each fault maps a whole block, hiding its neighbours, hence more than one round.
# Methods neither round saw stay where they were.
fault_rounds=${HOT_METHODS_FAULT_ROUNDS:-2}
if ! command -v perf >/dev/null || ! command -v nginx >/dev/null; then
  echo "5/5 skipped: needs perf and nginx (the list is written, in ILC's order)"
  exit 0
fi
head -c 1048576 /dev/zero >"$work/1m"
cat >"$work/nginx.conf" <<NGX
worker_processes 1; daemon off; master_process off; pid $work/nginx.pid; error_log stderr warn;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 100000000;
  server { listen 127.0.0.1:$fast_origin; root $work; location = / { return 200 "hello\\n"; } } }
NGX
nginx -c "$work/nginx.conf" -p "$work" >"$work/nginx.log" 2>&1 & pids+=($!)
# Both listeners to nginx: tcp_proxy carries HTTP/1.1 here, as in the benchmarks' tcp rows.
sed -e "s/port_value: $origin }/port_value: $fast_origin }/" -e "s/port_value: $echo_port }/port_value: $fast_origin }/" \
  "$work/config.yaml" >"$work/config-fast.yaml"

traffic_round() { # NAME PERF_ARGS...: build with the current list, run traffic under perf, append the methods to $work/front
  local name=$1; shift
  publish "$work/$name" "$(ilc_args)" "-p:IlcOrderFile=$order"
  (cd "$work" && exec "$work/$name/meshproxy" -c "$work/config-fast.yaml" --log-level warning) >"$work/$name.log" 2>&1 &
  local proxy=$! perf_pid
  pids+=($proxy)
  for _ in $(seq 1 200); do curl -sf -o /dev/null "http://127.0.0.1:$admin/ready" && break; sleep 0.05; done
  perf record -q "$@" -p "$proxy" -o "$work/$name.data" >/dev/null 2>&1 & perf_pid=$!
  sleep 0.5
  "$loadgen" http --target "127.0.0.1:$tcp" --path / --connections 16 --warmup 0 --duration 2 >/dev/null
  "$loadgen" http --target "127.0.0.1:$tcp" --path / --connections 16 --warmup 0 --duration 2 --close >/dev/null
  "$loadgen" http --target "127.0.0.1:$http" --path / --connections 16 --warmup 0 --duration 2 >/dev/null
  "$loadgen" http --target "127.0.0.1:$http" --path / --connections 16 --warmup 0 --duration 2 --close >/dev/null
  "$loadgen" http --target "127.0.0.1:$http" --path /1m --connections 4 --warmup 0 --duration 2 >/dev/null
  kill -INT "$perf_pid"; wait "$perf_pid" || true
  kill -TERM "$proxy"; wait "$proxy" || true
  if [ "$name" = sampled ]; then
    # Every frame of every sampled stack: "ADDRESS SYMBOL+OFFSET (DSO)".
    perf script -i "$work/$name.data" -F ip,sym,dso 2>/dev/null \
      | awk 'NF >= 3 && $NF ~ /\/meshproxy\)$/ { sub(/\+0x[0-9a-f]+$/, "", $2); print $2 }'
  else
    # Instruction fetches in the binary (error code bit 0x10): the first user frame is the method that faulted.
    perf script -i "$work/$name.data" -F ip,sym,dso,trace 2>/dev/null | awk '
      /error_code=/ { want = ($0 ~ /error_code=0x[0-9a-f]*[13579bdf][0-9a-f]([^0-9a-f]|$)/); next }
      want && !/kernel\.kallsyms/ && NF >= 2 { want = 0; if ($NF ~ /\/meshproxy\)$/) { sym = $2; sub(/\+0x[0-9a-f]+$/, "", sym); print sym } }'
  fi | sort -u >>"$work/front"
  python3 - "$order" "$work/front" "$name" <<'PY'
import sys
names = open(sys.argv[1]).read().split()
front = set(open(sys.argv[2]).read().split())
listed = set(names)
# Methods the list lacks (the reachability profile missed them) go in too: ILC places them wherever they are named.
extra = sorted(n for n in front - listed if '::' not in n and '@' not in n and not n.startswith('['))
hot = [n for n in names if n in front] + extra
open(sys.argv[1], 'w').write('\n'.join(hot + [n for n in names if n not in front]) + '\n')
print(f'  {sys.argv[3]}: {len(hot)} methods at the front ({len(extra)} not in the profile)')
PY
}

echo "5/5 traffic first: stacks sampled under load, then $fault_rounds rounds of page faults"
: >"$work/front"
traffic_round sampled -F 4999 -g
for round in $(seq 1 "$fault_rounds"); do traffic_round "faults$round" -e exceptions:page_fault_user -g; done
