#!/usr/bin/env bash
# Runs every test of every module. First installs (pinned, cached) the emulators the GCP tests start, and Chromium
# with the npm packages the browser tests drive; the tests start and stop the servers themselves through
# scripts/test-servers/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-servers/install.sh
# Chromium and the npm packages of the browser tests; when this fails, those tests say why (they skip only when
# Chromium cannot be installed).
bash eventkit-examples/src/test/browser/install.sh >/dev/null \
  || echo "warning: the browser tests' install failed; SegmentBrowserTest will report why" >&2
status=0
mvn -B -ntp verify "$@" || status=$?
# Leave no emulator running behind the suite.
bash scripts/test-servers/stop.sh >/dev/null 2>&1 || true
exit $status
