#!/usr/bin/env bash
# churn-soak.sh MESHPROXY SECONDS OUTDIR: a long connection-churn run (meshproxy tcp_proxy -> nginx, LoadGen http
# --close, 16 clients) sampling the proxy's RSS, admin /memory (managed heap, GCs), threads and fds every 10 s into
# OUTDIR/samples.txt; stats at the end in OUTDIR/stats.txt. Ports 38080-38088 on 127.0.0.1; everything stopped by pid.
# LOADGEN=path overrides the load generator (default: the Release build in this repo).
set -u
mp_bin=$1; secs=$2; out=$3; mkdir -p "$out"
repo=$(cd "$(dirname "$0")/../.." && pwd)
LG=${LOADGEN:-$repo/benchmarks/MeshProxy.LoadGen/bin/Release/net10.0/MeshProxy.LoadGen}
up=38080; port=38084; admin=38088
cat >"$out/nginx.conf" <<NGX
worker_processes 1; master_process off; daemon off; pid $out/nginx.pid; error_log $out/error.log warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 100000000; server { listen 127.0.0.1:$up; location / { return 200 "hello\n"; } } }
NGX
taskset -c 0 nginx -c "$out/nginx.conf" -p "$out" & ng=$!
cat >"$out/mp.yaml" <<YAML
admin: { address: { socket_address: { address: 127.0.0.1, port_value: $admin } } }
static_resources:
  listeners:
  - name: bench_tcp
    address: { socket_address: { address: 127.0.0.1, port_value: $port } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: bench, cluster: upstream }
  clusters:
  - name: upstream
    type: STATIC
    connect_timeout: 1s
    load_assignment: { cluster_name: upstream, endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: $up } } } } ] } ] }
YAML
taskset -c 1 "$mp_bin" -c "$out/mp.yaml" --log-level warning >"$out/mp.log" 2>&1 & mp=$!
sleep 1
taskset -c 0 "$LG" http --target 127.0.0.1:$port --close --connections 16 --warmup 1 --duration "$secs" --pid $mp >"$out/lg.txt" 2>&1 & lg=$!
echo "t rss_kb heap_bytes allocated_total gen0 gen1 gen2 threads fds" >"$out/samples.txt"
t=0
while kill -0 $lg 2>/dev/null; do
  m=$(curl -s --max-time 1 http://127.0.0.1:$admin/memory | tr -d '\n ')
  get() { sed -n "s/.*\"$1\":\"\{0,1\}\([0-9.]*\).*/\1/p" <<<"$m"; }
  echo "$t $(awk '/^VmRSS/ {print $2}' /proc/$mp/status) $(get heap_size) $(get allocated_bytes_total) $(get gc_gen0_collections) $(get gc_gen1_collections) $(get gc_gen2_collections) $(ls /proc/$mp/task | wc -l) $(ls /proc/$mp/fd | wc -l)" >>"$out/samples.txt"
  sleep 10; t=$((t + 10))
done
curl -s http://127.0.0.1:$admin/stats | grep -E "downstream_cx|upstream_cx" | head -20 >"$out/stats.txt"
kill $mp; wait $mp; kill $ng; wait $ng
