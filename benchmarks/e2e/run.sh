#!/usr/bin/env bash
# End-to-end, side-by-side proxy benchmark on loopback (see README.md beside this file).
# Every process started here is stopped by pid; all traffic goes to 127.0.0.1.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="${OUT:-$here/out}"
duration="${DURATION:-10}"        # seconds per measured row
warmup="${WARMUP:-4}"             # seconds of unmeasured load first (lets the JIT tier up)
conns="${CONNS:-16}"              # keep-alive connections for the saturation rows
rate="${RATE:-1000}"              # requests/s of the fixed-rate (open-loop) rows
proxy_cpu="${PROXY_CPU:-1}"       # core the proxy under test is pinned to
load_cpu="${LOAD_CPU:-0}"         # core for the load generator and the upstream
base_port="${BASE_PORT:-18080}"
routes="${ROUTES:-10000}"         # route count of the routes scenario
push_clusters="${PUSH_CLUSTERS:-1000}"
push_duration="${PUSH_DURATION:-20}"
# Default: every scenario that applies; h2c and rpc are slots (run them by name).
scenarios="${SCENARIOS:-tcp http fixed churn large routes push}"
mkdir -p "$out"

# Ports: the upstream, then one per peer so a stopped peer's TIME_WAITs never meet the next one.
upstream=$base_port
upstream_h2c=$((base_port + 10))
declare -A peer_port=(
  [direct]=$upstream [haproxy-tcp]=$((base_port + 1)) [haproxy-http]=$((base_port + 2)) [nginx-http]=$((base_port + 3))
  [meshproxy-tcp]=$((base_port + 4)) [meshproxy-http]=$((base_port + 5)) [meshproxy-http-routes]=$((base_port + 6))
  [meshproxy-push]=$((base_port + 7)) [probe]=$((base_port + 9)) [xds]=$((base_port + 11))
)
admin_port=$((base_port + 8))

pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM
stop_pid() { # pid: stop one process this script started
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local keep=() p
  for p in "${pids[@]:-}"; do [ -n "$p" ] && [ "$p" != "$1" ] && keep+=("$p"); done
  pids=("${keep[@]:-}")
}

need() { command -v "$1" >/dev/null 2>&1; }
install_tools() {
  local missing=()
  need wrk || missing+=(wrk)
  need haproxy || missing+=(haproxy)
  need nginx || missing+=(nginx-light)
  need h2load || missing+=(nghttp2-client)
  need curl || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} from Debian" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

wait_port() { # port: wait up to 10 s for a listener
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$1" >&2; return 1
}

# Sum of utime+stime (clock ticks) and of context switches over all threads of a pid.
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
ctx_switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches/ {s+=$2} END {print s+0}'; }
peak_rss_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# Anonymous (heap, stacks, the runtime's rehydrated type data) vs file-backed (the mapped binary and libraries) RSS.
rss_split() { awk '/^RssAnon/ {a=$2} /^RssFile/ {f=$2} END {printf "anon %.1f + file %.1f", a/1024, f/1024}' "/proc/$1/status"; }
now_ns() { date +%s%N; }
loadavg() { cut -d' ' -f1 /proc/loadavg; }
calc() { awk "BEGIN {printf \"$1\", $2}"; } # calc FORMAT EXPR

tick=$(getconf CLK_TCK)
results="$out/results.md"
notes="$out/notes.md"
echo "| scenario | peer | req/s | vs direct | vs haproxy TCP | p50 ms | p99 ms | +p50 ms | +p99 ms | proxy CPU µs/req | CPU vs haproxy TCP | proxy vCPU | ctx switches/req | RSS MB after load | peak RSS MB | note |" >"$results"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|" >>"$results"
: >"$notes"

# Figures of the row being measured (set by measure_wrk / measure_lg / measure_h2load, printed by emit_row).
declare -A rps_of p50_of p99_of cpu_of
rps=- p50=- p99=- cpu_us=- vcpu=- cs=- rss=- peak=- note=
reset_row() { rps=- p50=- p99=- cpu_us=- vcpu=- cs=- rss=- peak=- note=; }

