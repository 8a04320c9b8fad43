#!/usr/bin/env bash
# Tuning pass: runs the tcp and http scenarios of run.sh once per runtime variant of meshproxy and tabulates the
# meshproxy rows (CPU per request against the same run's haproxy, context switches, RSS, start-up).
# Every variant is a separate run.sh invocation, so every process is started and stopped by run.sh itself.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="${OUT:-$here/out-tuning}"
builds="${BUILDS:-/tmp/meshproxy-tuning}"
mkdir -p "$out" "$builds"

publish() { # name extra-args...
  local name=$1; shift
  if [ ! -x "$builds/$name/meshproxy" ]; then
    echo "publishing $name" >&2
    dotnet publish "$repo/src/MeshProxy" -c Release -o "$builds/$name" -v quiet -nologo "$@" >/dev/null
  fi
}
publish aot
publish jit -p:PublishAot=false
publish r2r -p:PublishAot=false -p:PublishReadyToRun=true -r linux-x64 --self-contained false

# name | binary | environment | meshproxy arguments
variants="${VARIANTS:-
aot (shipped: NativeAOT, epoll, one loop per core)|aot||
aot, --transport sockets (runtime sockets, inline completions)|aot||--transport sockets
aot, --concurrency 2 on the one pinned core|aot||--concurrency 2
aot, server GC|aot|DOTNET_gcServer=1|
aot, non-concurrent GC|aot|DOTNET_gcConcurrent=0|
jit (tiered PGO on, as configured)|jit||
jit, tiered PGO off|jit|DOTNET_TieredPGO=0|
jit + ReadyToRun|r2r||
}"

table="$out/tuning.md"
{
  echo "# Tuning pass $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| variant | scenario | req/s | vs direct | p99 ms | proxy CPU µs/req | CPU vs haproxy (same run, µs) | ctx switches/req | RSS MB after | peak RSS MB | ready s |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
} >"$table"

i=0
while IFS='|' read -r name bin envs args; do
  [ -z "$name" ] && continue
  i=$((i + 1))
  dir="$out/v$i"
  echo "== variant $i: $name (load average $(cut -d' ' -f1 /proc/loadavg))" >&2
  # shellcheck disable=SC2086 # envs and args are word lists on purpose
  env $envs OUT="$dir" MESHPROXY="$builds/$bin/meshproxy" MESHPROXY_ARGS="$args" SCENARIOS="tcp http" \
    ONLY_PEERS="${ONLY_PEERS:-direct haproxy-tcp haproxy-http meshproxy-tcp meshproxy-http}" \
    DURATION="${DURATION:-6}" WARMUP="${WARMUP:-4}" "$here/run.sh" >"$dir.log" 2>&1 || { echo "variant $i failed; see $dir.log" >&2; continue; }
  # report rows: | scenario | peer | req/s | vs direct | vs haproxy TCP | p50 | p99 | +p50 | +p99 | cpu | cpu vs | vcpu | ctx | rss | peak | note |
  awk -F'|' -v name="$name" '
    { gsub(/ /, "", $2); gsub(/ /, "", $3); gsub(/ /, "", $11) }
    $3 == "haproxy-tcp" || $3 == "haproxy-http" { cpu[$2 "/" $3] = $11 }
    $3 ~ /^meshproxy/ {
      ready = "-"
      if (match($17, /ready in [0-9.]+ s/)) { ready = substr($17, RSTART + 9, RLENGTH - 11) }
      ref = ($2 == "http" && cpu["http/haproxy-http"] != "") ? "haproxy-http" : "haproxy-tcp"
      vs = (cpu[$2 "/" ref] > 0 && $11 > 0) ? sprintf("%.2f (%s %s)", $11 / cpu[$2 "/" ref], ref, cpu[$2 "/" ref]) : "-"
      printf "| %s | %s |%s|%s|%s| %s | %s |%s|%s|%s| %s |\n", name, $2, $4, $5, $8, $11, vs, $14, $15, $16, ready
    }
  ' "$dir/report.md" >>"$table"
done <<<"$variants"

echo >>"$table"
echo "load average at end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$table"
echo "tuning table: $table" >&2
