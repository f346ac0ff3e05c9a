#!/usr/bin/env bash
# Installs what the browser tests (SegmentBrowserTest) need, idempotently: Debian's Chromium and this directory's
# npm packages exactly as package-lock.json pins them. Prints the Chromium executable on stdout.
# Exit status: 0 ready; 3 Chromium is not installed and cannot be (the tests skip and say so); anything else is a
# failure of the install itself, which fails the tests.
set -uo pipefail
cd "$(dirname "$0")"

chromium_path() {
  command -v chromium || command -v chromium-browser || true
}

if [ -z "$(chromium_path)" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    # Without fresh package lists the install fails; update only then.
    { apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }; } >&2
  fi
  if [ -z "$(chromium_path)" ]; then
    echo "chromium is not installed and 'apt-get install -y chromium' could not install it" >&2
    exit 3
  fi
fi

# npm ci again only when the lock file changed since the last install.
marker=node_modules/.eventkit-installed-lock.json
if ! cmp -s package-lock.json "$marker" 2>/dev/null; then
  command -v npm >/dev/null 2>&1 || { echo "npm is not installed" >&2; exit 1; }
  npm ci --no-audit --no-fund >&2 || exit 1
  cp package-lock.json "$marker"
fi

chromium_path
