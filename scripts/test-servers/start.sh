#!/usr/bin/env bash
# Starts the test servers on loopback and writes $STATE_DIR/env for the tests.
#
#   scripts/test-servers/start.sh                 # all five
#   scripts/test-servers/start.sh pubsub          # one (e.g. restart after stop.sh pubsub)
#
# A server keeps the port recorded in $STATE_DIR/NAME.port, so stop.sh NAME
# followed by start.sh NAME brings it back on the SAME port (clients keep
# their endpoint). `stop.sh` without arguments forgets the ports.
# Already running servers are left alone (only re-checked).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "$here/common.sh"

TIMEOUT="${EVENTKIT_TEST_SERVERS_TIMEOUT:-120}"   # seconds per server

requested=("$@")
[[ ${#requested[@]} -gt 0 ]] || requested=("${ALL_SERVERS[@]}")
check_server_names "${requested[@]}"
# gcs must come before bigquery: bigquery-emulator is told where gcs is.
servers=()
for s in "${ALL_SERVERS[@]}"; do
  for r in "${requested[@]}"; do [[ "$r" == "$s" ]] && { servers+=("$s"); break; }; done
done

mkdir -p "$STATE_DIR"
command -v curl >/dev/null || die "curl not found; run scripts/test-servers/install.sh"
command -v setsid >/dev/null || die "setsid not found (util-linux)"

# ------------------------------------------------------------------ ports
port_in_use() {
  # A listener on it (ss), or anything accepting a connection (/dev/tcp).
  # TIME_WAIT leftovers of the previous instance don't count: the servers
  # bind with SO_REUSEADDR (Java and Go both do on Linux).
  if command -v ss >/dev/null 2>&1 && ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; then
    return 0
  fi
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_free_port() {
  # 20000-32767 lies below Linux's ephemeral range, so no client socket of
  # the tests can sit on the port when a server is restarted on it.
  local p i taken
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 12768))
    taken=" $(cat "$STATE_DIR"/*.port 2>/dev/null | tr '\n' ' ') "
    [[ "$taken" == *" $p "* ]] && continue
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  die "no free loopback port found"
}

# port_for KEY: the recorded port for KEY (e.g. pubsub, bigquery-grpc), else a new one.
port_for() {
  local f="$STATE_DIR/$1.port" p
  if [[ -s "$f" ]]; then
    cat "$f"
  else
    p="$(pick_free_port)"
    echo "$p" >"$f"
    echo "$p"
  fi
}

wait_port_free() { # wait_port_free PORT NAME
  local deadline=$((SECONDS + 15))
  while port_in_use "$1"; do
    if ((SECONDS >= deadline)); then
      ss -ltnp "sport = :$1" 2>/dev/null >&2 || true
      die "$2: port $1 (recorded in $STATE_DIR) is taken by another process; stop it, or run stop.sh (no args) to forget the ports"
    fi
    sleep 0.5
  done
}

# ------------------------------------------------------------- launching
launch() { # launch NAME CMD... ; runs CMD in its own session/process group
  local name="$1"; shift
  local logf="$STATE_DIR/$name.log"
  printf '\n===== %s start: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$logf"
  # setsid: the server becomes leader of a new process group, so stop.sh can
  # kill the group (the Firestore launcher is a bash script with a java child).
  setsid "$@" </dev/null >>"$logf" 2>&1 &
  echo $! >"$STATE_DIR/$name.pid"
}

# wait_ready NAME URL EXPECT [EXTRA_TCP_PORT]: polls until URL's body contains EXPECT.
wait_ready() {
  local name="$1" url="$2" expect="$3" extra="${4:-}"
  local deadline=$((SECONDS + TIMEOUT)) body
  while :; do
    if ! server_running "$name"; then
      fail_start "$name" "process exited before answering"
    fi
    body="$(curl -fsS -m 2 "$url" 2>/dev/null || true)"
    if [[ -n "$body" && "$body" == *"$expect"* ]]; then
      if [[ -z "$extra" ]] || (exec 3<>"/dev/tcp/127.0.0.1/$extra") 2>/dev/null; then
        return 0
      fi
    fi
    if ((SECONDS >= deadline)); then
      fail_start "$name" "no answer from $url${extra:+ (and gRPC port $extra)} within ${TIMEOUT}s"
    fi
    sleep 0.25
  done
}

fail_start() { # fail_start NAME REASON
  local logf="$STATE_DIR/$1.log"
  printf '[test-servers] ERROR: %s did not come up: %s\n' "$1" "$2" >&2
  printf '[test-servers] ---- last 30 lines of %s ----\n' "$logf" >&2
  tail -n 30 "$logf" >&2 || true
  "$here/stop.sh" "$1" >/dev/null 2>&1 || true
  exit 1
}

start_pubsub() {
  [[ -x "$PUBSUB_LAUNCHER" ]] || die "Pub/Sub emulator missing; run scripts/test-servers/install.sh"
  local port; port="$(port_for pubsub)"
  if ! server_running pubsub; then
    wait_port_free "$port" pubsub
    launch pubsub "$PUBSUB_LAUNCHER" --host=127.0.0.1 --port="$port"
  fi
  wait_ready pubsub "http://127.0.0.1:$port/" "Ok"
  log "pubsub    ready on 127.0.0.1:$port (pid $(cat "$STATE_DIR/pubsub.pid"))"
}

start_firestore() {
  [[ -x "$FIRESTORE_LAUNCHER" ]] || die "Firestore emulator missing; run scripts/test-servers/install.sh"
  local port; port="$(port_for firestore)"
  if ! server_running firestore; then
    wait_port_free "$port" firestore
    launch firestore "$FIRESTORE_LAUNCHER" start --host=127.0.0.1 --port="$port"
  fi
  wait_ready firestore "http://127.0.0.1:$port/" "Ok"
  log "firestore ready on 127.0.0.1:$port (pid $(cat "$STATE_DIR/firestore.pid"))"
}

start_gcs() {
  [[ -x "$FAKE_GCS_BIN" ]] || die "fake-gcs-server missing ($FAKE_GCS_BIN); run scripts/test-servers/install.sh"
  local port; port="$(port_for gcs)"
  if ! server_running gcs; then
    wait_port_free "$port" gcs
    # -external-url: self/media links and upload Locations point back here
    # (not at the bind address). -public-host: path-style object URLs
    # (http://127.0.0.1:PORT/BUCKET/OBJECT) are served like storage.googleapis.com.
    launch gcs "$FAKE_GCS_BIN" -scheme http -host 127.0.0.1 -port "$port" -backend memory \
      -external-url "http://127.0.0.1:$port" -public-host "127.0.0.1:$port" -log-level info
  fi
  wait_ready gcs "http://127.0.0.1:$port/storage/v1/b" '"kind"'
  log "gcs       ready on 127.0.0.1:$port (pid $(cat "$STATE_DIR/gcs.pid"))"
}

start_bigquery() {
  [[ -x "$BQ_EMULATOR_BIN" ]] || die "bigquery-emulator missing ($BQ_EMULATOR_BIN); run scripts/test-servers/install.sh"
  local port grpc gcs_env=()
  port="$(port_for bigquery)"
  grpc="$(port_for bigquery-grpc)"
  if ! server_running bigquery; then
    wait_port_free "$port" bigquery
    wait_port_free "$grpc" bigquery
    # The emulator reads STORAGE_EMULATOR_HOST (with scheme) from its OWN
    # environment when a load/extract job touches gs://; gcs keeps its port
    # across restarts, so setting it once at start is enough.
    if [[ -s "$STATE_DIR/gcs.port" ]]; then
      gcs_env=(env "STORAGE_EMULATOR_HOST=http://127.0.0.1:$(cat "$STATE_DIR/gcs.port")")
    else
      log "warning: gcs has no port yet; bigquery load jobs from gs:// will go to the real GCS (start gcs first)"
      gcs_env=(env -u STORAGE_EMULATOR_HOST)
    fi
    launch bigquery "${gcs_env[@]}" "$BQ_EMULATOR_BIN" --project="$GCP_PROJECT_ID" \
      --host=127.0.0.1 --port="$port" --grpc-port="$grpc" --log-level="${EVENTKIT_BQ_LOG_LEVEL:-info}"
  fi
  # An empty project answers 200 with "{}" (no "kind"), so expect just JSON.
  wait_ready bigquery "http://127.0.0.1:$port/bigquery/v2/projects/$GCP_PROJECT_ID/datasets" '{' "$grpc"
  log "bigquery  ready on 127.0.0.1:$port, gRPC 127.0.0.1:$grpc (pid $(cat "$STATE_DIR/bigquery.pid"))"
}

start_kafka() {
  [[ -f "$KAFKA_HOME/version" ]] || die "Kafka broker jars missing ($KAFKA_LIBS); run scripts/test-servers/install.sh kafka"
  local port controller data="$STATE_DIR/kafka-data" conf="$STATE_DIR/kafka.properties" logf="$STATE_DIR/kafka.log"
  port="$(port_for kafka)"
  controller="$(port_for kafka-controller)"
  local -a java_cmd=(java -Xmx512m -cp "$KAFKA_LIBS/*" -Dorg.slf4j.simpleLogger.defaultLogLevel=info)
  local started_before=0
  if ! server_running kafka; then
    wait_port_free "$port" kafka
    wait_port_free "$controller" kafka
    # One combined broker+controller node. The data directory outlives stop.sh kafka (a restart keeps every
    # record, like a real broker's disk); stop.sh without arguments deletes it.
    cat >"$conf" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$data
num.partitions=4
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPS
    if [[ ! -f "$data/meta.properties" ]]; then
      mkdir -p "$data"
      "${java_cmd[@]}" kafka.tools.StorageTool format -t "$(cat /proc/sys/kernel/random/uuid | tr -d '-' | head -c 22)" \
        -c "$conf" >>"$logf" 2>&1 || fail_start kafka "storage format failed"
    fi
    started_before="$(grep -c 'Kafka Server started' "$logf" 2>/dev/null || true)"
    launch kafka "${java_cmd[@]}" kafka.Kafka "$conf"
  else
    started_before=-1
  fi
  local deadline=$((SECONDS + TIMEOUT))
  while :; do
    server_running kafka || fail_start kafka "process exited before answering"
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      # The listener opens a moment before the broker serves; its log line says when it does.
      if ((started_before < 0)) || (( $(grep -c 'Kafka Server started' "$logf" || true) > started_before )); then
        break
      fi
    fi
    ((SECONDS < deadline)) || fail_start kafka "not started on 127.0.0.1:$port within ${TIMEOUT}s"
    sleep 0.25
  done
  log "kafka     ready on 127.0.0.1:$port (pid $(cat "$STATE_DIR/kafka.pid"))"
}

write_env() {
  # KEY=VALUE lines (no quotes): `set -a; . env; set +a` in bash, or parse
  # as a properties file from Java/Maven. Only servers with a recorded port.
  local f="$STATE_DIR/env" tmp="$STATE_DIR/env.tmp" p
  {
    [[ -s "$STATE_DIR/pubsub.port" ]] && echo "PUBSUB_EMULATOR_HOST=127.0.0.1:$(cat "$STATE_DIR/pubsub.port")"
    [[ -s "$STATE_DIR/firestore.port" ]] && echo "FIRESTORE_EMULATOR_HOST=127.0.0.1:$(cat "$STATE_DIR/firestore.port")"
    [[ -s "$STATE_DIR/gcs.port" ]] && echo "STORAGE_EMULATOR_HOST=http://127.0.0.1:$(cat "$STATE_DIR/gcs.port")"
    if [[ -s "$STATE_DIR/bigquery.port" ]]; then
      echo "BIGQUERY_EMULATOR_HOST=http://127.0.0.1:$(cat "$STATE_DIR/bigquery.port")"
      p="$(cat "$STATE_DIR/bigquery-grpc.port")"
      echo "BIGQUERY_EMULATOR_GRPC_HOST=127.0.0.1:$p"
    fi
    [[ -s "$STATE_DIR/kafka.port" ]] && echo "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$(cat "$STATE_DIR/kafka.port")"
    echo "GCP_PROJECT_ID=$GCP_PROJECT_ID"
  } >"$tmp"
  mv -f "$tmp" "$f"   # atomic: a test reading the file never sees half of it
}

for s in "${servers[@]}"; do
  "start_$s"
  write_env
done
log "env file: $STATE_DIR/env"
cat "$STATE_DIR/env"
