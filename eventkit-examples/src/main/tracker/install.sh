#!/usr/bin/env bash
# Installs the Snowplow browser tracker that the example collector's test page serves, exactly as package-lock.json
# pins it, into node_modules/ here; the eventkit-examples build then copies its bundle and licence into the jar.
# Idempotent. Without npm (or without the npm registry) it fails, and a collector built then serves the test page
# with a notice that the tracker is missing instead of the tracker.
set -euo pipefail
cd "$(dirname "$0")"
marker=node_modules/.eventkit-installed-lock.json
if cmp -s package-lock.json "$marker" 2>/dev/null; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "npm is not installed: the test page will have no tracker" >&2; exit 1; }
npm ci --no-audit --no-fund --ignore-scripts >&2
cp package-lock.json "$marker"