# emit_row SCENARIO PEER: one table row with ratios to this scenario's direct and haproxy-tcp rows.
emit_row() {
  local scenario=$1 peer=$2
  rps_of["$scenario/$peer"]=$rps; p50_of["$scenario/$peer"]=$p50; p99_of["$scenario/$peer"]=$p99; cpu_of["$scenario/$peer"]=$cpu_us
  local d_rps=${rps_of["$scenario/direct"]:-} f_rps=${rps_of["$scenario/haproxy-tcp"]:-} f_cpu=${cpu_of["$scenario/haproxy-tcp"]:-}
  local d50=${p50_of["$scenario/direct"]:-} d99=${p99_of["$scenario/direct"]:-}
  local vs_d=- vs_f=- a50=- a99=- cpu_f=-
  ratio() { [[ "$1" =~ ^[0-9.]+$ && "$2" =~ ^[0-9.]+$ ]] && awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}' || echo -; }
  diff_ms() { [[ "$1" =~ ^[0-9.]+$ && "$2" =~ ^[0-9.]+$ ]] && awk -v a="$1" -v b="$2" 'BEGIN {printf "%+.3f", a - b}' || echo -; }
  if [ "$peer" != direct ]; then
    vs_d=$(ratio "$rps" "$d_rps"); a50=$(diff_ms "$p50" "$d50"); a99=$(diff_ms "$p99" "$d99")
  else
    vs_d=1.00
  fi
  [ "$peer" != direct ] && vs_f=$(ratio "$rps" "$f_rps")
  [ "$peer" != direct ] && cpu_f=$(ratio "$cpu_us" "$f_cpu")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
    "$scenario" "$peer" "$rps" "$vs_d" "$vs_f" "$p50" "$p99" "$a50" "$a99" "$cpu_us" "$cpu_f" "$vcpu" "$cs" "$rss" "$peak" "$note" | tee -a "$results"
}
note_row() { # scenario peer text: a row that could not be measured
  printf '| %s | %s | - | - | - | - | - | - | - | - | - | - | - | - | - | %s |\n' "$1" "$2" "$3" | tee -a "$results"
}

proc_before() { [ "$1" = - ] && return 0; c0=$(cpu_ticks "$1"); s0=$(ctx_switches "$1"); t0=$(now_ns); }
proc_after() { # pid requests
  [ "$1" = - ] && return 0
  local c1 s1 t1; c1=$(cpu_ticks "$1"); s1=$(ctx_switches "$1"); t1=$(now_ns)
  cpu_us=$(calc "%.1f" "$((c1 - c0)) / $tick * 1e6 / $2")
  vcpu=$(calc "%.3f" "$((c1 - c0)) / $tick / (($t1 - $t0) / 1e9)")
  cs=$(calc "%.3f" "$((s1 - s0)) / $2")
  rss=$(calc "%.1f" "$(rss_kb "$1") / 1024"); peak=$(calc "%.1f" "$(peak_rss_kb "$1") / 1024")
}

to_ms() { # wrk prints 1.23ms / 456.00us / 1.02s
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 } else print "-" }'
}

# measure_wrk SCENARIO PEER PORT PID [wrk args...]: closed loop at saturation with wrk (1 thread, CONNS connections).
measure_wrk() {
  local scenario=$1 peer=$2 port=$3 pid=$4; shift 4
  local path=${WRK_PATH:-/} url="http://127.0.0.1:$port${WRK_PATH:-/}"
  reset_row
  taskset -c "$load_cpu" wrk -t1 -c"$conns" -d"${warmup}s" "$@" "$url" >/dev/null 2>&1 || true
  proc_before "$pid"
  local log="$out/$scenario-$peer.wrk.txt"
  taskset -c "$load_cpu" wrk -t1 -c"$conns" -d"${duration}s" --latency "$@" "$url" >"$log" 2>&1 || true
  local reqs errs
  reqs=$(awk '/requests in/ {print $1}' "$log")
  if [ -z "$reqs" ] || [ "$reqs" = 0 ]; then note="no requests completed (see $(basename "$log"))"; return; fi
  rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$log")
  p50=$(to_ms "$(awk '$1=="50%" {print $2}' "$log")"); p99=$(to_ms "$(awk '$1=="99%" {print $2}' "$log")")
  errs=$(awk '/Non-2xx|Socket errors/ {print}' "$log" | tr '\n' ' ')
  proc_after "$pid" "$reqs"
  note="wrk $path${errs:+; $errs}"
}

# measure_lg SCENARIO PEER PORT PID [loadgen http args...]: our load generator (open loop, churn, large bodies).
measure_lg() {
  local scenario=$1 peer=$2 port=$3 pid=$4; shift 4
  local log="$out/$scenario-$peer.loadgen.txt" pidarg=()
  reset_row
  [ "$pid" != - ] && pidarg=(--pid "$pid")
  timeout --kill-after=5 $((warmup + duration + 90)) taskset -c "$load_cpu" "$LOADGEN" http --target "127.0.0.1:$port" --warmup "$warmup" --duration "$duration" \
    --label "$scenario/$peer" --json "$out/$scenario-$peer.json" "${pidarg[@]}" "$@" >"$log" 2>&1 || true
  result_line=$(grep '^RESULT ' "$log" || true)
  if [ -z "$result_line" ]; then note="load generator failed (see $(basename "$log"))"; return; fi
  rps=$(kv rps); p50=$(kv p50_ms); p99=$(kv p99_ms)
  if [ "$pid" != - ]; then
    cpu_us=$(kv cpu_us_per_req); vcpu=$(kv proxy_vcpu); cs=$(kv ctx_per_req); rss=$(kv rss_mb); peak=$(kv peak_rss_mb)
  fi
  local extra=""
  [ "$(kv errors)" != 0 ] && extra="; errors $(kv errors)"
  [ "$(kv non2xx)" != 0 ] && extra="$extra; non-2xx $(kv non2xx)"
  note="loadgen p99.9 $(kv p999_ms) ms, max $(kv max_ms) ms${extra}"
}
kv() { tr ' ' '\n' <<<"$result_line" | awk -F= -v k="$1" '$1==k {print $2}'; }

