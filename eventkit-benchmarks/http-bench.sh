#!/usr/bin/env bash
# The HTTP host comparison: the example collector on the Netty host and on the JDK server, beside do-nothing
# ceiling servers (a minimal Netty server and the JDK server, both answering 202 and storing nothing) and, when a
# built binary is given, Buz. Each scenario is one `wrk -t2 -cN -d12s --latency` run with a POST body from
# eventkit-benchmarks/wrk/; the result is a Markdown table (req/s, p50/p99 latency, non-2xx answers, socket
# errors, the server's CPU time per request and cores used, its RSS after the run) on stdout and in $OUT/table.md. Loopback only; everything started here
# is stopped on exit.
#
# Environment:
#   DURATION        wrk duration per figure (default 12s); WARMUP per script before a target's figures (15s: on 2 busy cores the JIT needs it)
#   HEAP            the JVMs' heap option (default -Xmx256m)
#   TARGETS         which of eventkit-netty eventkit-jdk ceiling-netty ceiling-jdk to run (default: all four)
#   SCENARIOS       which of tp2-64 tp2-8 webhook-64 segment-64 tp2-64-half webhook-64-half segment-64-half to run
#                   (default: all). "-half" paces the 64 connections at half the req/s the same target reached in
#                   the scenario without it (which must run first), for the latency at half the peak rate
#   BASE_PORT       first port used on 127.0.0.1 (default 18400)
#   BUZ_SRC         a checkout of github.com/silverton-io/buz: buz/setup.sh builds it and writes its config (one
#                   file sink, port BUZ_PORT, default 18490), which adds the "buz" target; or instead
#   BUZ_BIN         a built Buz binary: adds the "buz" target (not built here). BUZ_ARGS: its arguments (e.g. a
#                   config file); BUZ_PORT: the port it listens on per its config (default 8080);
#                   BUZ_TP2_PATH (default /com.snowplowanalytics.snowplow/tp2), BUZ_WEBHOOK_PATH (default /webhook),
#                   BUZ_SEGMENT_PATH (default empty: Buz skips the Segment scenario)
#   PROFILE_DIR     run the eventkit targets under async-profiler (from Maven Central; CPU samples every 2 ms) and
#                   write <target>-tp2-64.html flame graphs and .collapsed stacks of the tp2-64 run there (the
#                   profiler costs throughput: take the table from a run without it)
#   NICE            a nice value for the servers and wrk alike (e.g. -10 on a machine shared with other work; needs
#                   root for negative values); recorded in the table's header
#   OUT             scratch and raw output (default eventkit-benchmarks/target/http-bench)
#   MVN_FLAGS       extra Maven flags, such as -o; SKIP_BUILD=1 uses the jars already built
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

DURATION=${DURATION:-12s}
WARMUP=${WARMUP:-15s}
HEAP=${HEAP:--Xmx256m}
TARGETS=${TARGETS:-eventkit-netty eventkit-jdk ceiling-netty ceiling-jdk}
SCENARIOS=${SCENARIOS:-tp2-64 tp2-8 webhook-64 segment-64 tp2-64-half webhook-64-half segment-64-half}
BASE_PORT=${BASE_PORT:-18400}
BUZ_SRC=${BUZ_SRC:-}
BUZ_BIN=${BUZ_BIN:-}
BUZ_PORT=${BUZ_PORT:-$([ -n "$BUZ_SRC" ] && echo 18490 || echo 8080)}
BUZ_TP2_PATH=${BUZ_TP2_PATH:-/com.snowplowanalytics.snowplow/tp2}
BUZ_WEBHOOK_PATH=${BUZ_WEBHOOK_PATH:-/webhook}
BUZ_SEGMENT_PATH=${BUZ_SEGMENT_PATH:-}
PROFILE_DIR=${PROFILE_DIR:-}
NICE=${NICE:-}
OUT=${OUT:-eventkit-benchmarks/target/http-bench}
COLLECTOR_JAR=$root/eventkit-examples/target/eventkit-collector.jar
BENCH_JAR=$root/eventkit-benchmarks/target/eventkit-benchmarks.jar
ASYNC_PROFILER_VERSION=4.2

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
if [ -n "$BUZ_SRC" ]; then
  echo "== building Buz from $BUZ_SRC" >&2
  "$root/eventkit-benchmarks/buz/setup.sh" "$BUZ_SRC" "$OUT/buz" "$BUZ_PORT"
  BUZ_BIN=$OUT/buz/buz
  export BUZ_CONFIG_PATH=$OUT/buz/config.yml
fi
if [ -n "$BUZ_BIN" ]; then
  TARGETS="$TARGETS buz"
fi

