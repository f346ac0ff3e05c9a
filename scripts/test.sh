#!/usr/bin/env bash
# Runs every test of every module. First installs (pinned, cached) the emulators the GCP tests start; the tests
# start and stop the servers themselves through scripts/test-servers/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-servers/install.sh
status=0
mvn -B -ntp verify "$@" || status=$?
# Leave no emulator running behind the suite.
bash scripts/test-servers/stop.sh >/dev/null 2>&1 || true
exit $status