# --- peers ---------------------------------------------------------------------------------------------------------

# run_nginx NAME CPU PORT SERVER_BODY [HTTP_EXTRA] [LISTEN_FLAGS]: one nginx process (no master) pinned to CPU; sets nginx_pid.
run_nginx() {
  local name=$1 cpu=$2 port=$3 body=$4 extra=${5:-} flags=${6:-} dir="$out/$1"
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<NGX
worker_processes 1;
master_process off;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  sendfile on;
  $extra
  server { listen 127.0.0.1:$port $flags; $body }
}
NGX
  taskset -c "$cpu" nginx -c "$dir/nginx.conf" -p "$dir" &
  nginx_pid=$!; pids+=("$nginx_pid"); wait_port "$port"
}

start_nginx_upstream() { # port: small bodies at any path, 1 MiB at /files/1m
  mkdir -p "$out/www/files"
  [ -s "$out/www/files/1m" ] || head -c 1048576 /dev/urandom >"$out/www/files/1m"
  run_nginx nginx-upstream "$load_cpu" "$1" "location / { return 200 \"hello\\n\"; } location /files/ { root $out/www; }"
}

start_nginx_proxy() { # port upstream
  run_nginx nginx-proxy "$proxy_cpu" "$1" \
    'location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_max_temp_file_size 0; }' \
    "upstream backend { server 127.0.0.1:$2; keepalive 64; }"
  peer_pid=$nginx_pid
}

start_haproxy() { # mode port upstream
  local mode=$1 port=$2 upstream=$3 dir="$out/haproxy-$1"
  mkdir -p "$dir"
  cat >"$dir/haproxy.cfg" <<HAP
global
  nbthread 1
  maxconn 4000
defaults
  mode $mode
  timeout connect 5s
  timeout client 60s
  timeout server 60s
$( [ "$mode" = http ] && echo "  option http-keep-alive" )
listen bench
  bind 127.0.0.1:$port
  server upstream 127.0.0.1:$upstream
HAP
  taskset -c "$proxy_cpu" haproxy -db -f "$dir/haproxy.cfg" &
  peer_pid=$!; pids+=("$peer_pid"); wait_port "$port"
}

build_tools() {
  if [ -z "${MESHPROXY:-}" ]; then
    echo "publishing meshproxy (Release, NativeAOT)" >&2
    dotnet publish "$repo/src/MeshProxy/MeshProxy.csproj" -c Release -o "$out/meshproxy" -v quiet -nologo >/dev/null
    MESHPROXY="$out/meshproxy/meshproxy"
  fi
  if [ -z "${LOADGEN:-}" ]; then
    echo "building MeshProxy.LoadGen (Release)" >&2
    dotnet build "$repo/benchmarks/MeshProxy.LoadGen/MeshProxy.LoadGen.csproj" -c Release -v quiet -nologo >/dev/null
    LOADGEN="$repo/benchmarks/MeshProxy.LoadGen/bin/Release/net10.0/MeshProxy.LoadGen"
  fi
}

mp_admin() { # yaml admin block on admin_port
  printf 'admin:\n  address: { socket_address: { address: 127.0.0.1, port_value: %s } }\n' "$admin_port"
}
mp_cluster() { # name port
  cat <<YAML
  - name: $1
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: $1
      endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: $2 } } } } ] } ]
YAML
}

# start_meshproxy NAME CONFIG PORT: pinned to proxy_cpu; sets peer_pid and ready_s (launch to admin /ready = 200) and ready_rss.
start_meshproxy() {
  local name=$1 cfg=$2 port=$3 t0 code=000
  t0=$(now_ns)
  taskset -c "$proxy_cpu" "$MESHPROXY" -c "$cfg" --log-level warning ${MESHPROXY_ARGS:-} >"$out/$name.log" 2>&1 &
  peer_pid=$!; pids+=("$peer_pid")
  for _ in $(seq 1 1000); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$admin_port/ready" 2>/dev/null || true)
    [ "$code" = 200 ] && break
    kill -0 "$peer_pid" 2>/dev/null || break
    sleep 0.005
  done
  ready_s=$(calc "%.2f" "($(now_ns) - $t0) / 1e9")
  [ "$code" = 200 ] || { echo "meshproxy ($name) not ready; see $out/$name.log" >&2; ready_s=-; }
  wait_port "$port"
  ready_rss="$(calc "%.1f" "$(rss_kb "$peer_pid") / 1024") MB ($(rss_split "$peer_pid"))"
}

