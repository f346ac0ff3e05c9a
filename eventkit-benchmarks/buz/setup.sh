#!/usr/bin/env bash
# Builds Buz from a checkout of github.com/silverton-io/buz and prepares what http-bench.sh runs it with: the
# binary, config.yml (this directory's template: one file sink, telemetry off) and a copy of Buz's schemas whose
# "$schema" points at the standard 2020-12 meta-schema (Buz's own meta-schema URL needs the internet).
#
# Usage: setup.sh BUZ_SOURCE_DIR OUT_DIR PORT      (prints nothing; OUT_DIR/buz and OUT_DIR/config.yml exist after)
set -euo pipefail
src=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
port=$3
here=$(cd "$(dirname "$0")" && pwd)

if [ ! -x "$out/buz" ] || [ "$src/go.mod" -nt "$out/buz" ]; then
  (cd "$src" && go build -o "$out/buz" ./cmd/buz)
fi
rm -rf "$out/schemas"
cp -r "$src/schemas" "$out/schemas"
find "$out/schemas" -name '*.json' -exec sed -i \
  's#"\$schema": *"https://raw.githubusercontent.com/silverton-io/buz/main/schemas/io.silverton/buz/internal/meta/v1.0.json"#"$schema": "https://json-schema.org/draft/2020-12/schema"#' {} +
sed -e "s#@PORT@#$port#" -e "s#@DIR@#$out#g" "$here/config.yml.template" > "$out/config.yml"
