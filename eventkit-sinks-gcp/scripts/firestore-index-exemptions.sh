#!/usr/bin/env bash
# Creates single-field index exemptions for the collections FirestoreSink writes, so that event documents are not
# indexed field by field: payload, contexts, validation and attributes (every nested field of a map is indexed by
# default, up to the 40,000 index entries per document limit, and each entry costs write latency and storage; the
# sink stores payload and context data as JSON text unless payloadAsMaps(true), and a large string is still an index
# entry worth dropping), and receivedAt and sentAt (a monotonically increasing indexed field limits a collection to
# about 500 writes per second).
# Documents stay readable by id; queries on the exempted fields need a composite index or BigQuery.
#
# Usage: scripts/firestore-index-exemptions.sh PROJECT [DATABASE] STREAM...
#   collection groups are events_<stream> (the sink's default prefix; set PREFIX=... for another one)
#   DATABASE defaults to (default); pass it as "--database=NAME" to use another.
# Needs gcloud and the Cloud Datastore Index Admin role. Re-running is harmless (the exemption is set again).
set -euo pipefail

if [[ $# -lt 2 ]]; then
  sed -n '2,15p' "$0" >&2
  exit 2
fi
project="$1"
shift
database="(default)"
if [[ "$1" == --database=* ]]; then
  database="${1#--database=}"
  shift
fi
prefix="${PREFIX:-events_}"
fields=(payload payloadJson contexts validation attributes receivedAt sentAt)

for stream in "$@"; do
  group="${prefix}${stream}"
  for field in "${fields[@]}"; do
    echo "exempting ${group}.${field} in ${database}"
    gcloud firestore indexes fields update "$field" --project="$project" --database="$database" \
      --collection-group="$group" --disable-indexes --async --quiet
  done
done