start_meshproxy_tcp() { # port upstream
  local port=$1 cfg="$out/meshproxy-tcp.yaml"
  { mp_admin; cat <<YAML
static_resources:
  listeners:
  - name: bench_tcp
    address: { socket_address: { address: 127.0.0.1, port_value: $port } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: bench
          cluster: upstream
  clusters:
YAML
    mp_cluster upstream "$2"; } >"$cfg"
  start_meshproxy meshproxy-tcp "$cfg" "$port"
}

# start_meshproxy_http NAME PORT UPSTREAM ROUTES: an HTTP connection manager with ROUTES routes (ROUTES-1 prefixes
# /svcN/ that a request to / never matches, then / last: the worst case of a linear match).
start_meshproxy_http() {
  local name=$1 port=$2 up=$3 n=$4 cfg="$out/$1.yaml"
  { mp_admin; cat <<YAML
static_resources:
  listeners:
  - name: bench_http
    address: { socket_address: { address: 127.0.0.1, port_value: $port } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: bench
          codec_type: AUTO
          http_filters:
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
          route_config:
            name: bench
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
YAML
    awk -v n="$n" 'BEGIN { for (i = 1; i < n; i++) printf "              - { match: { prefix: \"/svc%d/\" }, route: { cluster: upstream } }\n", i
      print "              - { match: { prefix: \"/\" }, route: { cluster: upstream } }" }'
    echo "  clusters:"; mp_cluster upstream "$up"; } >"$cfg"
  start_meshproxy "$name" "$cfg" "$port"
}

# Whether meshproxy's HTTP connection manager serves: start it with an HCM bootstrap, expect a 200 through it.
mp_http=unknown
probe_meshproxy_http() {
  start_meshproxy_http meshproxy-http-probe "${peer_port[probe]}" "$upstream" 1 || true
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:${peer_port[probe]}/" 2>/dev/null || true)
  stop_pid "$peer_pid"
  if [ "$code" = 200 ]; then mp_http=yes; else mp_http=no; fi
  echo "meshproxy http connection manager: $([ $mp_http = yes ] && echo serves || echo "not available yet (probe got '$code')")" >&2
}

# run_peer SCENARIO PEER MEASURE [ARGS...]: start PEER, run MEASURE SCENARIO PEER PORT PID ARGS..., stop it.
run_peer() {
  local scenario=$1 peer=$2 fn=$3; shift 3
  local port=${peer_port[$peer]} pid=- extra=
  if [ -n "${ONLY_PEERS:-}" ] && [[ " $ONLY_PEERS " != *" $peer "* ]]; then return 0; fi
  case $peer in
    direct) ;;
    haproxy-tcp) start_haproxy tcp "$port" "$upstream"; pid=$peer_pid ;;
    haproxy-http) start_haproxy http "$port" "$upstream"; pid=$peer_pid ;;
    nginx-http) start_nginx_proxy "$port" "$upstream"; pid=$peer_pid ;;
    meshproxy-tcp) start_meshproxy_tcp "$port" "$upstream"; pid=$peer_pid; extra="ready in ${ready_s} s, RSS at ready ${ready_rss}" ;;
    meshproxy-http)
      if [ "$mp_http" != yes ]; then note_row "$scenario" "$peer" "meshproxy http: not available yet"; return; fi
      start_meshproxy_http meshproxy-http "$port" "$upstream" 1; pid=$peer_pid; extra="ready in ${ready_s} s, RSS at ready ${ready_rss}" ;;
    *) echo "unknown peer $peer" >&2; return 1 ;;
  esac
  "$fn" "$scenario" "$peer" "$port" "$pid" "$@"
  [ -n "$extra" ] && note="${note:+$note; }$extra; RSS after load $(rss_split "$pid")"
  emit_row "$scenario" "$peer"
  [ "$pid" != - ] && stop_pid "$pid"
  return 0
}

http_peers="direct haproxy-tcp haproxy-http nginx-http meshproxy-tcp meshproxy-http"

# --- scenarios -----------------------------------------------------------------------------------------------------

scenario_tcp() { # wrk keep-alive at saturation through the plain TCP hops (the foundation's comparison)
  for peer in direct haproxy-tcp meshproxy-tcp; do run_peer tcp "$peer" measure_wrk; done
}

scenario_http() { # wrk keep-alive at saturation, small bodies, HTTP-aware proxies
  for peer in direct haproxy-tcp haproxy-http nginx-http meshproxy-http; do run_peer http "$peer" measure_wrk; done
}

