# Shared settings for the test-server scripts; sourced, never run directly.
# Pinned versions live here only, so install.sh and start.sh cannot disagree.

# Debian packages (Google's Cloud SDK repository). The emulators' own versions
# inside 528.0.0-0: Pub/Sub emulator 0.8.20, Firestore emulator 1.19.9.
GCLOUD_DEB_VERSION="528.0.0-0"
PUBSUB_DEB="google-cloud-cli-pubsub-emulator"
FIRESTORE_DEB="google-cloud-cli-firestore-emulator"

# Go tools, built from the Go module proxy.
FAKE_GCS_VERSION="v1.56.1"
FAKE_GCS_PKG="github.com/fsouza/fake-gcs-server"
# v0.6.6 is the newest tag the proxy serves here: the module's version list
# and every v0.7.x answer 403 "This module version is not available".
BQ_EMULATOR_VERSION="v0.6.6"
BQ_EMULATOR_PKG="github.com/goccy/bigquery-emulator/cmd/bigquery-emulator"

# Kafka broker (KRaft mode) from Maven Central's kafka_2.13 jars, run on the JVM.
KAFKA_VERSION="4.4.0"
# slf4j-simple at the slf4j-api version the broker's tree resolves to, so the broker logs (start.sh waits for
# its "started" line).
KAFKA_SLF4J_VERSION="1.7.36"

GCLOUD_PLATFORM="/usr/lib/google-cloud-sdk/platform"
PUBSUB_LAUNCHER="$GCLOUD_PLATFORM/pubsub-emulator/bin/cloud-pubsub-emulator"
FIRESTORE_LAUNCHER="$GCLOUD_PLATFORM/cloud-firestore-emulator/cloud_firestore_emulator"

# Built binaries are cached outside the repository and survive re-clones.
TOOLS_DIR="${EVENTKIT_TOOLS_DIR:-$HOME/.cache/eventkit-tools}"
TOOLS_BIN="$TOOLS_DIR/bin"
FAKE_GCS_BIN="$TOOLS_BIN/fake-gcs-server"
BQ_EMULATOR_BIN="$TOOLS_BIN/bigquery-emulator"
KAFKA_HOME="$TOOLS_DIR/kafka-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_HOME/libs"

# Runtime state: pid/port/log files per server and the env file for tests.
STATE_DIR="${EVENTKIT_TEST_SERVERS_DIR:-/tmp/eventkit-test-servers}"
GCP_PROJECT_ID="${EVENTKIT_GCP_PROJECT_ID:-test-project}"

ALL_SERVERS=(pubsub firestore gcs bigquery kafka)

log() { printf '[test-servers] %s\n' "$*" >&2; }
die() { printf '[test-servers] ERROR: %s\n' "$*" >&2; exit 1; }

# Checks that each argument is a known server name.
check_server_names() {
  local s
  for s in "$@"; do
    case "$s" in
      pubsub|firestore|gcs|bigquery|kafka) ;;
      *) die "unknown server '$s' (expected one of: ${ALL_SERVERS[*]})" ;;
    esac
  done
}

# True when the process in $STATE_DIR/NAME.pid is alive.
server_running() {
  local pidfile="$STATE_DIR/$1.pid" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}
