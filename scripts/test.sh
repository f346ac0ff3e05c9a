#!/usr/bin/env bash
# Runs every test of every module. First installs (pinned, cached) the emulators the GCP tests start, the Kafka
# broker, PostgreSQL, and Chromium with the npm packages the browser tests drive; the tests start and stop the servers themselves through
# scripts/test-servers/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-servers/install.sh
# Chromium and the npm packages of the browser tests; when this fails, those tests say why (they skip only when
# Chromium cannot be installed).
bash eventkit-examples/src/test/browser/install.sh >/dev/null \
  || echo "warning: the browser tests' install failed; SegmentBrowserTest will report why" >&2
# The Snowplow browser tracker that the example collector's test page serves, bundled into the jar by the build;
# without it the page says so and TestPageBrowserTest fails.
bash eventkit-examples/src/main/tracker/install.sh \
  || echo "warning: the test page's tracker could not be installed; TestPageBrowserTest will fail" >&2
# PostgreSQL's server binaries for the JDBC sink's tests, which run initdb and pg_ctl themselves on a loopback port.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
status=0
mvn -B -ntp verify "$@" || status=$?
# Leave no emulator running behind the suite.
bash scripts/test-servers/stop.sh >/dev/null 2>&1 || true
exit $status
