#!/usr/bin/env bash
# End-to-end, side-by-side proxy benchmark on loopback (see README.md beside this file).
# Every process started here is stopped by pid on exit; all traffic goes to 127.0.0.1.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="${OUT:-$here/out}"
duration="${DURATION:-10}"        # seconds per measured row
warmup="${WARMUP:-4}"             # seconds of unmeasured load first (lets the JIT tier up)
conns="${CONNS:-16}"              # keep-alive connections for the saturation rows
proxy_cpu="${PROXY_CPU:-1}"       # core the proxy under test is pinned to
load_cpu="${LOAD_CPU:-0}"         # core for wrk and the upstream
base_port="${BASE_PORT:-18080}"
scenarios="${SCENARIOS:-tcp}"
mkdir -p "$out"

pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

need() { command -v "$1" >/dev/null 2>&1; }
install_tools() {
  local missing=()
  need wrk || missing+=(wrk)
  need haproxy || missing+=(haproxy)
  need nginx || missing+=(nginx-light)
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

results="$out/results.md"
tick=$(getconf CLK_TCK)
echo "| scenario | peer | req/s | vs direct | vs haproxy TCP | p50 ms | p99 ms | proxy CPU µs/req | ctx switches/req | RSS MB after load | peak RSS MB |" >"$results"
echo "|---|---|---|---|---|---|---|---|---|---|---|" >>"$results"

declare -A rps_of
# measure SCENARIO PEER PORT PID [wrk args...]: warm up, then one measured wrk run.
measure() {
  local scenario=$1 peer=$2 port=$3 pid=$4; shift 4
  local url="http://127.0.0.1:$port/"
  taskset -c "$load_cpu" wrk -t1 -c"$conns" -d"${warmup}s" "$@" "$url" >/dev/null 2>&1 || true
  local c0=0 s0=0
  if [ "$pid" != "-" ]; then c0=$(cpu_ticks "$pid"); s0=$(ctx_switches "$pid"); fi
  local log="$out/$scenario-$peer.wrk.txt"
  taskset -c "$load_cpu" wrk -t1 -c"$conns" -d"${duration}s" --latency "$@" "$url" >"$log" 2>&1
  local rps reqs p50 p99
  rps=$(awk '/^Requests\/sec/ {print $2}' "$log")
  reqs=$(awk '/requests in/ {print $1}' "$log")
  p50=$(awk '$1=="50%" {print $2}' "$log")
  p99=$(awk '$1=="99%" {print $2}' "$log")
  local cpu_us="-" cs="-" rss="-" peak="-"
  if [ "$pid" != "-" ]; then
    local c1 s1
    c1=$(cpu_ticks "$pid"); s1=$(ctx_switches "$pid")
    cpu_us=$(awk -v d=$((c1 - c0)) -v t="$tick" -v n="$reqs" 'BEGIN {printf "%.1f", d / t * 1e6 / n}')
    cs=$(awk -v d=$((s1 - s0)) -v n="$reqs" 'BEGIN {printf "%.3f", d / n}')
    rss=$(awk -v k="$(rss_kb "$pid")" 'BEGIN {printf "%.1f", k / 1024}')
    peak=$(awk -v k="$(peak_rss_kb "$pid")" 'BEGIN {printf "%.1f", k / 1024}')
  fi
  rps_of["$scenario/$peer"]=$rps
  local direct=${rps_of["$scenario/direct"]:-$rps} floor=${rps_of["$scenario/haproxy-tcp"]:-}
  local vs_direct vs_floor="-"
  vs_direct=$(awk -v a="$rps" -v b="$direct" 'BEGIN {printf "%.2f", a / b}')
  [ -n "$floor" ] && vs_floor=$(awk -v a="$rps" -v b="$floor" 'BEGIN {printf "%.2f", a / b}')
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
    "$scenario" "$peer" "$rps" "$vs_direct" "$vs_floor" "$(to_ms "$p50")" "$(to_ms "$p99")" "$cpu_us" "$cs" "$rss" "$peak" | tee -a "$results"
}
to_ms() { # wrk prints 1.23ms / 456.00us / 1.02s
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 } else print "-" }'
}

# run_nginx NAME CPU PORT SERVER_BODY [HTTP_EXTRA]: one nginx worker pinned to CPU; sets nginx_pid.
run_nginx() {
  local name=$1 cpu=$2 port=$3 body=$4 extra=${5:-} dir="$out/$1"
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<NGX
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  $extra
  server { listen 127.0.0.1:$port; $body }
}
NGX
  taskset -c "$cpu" nginx -c "$dir/nginx.conf" -p "$dir" &
  nginx_pid=$!; pids+=("$nginx_pid"); wait_port "$port"
}

start_nginx_upstream() { # port
  run_nginx nginx-upstream "$load_cpu" "$1" 'location / { return 200 "hello\n"; }'
}

start_nginx_proxy() { # port upstream
  run_nginx nginx-proxy "$proxy_cpu" "$1" \
    'location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }' \
    "upstream backend { server 127.0.0.1:$2; keepalive 64; }"
  ngx_pid=$nginx_pid
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
  hap_pid=$!; pids+=("$hap_pid"); wait_port "$port"
}

build_meshproxy() {
  if [ -z "${MESHPROXY:-}" ]; then
    echo "publishing meshproxy (Release)" >&2
    dotnet publish "$repo/src/MeshProxy/MeshProxy.csproj" -c Release -o "$out/meshproxy" -v quiet -nologo >/dev/null
    MESHPROXY="$out/meshproxy/meshproxy"
  fi
}

start_meshproxy_tcp() { # port upstream
  local port=$1 upstream=$2 cfg="$out/meshproxy-tcp.yaml"
  cat >"$cfg" <<YAML
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
  - name: upstream
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: upstream
      endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: $upstream } } } } ] } ]
YAML
  taskset -c "$proxy_cpu" "$MESHPROXY" -c "$cfg" --log-level warning ${MESHPROXY_ARGS:-} >"$out/meshproxy-tcp.log" 2>&1 &
  mp_pid=$!; pids+=("$mp_pid"); wait_port "$port"
}

install_tools
build_meshproxy
upstream=$base_port
start_nginx_upstream "$upstream"

{
  echo "# e2e run $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "proxy on CPU $proxy_cpu; wrk and upstream nginx on CPU $load_cpu; ${conns} keep-alive connections, ${duration}s per row after ${warmup}s warm-up"
  echo
} >"$out/header.md"

if [[ " $scenarios " == *" tcp "* ]]; then
  measure tcp direct "$upstream" -
  start_haproxy tcp $((base_port + 1)) "$upstream"; measure tcp haproxy-tcp $((base_port + 1)) "$hap_pid"
  start_meshproxy_tcp $((base_port + 2)) "$upstream"; measure tcp meshproxy-tcp $((base_port + 2)) "$mp_pid"
fi

cat "$out/header.md" "$results" >"$out/report.md"
echo "report: $out/report.md" >&2
