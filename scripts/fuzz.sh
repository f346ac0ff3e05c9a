#!/usr/bin/env bash
# Fuzzes the inputs' fuzz targets (Jazzer, coverage-guided), one target at a time, each for a bounded time or number
# of executions, and prints what each run did.
#
#   scripts/fuzz.sh                         # 30 s per target
#   scripts/fuzz.sh 120                     # 120 s per target
#   scripts/fuzz.sh --executions 10000000   # 10 million executions per target, however long that takes
#   scripts/fuzz.sh 60 segment gzip         # only these targets
#
# Targets: segment selfDescribing cloudEventsStructured cloudEventsBatch cloudEventsBinary webhook pixel gzip
# schemaUri snowplowGet snowplowPost.
#
# A finding (an exception, a 5xx, a non-JSON error, a hang) stops its target, fails the script, and is written to
# the target's corpus directory (src/test/resources/<package>/<TestClass>Inputs/<target>/crash-<sha1>), which every
# plain test run replays; commit it with its fix. Inputs the fuzzer found interesting stay in the module's
# .cifuzz-corpus/ (not committed) and seed the next run. Logs: target/fuzz/<target>.log. Extra Maven arguments can
# be passed in MAVEN_ARGS (for example -o).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=30
executions=0
targets=()
while (($#)); do
  case "$1" in
    --executions) executions="$2"; shift 2 ;;
    --executions=*) executions="${1#*=}"; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    [0-9]*) seconds="$1"; shift ;;
    *) targets+=("$1"); shift ;;
  esac
done

declare -A test_of=(
  [segment]=dev.eventkit.input.CollectorFuzzTest#segment
  [selfDescribing]=dev.eventkit.input.CollectorFuzzTest#selfDescribing
  [cloudEventsStructured]=dev.eventkit.input.CollectorFuzzTest#cloudEventsStructured
  [cloudEventsBatch]=dev.eventkit.input.CollectorFuzzTest#cloudEventsBatch
  [cloudEventsBinary]=dev.eventkit.input.CollectorFuzzTest#cloudEventsBinary
  [webhook]=dev.eventkit.input.CollectorFuzzTest#webhook
  [pixel]=dev.eventkit.input.CollectorFuzzTest#pixel
  [gzip]=dev.eventkit.input.CollectorFuzzTest#gzip
  [schemaUri]=dev.eventkit.schema.SchemaUriFuzzTest#parse
  [snowplowGet]=dev.eventkit.snowplow.SnowplowCollectorFuzzTest#get
  [snowplowPost]=dev.eventkit.snowplow.SnowplowCollectorFuzzTest#post
)
all=(segment selfDescribing cloudEventsStructured cloudEventsBatch cloudEventsBinary webhook pixel gzip schemaUri
  snowplowGet snowplowPost)
((${#targets[@]})) || targets=("${all[@]}")

if ((executions > 0)); then
  # Bounded by executions only: the time limit is far away.
  budget=(-Djazzer.max_executions="$executions" -Djazzer.max_duration=48h)
else
  budget=(-Djazzer.max_duration="${seconds}s")
fi

mkdir -p target/fuzz
# Compile once; every target then runs in its own JVM (Jazzer fuzzes one target per JVM).
mvn -B -ntp -q ${MAVEN_ARGS:-} -pl eventkit-core,eventkit-snowplow test-compile

failed=()
printf '%-22s %12s %8s %6s %7s %6s %8s  %s\n' target executions exec/s edges features corpus seconds result
for t in "${targets[@]}"; do
  test="${test_of[$t]:-}"
  [[ -n "$test" ]] || { echo "unknown target $t (one of: ${all[*]})" >&2; exit 2; }
  log="target/fuzz/$t.log"
  start=$(date +%s)
  status=0
  JAZZER_FUZZ=1 mvn -B -ntp ${MAVEN_ARGS:-} -pl eventkit-core,eventkit-snowplow test -Dtest="$test" \
    -Dsurefire.failIfNoSpecifiedTests=false "${budget[@]}" >"$log" 2>&1 || status=$?
  took=$(($(date +%s) - start))
  # libFuzzer's last status line: "#RUNS DONE cov: EDGES ft: FEATURES corp: N/SIZE ... exec/s: RATE ...".
  last=$(grep -aE '^#[0-9]+[[:space:]]' "$log" | tail -1 || true)
  runs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  corp=$(sed -nE 's/.* corp: ([0-9]+).*/\1/p' <<<"$last")
  rate=$(sed -nE 's/.* exec\/s: ([0-9]+).*/\1/p' <<<"$last")
  result=ok
  if ((status != 0)); then
    finding=$(grep -aE '^== Java Exception|FuzzTestFindingException|Tests run:.*(Failures: [1-9]|Errors: [1-9])' "$log" \
      | head -1 || true)
    result="FAILED: ${finding:-see $log}"
    failed+=("$t")
  fi
  printf '%-22s %12s %8s %6s %7s %6s %8s  %s\n' "$t" "${runs:--}" "${rate:--}" "${cov:--}" "${ft:--}" \
    "${corp:--}" "$took" "$result"
done

if ((${#failed[@]})); then
  echo "findings in: ${failed[*]} (inputs saved under src/test/resources/**/*Inputs/<target>/; logs in target/fuzz/)" >&2
  exit 1
fi
