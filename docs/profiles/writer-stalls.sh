#!/usr/bin/env bash
# The /collect tail-latency experiment: the example collector (Netty host, defaults, fresh data directory) under
# Segment load before, during and after a retention prune, with the log's debug timestamps, a GC log, WAL file
# sizes every 250 ms and an async-profiler wall-clock recording of every thread. Then
#   java docs/profiles/WriterStalls.java OUT/wall.jfr 13
# lists the log writer's longest busy stretches (what an append can wait behind).
#
# Usage: docs/profiles/writer-stalls.sh OUT [MAX_RETAINED]   (MAX_RETAINED: EVENTKIT_RING_BUFFER_MAX_SIZE; 1000
# makes the prune at 60 s delete what a faster machine would have retained beyond the default 100,000)
# Needs the collector jar and async-profiler (eventkit-benchmarks/http-bench.sh with PROFILE_DIR fetches both).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=$1
MAX_RETAINED=${2:-100000}
LIB=${ASYNC_PROFILER_LIB:-eventkit-benchmarks/target/http-bench/tools/libasyncProfiler.so}
JAR=$(pwd)/eventkit-examples/target/eventkit-collector.jar
WRK=$(pwd)/eventkit-benchmarks/wrk
PORT=${PORT:-18460}
rm -rf "$OUT" && mkdir -p "$OUT/dir"
OUT=$(cd "$OUT" && pwd)
LIB=$(cd "$(dirname "$LIB")" && pwd)/$(basename "$LIB")
env -C "$OUT/dir" EVENTKIT_PORT="$PORT" EVENTKIT_HOST=127.0.0.1 EVENTKIT_RING_BUFFER_MAX_SIZE="$MAX_RETAINED" \
  EVENTKIT_DATA_DIR="$OUT/dir/data" java -Xmx256m -Xlog:gc*:file="$OUT/gc.log":uptime,level,tags \
  -Dorg.slf4j.simpleLogger.log.dev.eventkit.buffer=debug -Dorg.slf4j.simpleLogger.showDateTime=true \
  -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS \
  -agentpath:"$LIB"=start,event=wall,interval=5ms,threads,file="$OUT/wall.jfr" \
  -jar "$JAR" > "$OUT/collector.log" 2>&1 &
collector=$!
sampler=
trap 'kill $collector 2>/dev/null || true; wait $collector 2>/dev/null || true; [ -z "$sampler" ] || kill $sampler 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/health" && break
  sleep 0.5
done
echo "started $(date +%T.%3N)" > "$OUT/events.txt"
while kill -0 $collector 2>/dev/null; do
  echo "$(date +%T.%3N) $(stat -c %s "$OUT/dir/data/wal.db-wal" 2>/dev/null || echo 0)"
  sleep 0.25
done > "$OUT/wal-size.txt" &
sampler=$!
run() {
  echo "$1 start $(date +%T.%3N) $(date +%s%3N)" >> "$OUT/events.txt"
  wrk -t2 -c64 -d"$3" --latency -s "$WRK/$2.lua" "http://127.0.0.1:$PORT" > "$OUT/$1.txt"
  echo "$1 end $(date +%T.%3N) $(date +%s%3N)" >> "$OUT/events.txt"
  echo "$1: $(awk '/^Requests\/sec/ {print $2}' "$OUT/$1.txt") req/s, p50 $(awk '$1 == "50%" {print $2}' "$OUT/$1.txt")," \
    "p99 $(awk '$1 == "99%" {print $2}' "$OUT/$1.txt")"
}
run warm segment 5s
run tp2-load tp2 40s
run segment-prune segment 25s   # spans the first retention run, 60 s after the log opened
run segment-after segment 12s
grep -h "retention removed" "$OUT/collector.log" || echo "no retention run in this window"
