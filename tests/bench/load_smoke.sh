#!/usr/bin/env bash
# Smoke test of casebridge-load: a server on a throwaway embedded PostgreSQL,
# a small seed, then 2 s of the read and mixed workloads. Asserts that the
# tool runs and prints its JSON line with successful calls; never timings.
#
#   load_smoke.sh <casebridge-server> <casebridge-load>
set -euo pipefail
SERVER=$1
LOAD=$2
WORK=$(mktemp -d /tmp/cb-load-smoke.XXXXXX)
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
fail() {
  echo "FAIL: $*" >&2
  tail -20 "$WORK/server.log" >&2 || true
  exit 1
}

PORT=$((30000 + RANDOM % 20000))
"$SERVER" --data-dir="$WORK/data" --listen="127.0.0.1:$PORT" --seed-demo --enable_echo \
  >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  [[ -f $WORK/data/demo-tokens.json ]] &&
    "$LOAD" --target="127.0.0.1:$PORT" --workload=echo --calls=1 --warmup=0s >/dev/null 2>&1 &&
    break
  kill -0 "$SERVER_PID" 2>/dev/null || fail "the server exited"
  sleep 0.2
done
[[ -f $WORK/data/demo-tokens.json ]] || fail "the server did not start"

# The embedded cluster's socket: <data>/sock, or /tmp/casebridge-pg-* when
# that path is too long; its passwords are in <data>/pgpass
# (storage/embedded_postgres.h).
SOCK=$WORK/data/sock
DB="host=$SOCK port=5432 dbname=postgres user=casebridge passfile=$WORK/data/pgpass"
"$LOAD" seed --database="$DB" --cases=60 --incidents_per_case=4 --audit_events=500 \
  --tokens_out="$WORK/tokens.json" --targets_out="$WORK/targets.json" \
  --audit_key_dir="$WORK/data/audit-keys" \
  >"$WORK/seed.log" 2>&1 || { cat "$WORK/seed.log" >&2; fail "seed failed"; }

for workload in read mixed; do
  out=$("$LOAD" --target="127.0.0.1:$PORT" --tokens="$WORK/tokens.json" \
    --targets="$WORK/targets.json" --workload=$workload --concurrency=2 \
    --duration=2s --warmup=0s) || fail "casebridge-load $workload exited non-zero"
  echo "$out"
  last=$(echo "$out" | tail -1)
  [[ $last == \{*\"calls_per_s\":* ]] || fail "$workload: the last line is not the JSON result: $last"
  [[ $last =~ \"ok\":([0-9]+) ]] || fail "$workload: no ok count"
  ((BASH_REMATCH[1] > 0)) || fail "$workload: no call succeeded: $last"
  [[ $last =~ \"p99_ms\":[0-9.e+-]+ ]] || fail "$workload: no p99"
done
# The seeded audit events are authenticated with the server's event key:
# sealed like the server's own, none refused as forged.
"$LOAD" seal --database="$DB" --audit_key_dir="$WORK/data/audit-keys" >"$WORK/seal.log" 2>&1 ||
  { cat "$WORK/seal.log" >&2; fail "seal failed"; }
rejected=$(psql -X -At "$DB" -c "SELECT count(*) FROM audit_rejected") || fail "psql failed"
[[ $rejected == 0 ]] || fail "the sealer refused $rejected seeded audit events"
sealed=$(psql -X -At "$DB" -c "SELECT count(*) FROM audit_seals") || fail "psql failed"
((sealed >= 500)) || fail "only $sealed audit events sealed"
echo "load smoke test: 3 passed, 0 failed"
