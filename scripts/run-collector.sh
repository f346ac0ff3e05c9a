#!/usr/bin/env bash
# Builds the example collector and runs it on its embedded defaults (SQLite WAL + NDJSON files in ./eventkit-data).
# Arguments go to the collector (--config FILE, --check-config, --help, ...); settings come from the file and from
# EVENTKIT_* environment variables, see eventkit-examples/README.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# The test page's Snowplow tracker (npm); without it the page still loads and says what is missing.
bash "$root/eventkit-examples/src/main/tracker/install.sh" || echo "warning: the test page will have no tracker" >&2
mvn -q -B -ntp -f "$root/pom.xml" -pl eventkit-examples -am package -DskipTests
exec java ${EVENTKIT_JAVA_OPTS:-} -jar "$root/eventkit-examples/target/eventkit-collector.jar" "$@"
