#!/usr/bin/env bash
# Builds the benchmarks, runs the JMH suite with settings short enough for a small machine (about 10 minutes on
# 2 cores), then load-tests the example collector over HTTP if its jar has been built.
#
# Environment:
#   JMH_ARGS        JMH options (default: -f 1 -wi 2 -i 5 -w 4s -r 4s); add a regex to run a subset
#   MVN_FLAGS       extra Maven flags, such as -o
#   SKIP_JMH=1      only the HTTP part
#   COLLECTOR_PORT  the port the example collector listens on (default 8080)
#   COLLECTOR_ARGS  arguments for the example collector (default none)
set -euo pipefail
cd "$(dirname "$0")/.."

JMH_ARGS=${JMH_ARGS:--f 1 -wi 2 -i 5 -w 4s -r 4s}
COLLECTOR_PORT=${COLLECTOR_PORT:-8080}
BENCH_JAR=eventkit-benchmarks/target/eventkit-benchmarks.jar
COLLECTOR_JAR=eventkit-examples/target/eventkit-collector.jar
OUT=eventkit-benchmarks/target

echo "== build"
modules=eventkit-benchmarks
if [ -d eventkit-examples/src/main/java ]; then
  modules=$modules,eventkit-examples
fi
# shellcheck disable=SC2086
mvn -q -DskipTests ${MVN_FLAGS:-} -pl "$modules" -am package

echo "== machine"
echo "cores: $(nproc); memory: $(free -g | awk '/^Mem:/ {print $2}') GiB"
java -version 2>&1 | head -1

if [ "${SKIP_JMH:-0}" != 1 ]; then
  echo "== JMH ($JMH_ARGS)"
  # shellcheck disable=SC2086
  java -jar "$BENCH_JAR" $JMH_ARGS -rf json -rff "$OUT/jmh-results.json" | tee "$OUT/jmh-output.txt"
fi

echo "== HTTP load"
if [ ! -f "$COLLECTOR_JAR" ] || ! unzip -l "$COLLECTOR_JAR" | grep 'dev/eventkit/examples/CollectorServer.class' >/dev/null; then
  echo "skipped: $COLLECTOR_JAR (with dev.eventkit.examples.CollectorServer) is not built yet"
  exit 0
fi
base="http://127.0.0.1:$COLLECTOR_PORT"
if curl -s -o /dev/null --max-time 2 "$base/health"; then
  echo "skipped: something already listens on port $COLLECTOR_PORT; set COLLECTOR_PORT to a free one"
  exit 0
fi

workdir=$(mktemp -d -t eventkit-collector.XXXXXX)
collector_pid=
stop_collector() {
  if [ -n "$collector_pid" ] && kill -0 "$collector_pid" 2>/dev/null; then
    kill "$collector_pid"
    wait "$collector_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap stop_collector EXIT

jar_path=$(pwd)/$COLLECTOR_JAR
# The collector runs in a scratch directory so that its log lands there and is removed afterwards.
# shellcheck disable=SC2086
(cd "$workdir" && EVENTKIT_PORT="$COLLECTOR_PORT" EVENTKIT_HOST=127.0.0.1 exec java -jar "$jar_path" ${COLLECTOR_ARGS:-}) \
  > "$OUT/collector.log" 2>&1 &
collector_pid=$!
for _ in $(seq 1 60); do
  if curl -s -o /dev/null --max-time 1 "$base/health"; then
    break
  fi
  if ! kill -0 "$collector_pid" 2>/dev/null; then
    echo "skipped: the collector exited at start; see $OUT/collector.log"
    tail -20 "$OUT/collector.log"
    exit 0
  fi
  sleep 0.5
done
if ! curl -s -o /dev/null --max-time 1 "$base/health"; then
  echo "skipped: the collector did not answer $base/health within 30 s; see $OUT/collector.log"
  exit 0
fi

echo "-- 16 clients, 1 event per request"
java -cp "$BENCH_JAR" dev.eventkit.benchmarks.LoadDriver --url "$base/collect" \
  --clients 16 --requests 50000 --batch 1 --max-seconds 60
echo "-- 16 clients, 20 events per request"
java -cp "$BENCH_JAR" dev.eventkit.benchmarks.LoadDriver --url "$base/collect" \
  --clients 16 --requests 5000 --batch 20 --max-seconds 60
