#!/usr/bin/env bash
# Runs every test of every module. Installs what the tests need first.
set -euo pipefail
cd "$(dirname "$0")/.."
exec mvn -B -ntp verify "$@"