scenario_fixed() { # open loop at RATE req/s over CONNS connections: added latency and proxy CPU per 1000 req/s
  for peer in $http_peers; do run_peer fixed "$peer" measure_lg --rate "$rate" --connections "$conns"; done
  echo "- fixed: open loop, $rate req/s over $conns connections (latency from the intended send time); proxy vCPU = cores used at that rate (Istio's 'vCPU per 1000 req/s' when RATE=1000)." >>"$notes"
}

scenario_churn() { # Connection: close on every request (new downstream connection each time)
  for peer in $http_peers; do run_peer churn "$peer" measure_lg --close --connections "$conns"; done
  echo "- churn: closed loop, $conns clients, \`Connection: close\` on every request (connect in the latency); haproxy-http and nginx-http pool their upstream connections, the TCP hops cannot." >>"$notes"
}

scenario_large() { # 1 MiB responses: throughput and peak RSS
  for peer in $http_peers; do
    run_peer large "$peer" measure_lg_large
  done
  echo "- large: closed loop, ${LARGE_CONNS:-$conns} connections, GET /files/1m (1 MiB from nginx, sendfile); note shows MiB/s; peak RSS is the proxy's." >>"$notes"
}
measure_lg_large() {
  measure_lg "$@" --path /files/1m --connections "${LARGE_CONNS:-$conns}"
  if [ -n "${result_line:-}" ]; then note="$(kv body_mib_per_s) MiB/s; $note"; fi
}

scenario_routes() { # 10k routes: match cost and config memory (needs the HTTP connection manager)
  if [ "$mp_http" != yes ]; then
    note_row routes meshproxy-http "meshproxy http: not available yet (would compare 1 route with $routes routes, request matching the last)"
    return
  fi
  local port=${peer_port[meshproxy-http-routes]}
  for n in 1 "$routes"; do
    start_meshproxy_http "meshproxy-routes-$n" "$port" "$upstream" "$n"
    local ready=$ready_s ready_mem=$ready_rss
    measure_wrk routes "meshproxy-http-$n-routes" "$port" "$peer_pid"
    note="$note; $n routes, request matches the last; ready in $ready s, RSS at ready $ready_mem"
    emit_row routes "meshproxy-http-$n-routes"
    stop_pid "$peer_pid"
  done
  echo "- routes: one virtual host, N-1 prefixes /svcN/ then /; wrk requests / so the last route matches (linear-match worst case)." >>"$notes"
}

# push: the tcp_proxy listener serves a fixed-rate load for PUSH_DURATION s while its config is updated during seconds
# 8-12 of the measured period. Two variants:
#  - ads (default): meshproxy gets everything from an ADS server (`LoadGen xds-server`, SotW, h2c on 127.0.0.1):
#    CDS with PUSH_CLUSTERS EDS clusters, EDS with as many ClusterLoadAssignments x 10 endpoints, LDS with the
#    listener (to cluster 0, whose one endpoint is the nginx upstream). At 8.0, 8.5, ... 11.5 s the server pushes
#    a new EDS version: the full SotW set with one assignment changed (what istiod sends a SotW sidecar).
#  - file (PUSH_FILE=1, default on): CDS/LDS from files (path_config_source) with PUSH_CLUSTERS STATIC clusters x 10
#    endpoints; the CDS file is replaced (write + mv) at the same times, one cluster's endpoints changed.
push_variants="${PUSH_VARIANTS:-ads file}"
push_count=8
write_cds() { # file version changed_cluster
  awk -v n="$push_clusters" -v v="$2" -v changed="$3" -v up="$upstream" 'BEGIN {
    printf "version_info: \"%s\"\nresources:\n", v
    for (c = 0; c < n; c++) {
      printf "- \"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster\n  name: c%d\n  type: STATIC\n  connect_timeout: 1s\n", c
      printf "  load_assignment:\n    cluster_name: c%d\n    endpoints:\n    - lb_endpoints:\n", c
      if (c == 0) { printf "      - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }\n", up; continue }
      base = 20000 + (c % 100) * 10 + (c == changed ? 5000 + v : 0)
      for (e = 0; e < 10; e++)
        printf "      - endpoint: { address: { socket_address: { address: 127.0.0.%d, port_value: %d } } }\n", 2 + int(c / 100), base + e
    }
  }' >"$1"
}

sleep_until() { # ns timestamp
  local s; s=$(calc "%.3f" "($1 - $(now_ns)) / 1e9")
  [[ "$s" != -* ]] && sleep "$s"
  return 0
}

# push_file_pushes T_READY: the 8 CDS file replacements at 8.0-11.5 s after T_READY.
push_file_pushes() {
  local i
  for i in $(seq 1 $push_count); do
    sleep_until $(($1 + 8000000000 + (i - 1) * 500000000))
    mv -f "$push_dir/next-$i.yaml" "$push_dir/cds.yaml"
  done
}
push_ads_pushes() { :; } # the xds-server pushes by itself, timed from the same ready file

