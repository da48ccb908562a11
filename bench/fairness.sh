#!/usr/bin/env bash
# Fair share: what one user's flood, or a flood with no credential, does to
# another user. Starts SERVER on a throwaway embedded PostgreSQL (fsync on),
# seeds a small world with SEED_LOAD (the casebridge-load built with that
# server, since the seeder writes that server's schema), then measures with
# TRAFFIC_LOAD (a casebridge-load with the flood, victim and anonymous
# workloads):
#   - the victim alone: sgt.khan, GetCase, 4 clients paced at 100 calls/s;
#   - the victim while pc.hughes floods with 300 concurrent GetCase;
#   - the victim while 300 clients without a credential flood ListCases.
# Prints one JSON line per measured run (the casebridge-load line with a
# "scenario" label). A benchmark, not a test: nothing is asserted.
#
#   bench/fairness.sh SERVER SEED_LOAD TRAFFIC_LOAD LABEL [server flags...]
set -euo pipefail
SERVER=$1
SEED_LOAD=$2
LOAD=$3
LABEL=$4
shift 4
WORK=$(mktemp -d /tmp/cb-fairness.XXXXXX)
chmod 755 "$WORK"
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$((30000 + RANDOM % 20000))
TARGET=127.0.0.1:$PORT
"$SERVER" --data-dir="$WORK/data" --listen="$TARGET" --seed-demo --log_level=warn "$@" \
  >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  [[ -f $WORK/data/demo-tokens.json ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { tail "$WORK/server.log" >&2; exit 1; }
  sleep 0.2
done
DB="host=$WORK/data/sock port=5432 dbname=postgres user=casebridge"
[[ -f $WORK/data/pgpass ]] && DB="$DB passfile=$WORK/data/pgpass"
"$SEED_LOAD" seed --database="$DB" --cases=2000 --incidents_per_case=4 \
  --tokens_out="$WORK/tokens.json" --targets_out="$WORK/targets.json" >"$WORK/seed.log" 2>&1
COMMON=(--target="$TARGET" --tokens="$WORK/tokens.json" --targets="$WORK/targets.json")

victim() {  # SCENARIO
  "$LOAD" "${COMMON[@]}" --workload=victim --concurrency=4 --rate=100 --duration=10s \
    --warmup=2s --call_timeout=10s --label="$LABEL $1" | tail -1
}
flood() {  # WORKLOAD: runs 14 s, past the victim's measurement
  "$LOAD" "${COMMON[@]}" --workload="$1" --concurrency=300 --duration=14s --warmup=0s \
    --call_timeout=10s --label="$LABEL flood $1" >"$WORK/flood-$1.log" 2>&1
}

audit_rows() { psql -X -At "$DB" -c "SELECT count(*) FROM audit_events"; }

victim "victim alone"
for w in flood anonymous; do
  before=$(audit_rows)
  flood "$w" &
  FLOOD=$!
  sleep 1
  victim "victim during a $w of 300"
  wait "$FLOOD" || true
  sleep 2  # the refusal summaries of the last window
  echo "{\"label\": \"$LABEL audit rows written during the $w\", \"rows\": $(($(audit_rows) - before))}"
  tail -1 "$WORK/flood-$w.log"
done