if ! command -v wrk >/dev/null; then
  echo "== installing wrk (Debian package)" >&2
  if [ "$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== build" >&2
  # shellcheck disable=SC2086
  mvn -B -q -DskipTests ${MVN_FLAGS:-} -pl eventkit-benchmarks,eventkit-examples -am package >&2
fi

profiler_lib=
converter_jar=
if [ -n "$PROFILE_DIR" ]; then
  mkdir -p "$PROFILE_DIR"
  PROFILE_DIR=$(cd "$PROFILE_DIR" && pwd)
  tools=$OUT/tools
  mkdir -p "$tools"
  for a in async-profiler jfr-converter; do
    # shellcheck disable=SC2086
    mvn -B -q ${MVN_FLAGS:-} dependency:copy -Dartifact=tools.profiler:$a:$ASYNC_PROFILER_VERSION \
      -DoutputDirectory="$tools" >&2
  done
  unzip -q -o -j "$tools/async-profiler-$ASYNC_PROFILER_VERSION.jar" linux-x64/libasyncProfiler.so -d "$tools"
  profiler_lib=$tools/libasyncProfiler.so
  converter_jar=$tools/jfr-converter-$ASYNC_PROFILER_VERSION.jar
fi

nice_cmd=()
if [ -n "$NICE" ]; then
  nice_cmd=(nice -n "$NICE")
fi

scratch=$(mktemp -d -t eventkit-http-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then
      kill "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
    fi
  done
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts a target in the background; sets target_pid and target_port.
start_target() {
  local name=$1 port=$2 dir=$scratch/$1
  mkdir -p "$dir"
  target_port=$port
  # env -C (not a subshell) so that $! is the server's own pid: the one stopped and measured.
  case $name in
    eventkit-netty|eventkit-jdk)
      local agent=
      if [ -n "$profiler_lib" ]; then
        # Records from the start; the tp2-64 window is cut out of the recording afterwards.
        agent="-agentpath:$profiler_lib=start,event=cpu,interval=2ms,file=$OUT/$name.jfr"
      fi
      # shellcheck disable=SC2086
      "${nice_cmd[@]}" env -C "$dir" EVENTKIT_PORT="$port" EVENTKIT_HOST=127.0.0.1 EVENTKIT_DATA_DIR="$dir/data" \
        EVENTKIT_HTTP_HOST="${name#eventkit-}" java $HEAP -Xlog:gc*:file="$OUT/$name-gc.log" $agent \
        ${JAVA_OPTS:-} -jar "$COLLECTOR_JAR" > "$OUT/$name.log" 2>&1 &
      ;;
    ceiling-netty|ceiling-jdk)
      # shellcheck disable=SC2086
      "${nice_cmd[@]}" env -C "$dir" java $HEAP ${JAVA_OPTS:-} -cp "$BENCH_JAR" dev.eventkit.benchmarks.CeilingServer \
        "${name#ceiling-}" "$port" > "$OUT/$name.log" 2>&1 &
      ;;
    buz)
      target_port=$BUZ_PORT
      # shellcheck disable=SC2086
      "${nice_cmd[@]}" env -C "$dir" "$BUZ_BIN" ${BUZ_ARGS:-} > "$OUT/$name.log" 2>&1 &
      ;;
  esac
  target_pid=$!
  pids+=("$target_pid")
  for _ in $(seq 1 120); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$target_port/health")" != 000 ]; then
      return 0
    fi
    if ! kill -0 "$target_pid" 2>/dev/null; then
      echo "$name exited at start; see $OUT/$name.log" >&2
      tail -20 "$OUT/$name.log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "$name did not answer on port $target_port within 60 s" >&2
  return 1
}

stop_target() {
  kill "$target_pid" 2>/dev/null || true
  wait "$target_pid" 2>/dev/null || true
}

scenario_script() {
  case $1 in
    tp2-*) echo tp2 ;;
    webhook-*) echo webhook ;;
    segment-*) echo segment ;;
  esac
}

# The path a target is sent a scenario's requests on; empty when the target does not serve it.
scenario_path() {
  local target=$1 script=$2
  if [ "$target" != buz ]; then
    case $script in
      tp2) echo /com.snowplowanalytics.snowplow/tp2 ;;
      webhook) echo /webhook/bench ;;
      segment) echo /collect ;;
    esac
    return
  fi
  case $script in
    tp2) echo "$BUZ_TP2_PATH" ;;
    webhook) echo "$BUZ_WEBHOOK_PATH" ;;
    segment) echo "$BUZ_SEGMENT_PATH" ;;
  esac
}

# CPU time (user + system) the process has used, in clock ticks.
cpu_ticks() {
  awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}

rss_mib() {
  awk '/^VmRSS:/ {printf "%d MiB", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "?"
}

cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
mem_gib=$(awk '/^MemTotal:/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)
java_version=$(java -version 2>&1 | head -1)
wrk_version=$( (wrk -v 2>&1 || true) | head -1 | awk '{print $1, $2}')
{
  echo "Machine: \`nproc\` = $(nproc), $cpu_model, $mem_gib GiB memory; $java_version; $wrk_version."
  echo "Load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)${NICE:+; servers and wrk at nice $NICE}. Each figure: \`wrk -t2 -cN -d$DURATION --latency\`"
  echo "on the same cores, loopback, keep-alive, one POST body per request (\`eventkit-benchmarks/wrk/\`); JVMs with"
  echo "\`$HEAP\`; the collector on its defaults with a fresh data directory (SQLite log, NDJSON file sinks)."
  echo
  echo "| Scenario | Server | req/s | p50 | p99 | non-2xx | socket errors | server CPU per request | cores used | RSS after |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
} > "$OUT/header.md"
: > "$OUT/rows.txt"

port=$BASE_PORT
for target in $TARGETS; do
  echo "== $target" >&2
  start_target "$target" "$port"
  for script in tp2 webhook segment; do
    path=$(scenario_path "$target" "$script")
    if [ -n "$path" ]; then
      WRK_PATH=$path "${nice_cmd[@]}" wrk -t2 -c64 -d"$WARMUP" -s "eventkit-benchmarks/wrk/$script.lua" \
        "http://127.0.0.1:$target_port" > /dev/null
    fi
  done
  for scenario in $SCENARIOS; do
    script=$(scenario_script "$scenario")
    peak=${scenario%-half}
    conns=${peak##*-}
    path=$(scenario_path "$target" "$script")
    if [ -z "$path" ]; then
      continue
    fi
    rate=0
    if [ "$peak" != "$scenario" ]; then
      rate=$(awk -F'|' -v s="$peak" -v t="$target" '$1 == s && $2 == t {printf "%d", $3 / 2}' "$OUT/rows.txt")
      if [ -z "$rate" ] || [ "$rate" = 0 ]; then
        echo "   $scenario: skipped, $peak did not run for $target" >&2
        continue
      fi
    fi
    raw=$OUT/$target-$scenario.txt
    started_ms=$(date +%s%3N)
    ticks_before=$(cpu_ticks "$target_pid")
    WRK_PATH=$path WRK_RATE=$rate WRK_CONNS=$conns "${nice_cmd[@]}" wrk -t2 -c"$conns" -d"$DURATION" --latency --timeout 10s \
      -s "eventkit-benchmarks/wrk/$script.lua" "http://127.0.0.1:$target_port" > "$raw"
    ended_ms=$(date +%s%3N)
    rss=$(rss_mib "$target_pid")
    ticks=$(( $(cpu_ticks "$target_pid") - ticks_before ))
    if [ -n "$profiler_lib" ] && [ "$scenario" = tp2-64 ] && [[ $target == eventkit-* ]]; then
      profile_window="--from $started_ms --to $ended_ms"
    fi
    rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$raw")
    p50=$(awk '$1 == "50%" {print $2}' "$raw")
    p99=$(awk '$1 == "99%" {print $2}' "$raw")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$raw")
    errors=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$raw")
    requests=$(awk '/ requests in / {print $1}' "$raw")
    # Server CPU per request: robust where the wall-clock figures are not (a machine shared with other work).
    cpu_per_request=$(awk -v t="$ticks" -v n="${requests:-0}" -v hz="$(getconf CLK_TCK)" \
      'BEGIN {if (n > 0) printf "%.3f ms", 1000 * t / hz / n; else print "-"}')
    cpu_share=$(awk -v t="$ticks" -v ms=$((ended_ms - started_ms)) -v hz="$(getconf CLK_TCK)" \
      'BEGIN {printf "%.2f", t / hz / (ms / 1000)}')
    echo "$scenario|$target|$rps|$p50|$p99|${non2xx:-0}|${errors:-0}|$cpu_per_request|$cpu_share|$rss" \
      >> "$OUT/rows.txt"
    echo "   $scenario: $rps req/s, p50 $p50, p99 $p99, non-2xx ${non2xx:-0}, CPU $cpu_per_request/req" \
      "($cpu_share cores), RSS $rss" >&2
  done
  stop_target
  if [ -n "${profile_window:-}" ]; then
    # The agent wrote the recording when the JVM exited; keep the tp2-64 window only.
    # shellcheck disable=SC2086
    java -jar "$converter_jar" --title "$target under tp2 POSTs, 64 connections" --norm $profile_window \
      "$OUT/$target.jfr" "$PROFILE_DIR/$target-tp2-64.html" >&2
    # shellcheck disable=SC2086
    java -jar "$converter_jar" -o collapsed --norm $profile_window "$OUT/$target.jfr" \
      "$PROFILE_DIR/$target-tp2-64.collapsed" >&2
    profile_window=
  fi
  port=$((port + 1))
done

{
  cat "$OUT/header.md"
  # Grouped by scenario, in the order given, then by server in the order run.
  for scenario in $SCENARIOS; do
    awk -F'|' -v s="$scenario" '$1 == s {
      sub(/-/, " @ ", $1)
      sub(/-half$/, ", half peak rate", $1)
      printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
    }' "$OUT/rows.txt"
  done
} | tee "$OUT/table.md"