# push_measure VARIANT PORT MP_PID: the load, CPU samples around the push window, the row.
push_measure() {
  local variant=$1 port=$2 mp=$3 log="$out/push-$1-meshproxy.loadgen.txt"
  rm -f "$push_dir/ready"
  # Warm-up of at least 6 s: the first seconds after start-up with 1,000 clusters are not quiet (measured).
  taskset -c "$load_cpu" "$LOADGEN" http --target "127.0.0.1:$port" --rate "$rate" --connections "$conns" --warmup "$((warmup > 6 ? warmup : 6))" \
    --duration "$push_duration" --windows quiet:0-8,push:8-12,quiet:12-"$push_duration" --pid "$mp" --timeline \
    --ready-file "$push_dir/ready" --label "push-$variant/meshproxy" --json "$out/push-$variant-meshproxy.json" >"$log" 2>&1 &
  local lg=$!; pids+=("$lg")
  for _ in $(seq 1 3000); do [ -e "$push_dir/ready" ] && break; sleep 0.005; done
  local t_ready c_ready c_p0 c_p1 rss_p0
  local mr m0 m1
  t_ready=$(now_ns); c_ready=$(cpu_ticks "$mp"); mr=$(curl -s --max-time 1 "http://127.0.0.1:$admin_port/memory" || true)
  sleep_until $((t_ready + 7900000000)); c_p0=$(cpu_ticks "$mp"); rss_p0=$(rss_kb "$mp")
  m0=$(curl -s --max-time 1 "http://127.0.0.1:$admin_port/memory" || true)
  "push_${variant}_pushes" "$t_ready"
  sleep_until $((t_ready + 12400000000)); c_p1=$(cpu_ticks "$mp")
  m1=$(curl -s --max-time 1 "http://127.0.0.1:$admin_port/memory" || true)
  # GCs and GC pause in the push window (admin /memory; "-" on a build without it).
  push_gcs=$(awk -v r="$mr" -v a="$m0" -v b="$m1" 'function get(s, k,   r) { if (match(s, "\"" k "\": *\"?[0-9.]+")) { r = substr(s, RSTART, RLENGTH); gsub(/.*: *"?/, "", r); return r } return "" }
    BEGIN { g0 = get(b, "gc_gen0_collections") - get(a, "gc_gen0_collections"); g1 = get(b, "gc_gen1_collections") - get(a, "gc_gen1_collections")
      g2 = get(b, "gc_gen2_collections") - get(a, "gc_gen2_collections"); p = get(b, "gc_total_pause_ms") - get(a, "gc_total_pause_ms")
      al = (get(b, "allocated_bytes_total") - get(a, "allocated_bytes_total")) / 1048576
      qal = (get(a, "allocated_bytes_total") - get(r, "allocated_bytes_total")) / 1048576 / 7.9 * 4.5
      qg = get(a, "gc_gen0_collections") - get(r, "gc_gen0_collections"); qp = get(a, "gc_total_pause_ms") - get(r, "gc_total_pause_ms")
      if (get(a, "gc_gen0_collections") == "") print "-"
      else printf "push window (4.5 s): %.1f MB allocated (quiet 4.5 s: %.1f MB), GCs gen0 %d, gen1 %d, gen2 %d, pauses %.0f ms (quiet 0-7.9 s: %d GCs, %.0f ms), managed heap %.1f MB after", al, qal, g0, g1, g2, p, qg, qp, get(b, "heap_size") / 1048576 }')
  # Proxy CPU per push: CPU in 7.9-12.4 s minus the quiet rate (0-7.9 s) over those 4.5 s, per push.
  push_cpu_ms=$(calc "%.0f" "(($c_p1 - $c_p0) - ($c_p0 - $c_ready) / 7.9 * 4.5) / $tick * 1000 / $push_count")
  wait "$lg" || true; stop_pid "$lg"
  result_line=$(grep '^RESULT ' "$log" || true)
  reset_row
  if [ -z "$result_line" ]; then note="load generator failed (see $(basename "$log"))"; return 1; fi
  rps=$(kv rps); p50=$(kv p50_ms); p99=$(kv p99_ms); cpu_us=$(kv cpu_us_per_req); vcpu=$(kv proxy_vcpu)
  cs=$(kv ctx_per_req); rss=$(kv rss_mb); peak=$(kv peak_rss_mb)
  q99=$(kv win_quiet_p99_ms); p99push=$(kv win_push_p99_ms)
  push_ratio=$(calc "%.2f" "$p99push / ($q99 > 0 ? $q99 : 1)")
  push_rss_before=$(calc "%.1f" "$rss_p0 / 1024")
}

scenario_push() {
  push_dir="$out/push"
  local port=${peer_port[meshproxy-push]} v
  mkdir -p "$push_dir"
  for v in $push_variants; do "scenario_push_$v" "$port"; done
}

scenario_push_ads() { # port
  local port=$1 xds_port=${peer_port[xds]} dir=$push_dir
  rm -f "$dir/ready"
  taskset -c "$load_cpu" "$LOADGEN" xds-server --listen "127.0.0.1:$xds_port" --upstream "127.0.0.1:$upstream" \
    --listener-port "$port" --clusters "$push_clusters" --endpoints 10 --push-after-file "$dir/ready" --push-at 8 \
    --push-count "$push_count" --push-interval-ms 500 >"$out/push-ads-xds-server.txt" 2>&1 &
  local xs=$!; pids+=("$xs")
  for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$xds_port") 2>/dev/null && break; sleep 0.1; done
  { echo "node: { id: bench-push, cluster: bench }"; mp_admin; cat <<YAML
dynamic_resources:
  ads_config:
    api_type: GRPC
    transport_api_version: V3
    grpc_services: [ { envoy_grpc: { cluster_name: xds-grpc } } ]
  cds_config: { ads: {}, initial_fetch_timeout: 0s, resource_api_version: V3 }
  lds_config: { ads: {}, initial_fetch_timeout: 0s, resource_api_version: V3 }
static_resources:
  clusters:
YAML
    mp_cluster xds-grpc "$xds_port"; } >"$dir/bootstrap-ads.yaml"
  # One throwaway start first: the control plane (a JIT .NET process) answers its first client slowly while it
  # compiles, and that is not meshproxy's start-up (istiod is warm when a sidecar starts). Its time goes in the note.
  start_meshproxy meshproxy-push-ads-warmup "$dir/bootstrap-ads.yaml" "$port"
  local cold_ready=$ready_s
  stop_pid "$peer_pid"
  start_meshproxy meshproxy-push-ads "$dir/bootstrap-ads.yaml" "$port"
  local mp=$peer_pid ready=$ready_s ready_mem=$ready_rss
  push_measure ads "$port" "$mp" || { stop_pid "$mp"; stop_pid "$xs"; note_row push-ads meshproxy-tcp "$note"; return; }
  local summary
  stop_pid "$mp"; stop_pid "$xs"
  summary=$(grep '^XDS_SUMMARY' "$out/push-ads-xds-server.txt" | cut -d' ' -f2- || true)
  push_summary="ADS SotW: quiet p99 $q99 ms, push-window p99 $p99push ms, ratio ${push_ratio}x (target <= 2x); proxy CPU per push ${push_cpu_ms} ms; $push_gcs; control plane: ${summary:-no summary (see push-ads-xds-server.txt)}"
  note="$push_summary; $push_clusters EDS clusters x 10 endpoints; ready in $ready s (the throwaway start before it, the control plane cold: $cold_ready s), RSS at ready $ready_mem, before the pushes $push_rss_before MB"
  emit_row push-ads meshproxy-tcp
  {
    echo "- push-ads: meshproxy tcp_proxy, everything over ADS (SotW) from \`LoadGen xds-server\`: CDS with $push_clusters EDS clusters, EDS with $push_clusters ClusterLoadAssignments x 10 endpoints, LDS with the listener; $rate req/s open loop over $conns connections for ${push_duration} s; $push_count EDS pushes (full SotW set, one assignment changed) at 8.0-11.5 s. Windows: quiet = 0-8 and 12-${push_duration} s, push = 8-12 s. CPU per push = proxy CPU in 7.9-12.4 s minus the quiet rate, / $push_count. Control-plane log (pushes, ACK latencies): push-ads-xds-server.txt; timeline: push-ads-meshproxy.loadgen.txt."
    echo "  $push_summary"
  } >>"$notes"
}

scenario_push_file() { # port
  local port=$1 dir=$push_dir i
  rm -f "$dir"/*.yaml "$dir/ready"
  write_cds "$dir/cds.yaml" 1 -1
  cat >"$dir/lds.yaml" <<YAML
version_info: "1"
resources:
- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: push_tcp
  address: { socket_address: { address: 127.0.0.1, port_value: $port } }
  filter_chains:
  - filters:
    - name: envoy.filters.network.tcp_proxy
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
        stat_prefix: push
        cluster: c0
YAML
  { echo "node: { id: bench-push, cluster: bench }"; mp_admin; cat <<YAML
dynamic_resources:
  cds_config: { path_config_source: { path: "$dir/cds.yaml" } }
  lds_config: { path_config_source: { path: "$dir/lds.yaml" } }
YAML
  } >"$dir/bootstrap.yaml"
  for i in $(seq 1 $push_count); do write_cds "$dir/next-$i.yaml" $((i + 1)) "$i"; done # ready before the load starts
  start_meshproxy meshproxy-push-file "$dir/bootstrap.yaml" "$port"
  local mp=$peer_pid ready=$ready_s ready_mem=$ready_rss
  push_measure file "$port" "$mp" || { stop_pid "$mp"; note_row push-file meshproxy-tcp "$note"; return; }
  local stats applied rejected
  stats=$(curl -s --max-time 2 "http://127.0.0.1:$admin_port/stats" || true)
  applied=$(awk -F': ' '$1=="cluster_manager.cds.update_success" {print $2}' <<<"$stats")
  rejected=$(awk -F': ' '$1=="cluster_manager.cds.update_rejected" {print $2}' <<<"$stats")
  stop_pid "$mp"
  push_summary="CDS file (1.1 MB YAML): quiet p99 $q99 ms, push-window p99 $p99push ms, ratio ${push_ratio}x; proxy CPU per push ${push_cpu_ms} ms; $push_gcs; CDS updates applied ${applied:-?}, rejected ${rejected:-0}"
  note="$push_summary; $push_clusters STATIC clusters x 10 endpoints; ready in $ready s, RSS at ready $ready_mem, before the pushes $push_rss_before MB"
  emit_row push-file meshproxy-tcp
  {
    echo "- push-file: meshproxy tcp_proxy, CDS/LDS from files; $push_clusters STATIC clusters x 10 endpoints; same load and windows; $push_count CDS file replacements (write + mv, new version_info, one cluster's endpoints changed) at 8.0-11.5 s. Not how a sidecar gets pushes (YAML parse of the whole file each time); kept for comparison. Timeline: push-file-meshproxy.loadgen.txt."
    echo "  $push_summary"
  } >>"$notes"
}

scenario_h2c() { # SLOT: h2c, 4 connections x 32 streams with h2load (nghttp2-client)
  # Direct and plain-TCP rows run now (nginx h2c upstream); the HTTP/2 proxy rows light up with meshproxy's HTTP/2
  # codec and the load generator's h2c mode (ILoadProtocol with StreamsPerConnection = 32).
  run_nginx nginx-h2c "$load_cpu" "$upstream_h2c" 'location / { return 200 "hello\n"; }' "" http2
  local up_pid=$nginx_pid saved=$upstream
  upstream=$upstream_h2c
  peer_port[direct]=$upstream_h2c
  for peer in direct haproxy-tcp meshproxy-tcp; do run_peer h2c "$peer" measure_h2load; done
  peer_port[direct]=$saved; upstream=$saved
  stop_pid "$up_pid"
  note_row h2c meshproxy-http2 "SLOT: waits for meshproxy's HTTP/2 codec (h2c end to end, 4 connections x 32 streams)"
}
measure_h2load() {
  local scenario=$1 peer=$2 port=$3 pid=$4 log="$out/$1-$2.h2load.txt"
  reset_row
  taskset -c "$load_cpu" h2load -c4 -m32 -D "$warmup" "http://127.0.0.1:$port/" >/dev/null 2>&1 || true
  proc_before "$pid"
  taskset -c "$load_cpu" h2load -c4 -m32 -D "$duration" "http://127.0.0.1:$port/" >"$log" 2>&1 || true
  local reqs
  reqs=$(awk '/^requests:/ {print $8}' "$log")
  rps=$(awk '/^finished in/ {gsub(",", "", $4); printf "%.0f", $4}' "$log")
  if [ -z "$reqs" ] || [ "$reqs" = 0 ]; then note="no requests (see $(basename "$log"))"; return; fi
  proc_after "$pid" "$reqs"
  note="h2load -c4 -m32 (no percentiles); request time mean $(awk '/^time for request:/ {print $5}' "$log")"
}

scenario_rpc() { # SLOT: Bolt / Dubbo multiplexed RPC, few long connections, 1-100 in flight each
  note_row rpc meshproxy-bolt "SLOT: needs the Bolt/Dubbo codecs, an RPC echo upstream and the load generator's RPC mode (ILoadProtocol)"
  note_row rpc haproxy-tcp "SLOT: plain-TCP hop for the RPC rows, same load"
}

# --- main ----------------------------------------------------------------------------------------------------------

install_tools
build_tools
start_nginx_upstream "$upstream"
probe_meshproxy_http

{
  echo "# e2e run $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "proxy on CPU $proxy_cpu; load generator (wrk, h2load or MeshProxy.LoadGen) and upstream nginx on CPU $load_cpu; ${conns} connections, ${duration}s per row after ${warmup}s warm-up; load average at start $(loadavg)"
  echo "scenarios: $scenarios; meshproxy HTTP connection manager: $mp_http"
  echo
} >"$out/header.md"

for s in $scenarios; do
  case $s in
    tcp|http|fixed|churn|large|routes|push|h2c|rpc)
      echo "== $s (load average $(loadavg))" >&2
      "scenario_$s" ;;
    *) echo "unknown scenario '$s' (tcp http fixed churn large routes push h2c rpc)" >&2; exit 2 ;;
  esac
done

{ cat "$out/header.md" "$results"; echo; echo "load average at end $(loadavg)"; echo; cat "$notes"; } >"$out/report.md"
echo "report: $out/report.md" >&2
