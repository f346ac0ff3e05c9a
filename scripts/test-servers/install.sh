#!/usr/bin/env bash
# Installs the test servers (four GCP emulators, a Kafka broker) at pinned versions.
# Idempotent: apt runs only for a missing/mismatched package, a Go tool is
# rebuilt only when its version stamp differs from the pin in common.sh.
#
#   scripts/test-servers/install.sh                 # all five
#   scripts/test-servers/install.sh gcs bigquery    # only some
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "$here/common.sh"

servers=("$@")
[[ ${#servers[@]} -gt 0 ]] || servers=("${ALL_SERVERS[@]}")
check_server_names "${servers[@]}"

want() { local s; for s in "${servers[@]}"; do [[ "$s" == "$1" ]] && return 0; done; return 1; }

# ---------------------------------------------------------------- Debian side
apt_updated=0
apt_install() {
  # apt-get update only once, and only when something actually has to be installed.
  if [[ $apt_updated -eq 0 ]]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
    apt_updated=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

deb_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }

ensure_cmd_pkg() { # ensure_cmd_pkg COMMAND PACKAGE
  if command -v "$1" >/dev/null 2>&1; then
    log "ok: $1 ($(command -v "$1"))"
  else
    apt_install "$2" || die "apt-get install $2 failed"
    command -v "$1" >/dev/null 2>&1 || die "$2 installed but '$1' is still not on PATH"
  fi
}

ensure_gcloud_deb() { # ensure_gcloud_deb PACKAGE
  local have
  have="$(deb_version "$1")"
  if [[ "$have" == "$GCLOUD_DEB_VERSION" ]]; then
    log "ok: $1 $have (already installed)"
    return
  fi
  log "$1: installed '${have:-none}', pinned '$GCLOUD_DEB_VERSION'"
  # Google's apt repository may be unreachable (it is on the project's
  # machines, where the packages come preinstalled), so say so plainly.
  apt_install "$1=$GCLOUD_DEB_VERSION" \
    || die "cannot install $1=$GCLOUD_DEB_VERSION; if the machine image now ships another version, update GCLOUD_DEB_VERSION in common.sh"
  [[ "$(deb_version "$1")" == "$GCLOUD_DEB_VERSION" ]] || die "$1 is not at $GCLOUD_DEB_VERSION after install"
}

# curl is what start.sh uses for health checks.
ensure_cmd_pkg curl curl

if want pubsub || want firestore || want kafka; then
  # The emulators and the Kafka broker are Java programs; Java 17 is on the machine image.
  ensure_cmd_pkg java openjdk-17-jre-headless
fi
if want pubsub; then
  ensure_gcloud_deb "$PUBSUB_DEB"
  [[ -x "$PUBSUB_LAUNCHER" ]] || die "missing $PUBSUB_LAUNCHER (dpkg -L $PUBSUB_DEB)"
fi
if want firestore; then
  ensure_gcloud_deb "$FIRESTORE_DEB"
  [[ -x "$FIRESTORE_LAUNCHER" ]] || die "missing $FIRESTORE_LAUNCHER (dpkg -L $FIRESTORE_DEB)"
fi
if want bigquery; then
  # bigquery-emulator v0.6.x links ZetaSQL (C++) through cgo; its build
  # expects clang (upstream README: CGO_ENABLED=1 CXX=clang++).
  ensure_cmd_pkg clang++ clang
fi

# -------------------------------------------------------------------- Go side
# Built in a throw-away wrapper module with `go get` + `go build` instead of
# `go install pkg@version`: the latter also asks the proxy for the module's
# version list (deprecation check), and the proxy answers 403 for
# bigquery-emulator, which makes `go install ...@v0.6.6` fail outright.
go_tool() { # go_tool NAME PKG VERSION BIN CGO
  local name="$1" pkg="$2" version="$3" bin="$4" cgo="$5"
  local stamp="$bin.version" want_stamp="$pkg@$version"
  if [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$want_stamp" ]]; then
    log "ok: $name $version (cached: $bin)"
    return
  fi
  command -v go >/dev/null 2>&1 || die "go is not on PATH (needed to build $name)"
  local work="$TOOLS_DIR/build/$name" logf="$TOOLS_DIR/logs/$name-build.log"
  mkdir -p "$TOOLS_BIN" "$TOOLS_DIR/logs"
  rm -rf "$work" && mkdir -p "$work"
  log "building $name $version (cgo=$cgo) -> $bin; log: $logf"
  if [[ "$name" == bigquery-emulator ]]; then
    log "  (cold build compiles ZetaSQL C++ with clang: ~11 min, one clang++ peaks near 7 GiB RSS, on 2 cores)"
  fi
  local t0=$SECONDS
  local -a env=(GOTOOLCHAIN=local CGO_ENABLED="$cgo")
  if [[ "$cgo" == 1 ]]; then env+=(CC=clang CXX=clang++); fi
  if ! ( cd "$work" \
         && go mod init "eventkit-tools/$name" \
         && env "${env[@]}" go get "$pkg@$version" \
         && env "${env[@]}" go build -mod=mod -trimpath \
              -ldflags "-X main.version=$version" \
              -o "$bin.tmp" "$pkg" ) >"$logf" 2>&1; then
    tail -n 40 "$logf" >&2
    rm -f "$bin.tmp"
    die "building $name $version failed (full log: $logf)"
  fi
  mv -f "$bin.tmp" "$bin"
  printf '%s\n' "$want_stamp" >"$stamp"
  log "built $name $version in $((SECONDS - t0))s"
}

if want gcs; then
  go_tool fake-gcs-server "$FAKE_GCS_PKG" "$FAKE_GCS_VERSION" "$FAKE_GCS_BIN" 0
fi
if want bigquery; then
  go_tool bigquery-emulator "$BQ_EMULATOR_PKG" "$BQ_EMULATOR_VERSION" "$BQ_EMULATOR_BIN" 1
fi

# ----------------------------------------------------------------- Maven side
# The Kafka broker's jars (kafka_2.13 and its runtime tree) copied by Maven from the project's registry into
# $KAFKA_LIBS; a stamp names what was copied, so a second run does nothing.
maven_kafka() {
  local stamp="$KAFKA_HOME/version" want_stamp="org.apache.kafka:kafka_2.13:$KAFKA_VERSION+slf4j-simple:$KAFKA_SLF4J_VERSION"
  if [[ -d "$KAFKA_LIBS" && -f "$stamp" && "$(cat "$stamp")" == "$want_stamp" ]]; then
    log "ok: kafka $KAFKA_VERSION (cached: $KAFKA_LIBS)"
    return
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn is not on PATH (needed to fetch the Kafka broker's jars)"
  local work="$KAFKA_HOME/build" logf="$TOOLS_DIR/logs/kafka-install.log"
  mkdir -p "$work" "$TOOLS_DIR/logs"
  cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>eventkit-tools</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>$KAFKA_VERSION</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>$KAFKA_SLF4J_VERSION</version></dependency>
  </dependencies>
</project>
POM
  log "copying kafka_2.13 $KAFKA_VERSION jars -> $KAFKA_LIBS; log: $logf"
  rm -rf "$KAFKA_LIBS.tmp"
  if ! mvn -B -ntp -f "$work/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
       -DoutputDirectory="$KAFKA_LIBS.tmp" >"$logf" 2>&1; then
    tail -n 40 "$logf" >&2
    die "fetching the Kafka broker's jars failed (full log: $logf)"
  fi
  rm -rf "$KAFKA_LIBS"
  mv "$KAFKA_LIBS.tmp" "$KAFKA_LIBS"
  printf '%s\n' "$want_stamp" >"$stamp"
  log "kafka $KAFKA_VERSION installed ($(ls "$KAFKA_LIBS" | wc -l) jars)"
}

if want kafka; then
  maven_kafka
fi

log "done: ${servers[*]} installed"
