#!/usr/bin/env bash
# Stops test servers started by start.sh, by recorded PID, killing the whole
# process group so Java children of launcher scripts die too.
#
#   scripts/test-servers/stop.sh            # all; also forgets ports, the env file and Kafka's data
#   scripts/test-servers/stop.sh gcs        # one; its port is kept for `start.sh gcs`
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "$here/common.sh"

servers=("$@")
forget=0
if [[ ${#servers[@]} -eq 0 ]]; then
  servers=("${ALL_SERVERS[@]}")
  forget=1
fi
check_server_names "${servers[@]}"

# group_alive PGID: any process left in the group?
group_alive() { kill -0 -- "-$1" 2>/dev/null; }

stop_one() {
  local name="$1" pidfile="$STATE_DIR/$1.pid" pid pgid target
  if [[ ! -f "$pidfile" ]]; then
    log "$name: not started"
    return 0
  fi
  pid="$(cat "$pidfile")"
  pgid="$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ' || true)"
  if [[ -z "$pgid" ]]; then
    # Leader gone; children of the group (if any) may still be alive.
    if group_alive "$pid"; then pgid="$pid"; else
      log "$name: not running (stale pid $pid)"
      rm -f "$pidfile"
      return 0
    fi
  fi
  # start.sh runs each server under setsid, so pgid == pid. Never signal a
  # group we did not create (e.g. the caller's own shell).
  if [[ "$pgid" == "$pid" ]]; then target="-$pid"; else target="$pid"; fi
  kill -TERM -- "$target" 2>/dev/null || true
  local deadline=$((SECONDS + 15))
  while kill -0 -- "$target" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "$name: still alive after 15s, sending SIGKILL"
      kill -KILL -- "$target" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  rm -f "$pidfile"
  log "$name: stopped (pid $pid)"
}

for s in "${servers[@]}"; do
  stop_one "$s"
done

if [[ $forget -eq 1 ]]; then
  rm -f "$STATE_DIR"/*.port "$STATE_DIR/env"
  # The broker's data survives stop.sh kafka (a restart keeps its records), not a full stop.
  rm -rf "$STATE_DIR/kafka-data" "$STATE_DIR/kafka.properties"
fi
