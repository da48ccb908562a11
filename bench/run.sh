#!/usr/bin/env bash
# Casebridge benchmarks: every figure and its baseline measured in one run,
# on one machine, against one PostgreSQL cluster with fsync on.
#
#   bench/run.sh            full run (10k and 1M cases, 10M audit events)
#   bench/run.sh --quick    smoke run: small sizes, short runs (a few minutes)
#   bench/run.sh --keep     keep the temporary cluster and logs afterwards
#   bench/run.sh --report DIR   write the table again from a kept work
#                               directory (its results.jsonl and meta.env)
#
# Environment overrides: BENCH_DURATION (e.g. 20s), BENCH_WARMUP,
# BENCH_CONCURRENCY ("1 8 32"), BENCH_CASES_SMALL, BENCH_CASES_LARGE,
# BENCH_AUDIT_EVENTS, BENCH_PORT, BENCH_BUILD_DIR, BENCH_RESULTS (file to
# append the table to; default bench/RESULTS.md), BENCH_NOTE (a line added
# under the table).
#
# Builds casebridge-server and casebridge-load (Release) if needed, starts a
# private PostgreSQL cluster in a temporary directory (as the postgres user
# when run as root), seeds it with `casebridge-load seed`, runs the baselines
# and workloads, prints the table and appends it to bench/RESULTS.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
MODE=full
KEEP=0
REPORT_DIR=
while (($#)); do
  arg=$1
  shift
  case "$arg" in
    --quick) MODE=quick ;;
    --audit) MODE=audit ;;
    --full) MODE=full ;;
    --keep) KEEP=1 ;;
    --report)
      REPORT_DIR=${1:?--report needs the kept work directory}
      shift
      ;;
    -h | --help)
      awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
      exit 0
      ;;
    *)
      echo "run.sh: unknown argument $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

if [[ $MODE == audit ]]; then
  # The audit log alone: seed, seal and verify; nothing else is run.
  DURATION=${BENCH_DURATION:-3s}
  WARMUP=${BENCH_WARMUP:-1s}
  CASES_SMALL=${BENCH_CASES_SMALL:-1000}
  CASES_LARGE=$CASES_SMALL
  AUDIT_EVENTS=${BENCH_AUDIT_EVENTS:-10000000}
  LATENCY_CALLS=0
elif [[ $MODE == quick ]]; then
  DURATION=${BENCH_DURATION:-3s}
  WARMUP=${BENCH_WARMUP:-1s}
  CASES_SMALL=${BENCH_CASES_SMALL:-1000}
  CASES_LARGE=${BENCH_CASES_LARGE:-5000}
  AUDIT_EVENTS=${BENCH_AUDIT_EVENTS:-50000}
  LATENCY_CALLS=300
else
  DURATION=${BENCH_DURATION:-20s}
  WARMUP=${BENCH_WARMUP:-3s}
  CASES_SMALL=${BENCH_CASES_SMALL:-10000}
  CASES_LARGE=${BENCH_CASES_LARGE:-1000000}
  AUDIT_EVENTS=${BENCH_AUDIT_EVENTS:-10000000}
  LATENCY_CALLS=3000
fi
read -r -a CONCURRENCY <<<"${BENCH_CONCURRENCY:-1 8 32}"
PEAK_C=${CONCURRENCY[-1]}
RESULTS_MD=${BENCH_RESULTS:-$ROOT/bench/RESULTS.md}
DURATION_S=${DURATION%s}

log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }
die() {
  echo "run.sh: $*" >&2
  exit 1
}

# --- tools ---------------------------------------------------------------
for tool in jq pgbench; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    if ((EUID == 0)); then
      log "installing $tool"
      apt-get update -qq && apt-get install -y -qq --no-install-recommends \
        "$([[ $tool == pgbench ]] && echo postgresql-contrib || echo jq)" >/dev/null
    else
      die "$tool is missing (apt-get install jq postgresql-contrib)"
    fi
  fi
done
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x $PG_BIN/initdb ]] || die "PostgreSQL is not installed (./dev build installs it)"

# --- report ------------------------------------------------------------
report_table() {
get() { jq -r --arg l "$1" "select(.label == \$l) | .$2" "$RESULTS" | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
fmt() { awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }
ms() { awk -v v="$1" 'BEGIN { printf "%.2f", v }'; }
verdict() { if awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; then echo met; else echo MISSED; fi; }
verdict_below() { if awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; then echo met; else echo MISSED; fi; }

CORES=$(nproc)
MEM_GB=$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
CPU=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
PG_VERSION=$("$PG_BIN/postgres" --version | awk '{print $3}')

verify_rows() {
  v=$(get verify events_per_s)
  local join events
  join=$(get verify-baseline-join rows_per_s)
  events=$(get verify-baseline-events rows_per_s)
  echo "| VerifyAuditLog >= 1M events/s ($(get verify events_checked) events) | $(fmt "$v")/s | $(verdict "$v" 1000000) |"
  if [[ -n $join ]]; then
    echo "| baseline: PostgreSQL sends the rows verify reads, joined, to psql | $(fmt "$join")/s (verify: $(ratio "$v" "$join") of it) | floor |"
    echo "| baseline: PostgreSQL sends the events alone, unjoined | $(fmt "$events")/s (verify: $(ratio "$v" "$events") of it) | floor |"
  fi
}

if [[ $MODE == audit ]]; then
{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — audit run, $CORES cores, ${MEM_GB} GB, $CPU"
  echo
  echo "Commit $REV$DIRTY; PostgreSQL $PG_VERSION (shared_buffers 128MB); server and PostgreSQL" \
    "on this machine. Load average at start $LOAD_START, at end $LOAD_END." \
    "Seeded $CASES_SMALL cases and $AUDIT_EVENTS audit events in ${SEED_SMALL_S}s; sealed in" \
    "${SEAL_S}s (${SEAL_RATE} events/s); $AUDIT_TOTAL audit events in all; database $DB_SIZE."
  [[ -n ${BENCH_NOTE:-} ]] && echo "$BENCH_NOTE"
  echo
  echo "| target | figure | result |"
  echo "|---|---|---|"
  verify_rows
} >"$WORK/table.md"
return 0
fi

{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — $MODE run, $CORES cores, ${MEM_GB} GB, $CPU"
  echo
  echo "Commit $REV$DIRTY; PostgreSQL $PG_VERSION (fsync on, synchronous_commit on," \
    "shared_buffers 128MB); server, PostgreSQL and load generator on this machine;" \
    "runs of $DURATION after $WARMUP warm-up. One 8 kB fdatasync on this disk:" \
    "${FDATASYNC_MS:-?} ms (pg_test_fsync). Load average at start $LOAD_START," \
    "at end $LOAD_END (the machine is shared: other builds run beside the benchmark)."
  echo "Seeded: $CASES_SMALL cases in ${SEED_SMALL_S}s; topped up to $CASES_LARGE cases" \
    "(~10 incidents each) and $AUDIT_EVENTS audit events in ${SEED_LARGE_S}s;" \
    "sealed in ${SEAL_S}s (${SEAL_RATE} events/s); $AUDIT_TOTAL audit events in all; database $DB_SIZE."
  [[ -n ${BENCH_NOTE:-} ]] && echo "$BENCH_NOTE"
  echo
  echo "### Throughput (calls/s) and latency (ms) by concurrency"
  echo
  echo "| workload | c | calls/s | p50 | p95 | p99 | max | errors | vs baseline |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|---|"
  for c in "${CONCURRENCY[@]}"; do
    echo_r=$(get "echo-c$c" ok_per_s)
    pgr=$(get "pgbench-read-c$c" ok_per_s)
    pgw=$(get "pgbench-write-c$c" ok_per_s)
    for w in echo pgbench-read pgbench-write read write mixed partner; do
      l="$w-c$c"
      case $w in
        read) vs="$(ratio "$(get "$l" ok_per_s)" "$echo_r") of A (echo), $(ratio "$(get "$l" ok_per_s)" "$pgr") of B" ;;
        write) vs="$(ratio "$(get "$l" ok_per_s)" "$pgw") of C" ;;
        mixed) vs="$(ratio "$(get "$l" ok_per_s)" "$echo_r") of A; server RSS max $(get "rss-mixed-c$c" rss_mb) MB" ;;
        partner) vs="$(ratio "$(get "$l" ok_per_s)" "$echo_r") of A" ;;
        echo) vs="baseline A" ;;
        pgbench-read) vs="baseline B" ;;
        pgbench-write) vs="baseline C" ;;
      esac
      echo "| $w | $c | $(fmt "$(get "$l" ok_per_s)") | $(ms "$(get "$l" p50_ms)") |" \
        "$(ms "$(get "$l" p95_ms)") | $(ms "$(get "$l" p99_ms)") | $(ms "$(get "$l" max_ms)") |" \
        "$(jq -c --arg l "$l" 'select(.label == $l) | .errors' "$RESULTS" | head -1) | $vs |"
    done
  done
  echo
  echo "### Latency at scale (one client, ms)"
  echo
  echo "| call | cases | p50 | p95 | p99 | mean | large/small (p50, mean) |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  for w in getcase getcase-sql listcases listcases-partner; do
    for size in small large; do
      l="$w-$size"
      n=$([[ $size == small ]] && echo "$CASES_SMALL" || echo "$CASES_LARGE")
      r=""
      [[ $size == large ]] &&
        r="$(ratio "$(get "$w-large" p50_ms)" "$(get "$w-small" p50_ms)"), $(ratio "$(get "$w-large" mean_ms)" "$(get "$w-small" mean_ms)")"
      echo "| $w | $n | $(ms "$(get "$l" p50_ms)") | $(ms "$(get "$l" p95_ms)") |" \
        "$(ms "$(get "$l" p99_ms)") | $(ms "$(get "$l" mean_ms)") | $r |"
    done
  done
  echo
  echo "getcase-sql: pgbench running GetCase's SQL transaction alone (no audit commit):"
  echo "how the queries themselves scale, apart from the disk flush every audited read waits for."
  echo
  read_peak=$(get "read-c$PEAK_C" ok_per_s)
  write_peak=$(get "write-c$PEAK_C" ok_per_s)
  echo "### Targets"
  echo
  echo "| target | figure | result |"
  echo "|---|---|---|"
  r=$(ratio "$read_peak" "$(get "echo-c$PEAK_C" ok_per_s)")
  echo "| audited reads >= 50% of echo (c=$PEAK_C) | $r | $(verdict "$r" 0.5) |"
  r=$(ratio "$read_peak" "$(get "pgbench-read-c$PEAK_C" ok_per_s)")
  echo "| audited reads > pgbench one-commit-per-read B (c=$PEAK_C) | $r | $(verdict "$r" 1.0001) |"
  r=$(ratio "$write_peak" "$(get "pgbench-write-c$PEAK_C" ok_per_s)")
  echo "| writes >= 80% of pgbench C (c=$PEAK_C) | $r | $(verdict "$r" 0.8) |"
  p=$(get read-half-peak p99_ms)
  echo "| read p99 < 5 ms at half peak ($HALF_RATE calls/s, achieved $(fmt "$(get read-half-peak ok_per_s)")) | $(ms "$p") ms | $(verdict_below "$p" 5) |"
  for w in getcase getcase-sql listcases listcases-partner; do
    r=$(ratio "$(get "$w-large" p50_ms)" "$(get "$w-small" p50_ms)")
    echo "| $w at $CASES_LARGE within 1.2x of $CASES_SMALL (p50) | $r | $(verdict_below "$r" 1.2001) |"
  done
  verify_rows
  rss=0
  for c in "${CONCURRENCY[@]}"; do
    rss=$(awk -v a="$rss" -v b="$(get "rss-mixed-c$c" rss_mb)" 'BEGIN { print (b > a ? b : a) }')
  done
  echo "| server RSS < 300 MB under mixed load | $rss MB | $(verdict_below "$rss" 300) |"
} >"$WORK/table.md"

}

write_report() {
  report_table
  cat "$WORK/table.md"
  if [[ ! -f $RESULTS_MD ]]; then
    printf '# Casebridge benchmark results\n\nAppended by bench/run.sh; see bench/README.md.\n' >"$RESULTS_MD"
  fi
  cat "$WORK/table.md" >>"$RESULTS_MD"
  cp "$RESULTS" "$ROOT/bench/last-results.jsonl"
  log "appended to $RESULTS_MD (raw figures: bench/last-results.jsonl)"
}

if [[ -n $REPORT_DIR ]]; then
  WORK=$(cd "$REPORT_DIR" && pwd)
  RESULTS=$WORK/results.jsonl
  # shellcheck disable=SC1091
  source "$WORK/meta.env"
  write_report
  exit 0
fi

# --- build (Release) -----------------------------------------------------
BUILD=${BENCH_BUILD_DIR:-$ROOT/build}
if [[ -f $BUILD/CMakeCache.txt ]] &&
  ! grep -Eq '^CMAKE_BUILD_TYPE:STRING=(Release)?$' "$BUILD/CMakeCache.txt"; then
  # (Empty means Release: the top-level CMakeLists.txt defaults to it.)
  BUILD=$ROOT/build-bench  # The main build is not Release: keep a separate one.
fi
if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  log "configuring a Release build in $BUILD"
  launcher=()
  command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
fi
log "building casebridge-server and casebridge-load"
CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT} ninja -C "$BUILD" -j2 casebridge-server casebridge_load >/dev/null
SERVER=$BUILD/server/casebridge-server
LOAD=$BUILD/clients/load/casebridge-load

# The code measured: the commit the binaries were built from.
REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo "+changes" || true)

# --- a private PostgreSQL cluster, fsync on ------------------------------
WORK=$(mktemp -d /tmp/casebridge-bench.XXXXXX)
AS_PG=()
if ((EUID == 0)); then
  AS_PG=(runuser -u postgres --)
  chmod 755 "$WORK"
fi
mkdir -p "$WORK/sock"
[[ ${#AS_PG[@]} -gt 0 ]] && chown postgres "$WORK/sock"
SERVER_PID=
cleanup() {
  set +e
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  if [[ -f $WORK/pg/postmaster.pid ]]; then
    "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg" -m fast -w stop >/dev/null 2>&1
  fi
  if ((KEEP)); then
    log "kept $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

log "initdb in $WORK/pg"
if [[ ${#AS_PG[@]} -gt 0 ]]; then
  install -d -o postgres -m 700 "$WORK/pg"
else
  install -d -m 700 "$WORK/pg"
fi
"${AS_PG[@]}" "$PG_BIN/initdb" -D "$WORK/pg" -U casebridge --auth=trust -E UTF8 \
  --locale=C >"$WORK/initdb.log" 2>&1 || die "initdb failed: $(tail -5 "$WORK/initdb.log")"
# The same settings as the server's embedded cluster (storage/embedded_postgres.cc),
# with durability on: fsync, full_page_writes and synchronous_commit.
cat >>"$WORK/pg/postgresql.conf" <<EOF
listen_addresses = ''
port = 5432
unix_socket_directories = '$WORK/sock'
shared_buffers = 128MB
fsync = on
full_page_writes = on
synchronous_commit = on
max_connections = 200
max_wal_size = 4GB
EOF
"${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/postgres.log" -w start >/dev/null ||
  die "PostgreSQL did not start: $(tail -5 "$WORK/pg/postgres.log")"
psql_() { psql -X -q -h "$WORK/sock" -U casebridge "$@"; }
psql_ -d postgres -c "CREATE DATABASE casebridge"
DB="host=$WORK/sock port=5432 dbname=casebridge user=casebridge"

# --- helpers -------------------------------------------------------------
RESULTS=$WORK/results.jsonl
: >"$RESULTS"
PORT=${BENCH_PORT:-$((20000 + RANDOM % 20000))}
TARGET=127.0.0.1:$PORT

start_server() {
  # The load generator plays a few users at up to 32 calls each, far past a
  # person's fair share (bench/fairness.sh measures that): lift it.
  "$SERVER" --database="$DB" --listen="$TARGET" --enable_echo \
    --audit_key_dir="$WORK/audit-keys" --audit_witness_dir="$WORK/audit-witness" \
    --max_calls_per_user=64 --max_calls_per_agency=128 >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if "$LOAD" --target="$TARGET" --workload=echo --calls=1 --warmup=0s >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited: $(tail -5 "$WORK/server.log")"
    sleep 0.2
  done
  die "the server did not answer on $TARGET"
}

stop_server() {
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}

# load LABEL FLAGS...: one casebridge-load run; its JSON line goes to RESULTS.
load() {
  local label=$1
  shift
  log "load $label"
  local out
  out=$("$LOAD" --target="$TARGET" --tokens="$WORK/tokens.json" \
    --targets="$WORK/targets.json" --label="$label" --warmup="$WARMUP" "$@" 2>>"$WORK/load.err") ||
    die "casebridge-load $label failed: $(tail -3 "$WORK/load.err")"
  echo "$out" >>"$WORK/load.log"
  echo "$out" | tail -1 >>"$RESULTS"
}

# pgbench LABEL CONCURRENCY SCRIPT...: warm-up, then a measured run with a
# per-transaction log for the percentiles; a JSON line like casebridge-load's.
pgb() {
  local label=$1 c=$2
  shift 2
  local scripts=()
  for s in "$@"; do scripts+=(-f "$ROOT/bench/pgbench/$s"); done
  local vars=(-D ncases="$SEEDED" -D sp="$SP_ID" -D officer="$OFFICER_ID"
    -D today="$(date -u +%Y-%m-%d)")
  local j=$((c < 4 ? c : 4))
  log "pgbench $label"
  pgbench -n -M prepared -c "$c" -j "$j" -T "${WARMUP%s}" "${vars[@]}" "${scripts[@]}" \
    -h "$WORK/sock" -U casebridge casebridge >/dev/null 2>>"$WORK/pgbench.err" || true
  rm -f "$WORK"/pgb_log*
  local out
  local length=(-T "$DURATION_S")
  [[ -n ${PGB_TX:-} ]] && length=(-t "$PGB_TX")
  out=$(cd "$WORK" && pgbench -n -M prepared -c "$c" -j "$j" "${length[@]}" "${vars[@]}" \
    "${scripts[@]}" -l --log-prefix=pgb_log -h "$WORK/sock" -U casebridge casebridge \
    2>>"$WORK/pgbench.err") || die "pgbench $label failed: $(tail -3 "$WORK/pgbench.err")"
  echo "$out" >>"$WORK/pgbench.log"
  local failed
  failed=$(echo "$out" | awk -F'[: ]+' '/^number of failed transactions/ {print $5; exit}')
  # Field 3 of the transaction log is the latency in microseconds.
  cat "$WORK"/pgb_log* | awk '{print $3}' | sort -n >"$WORK/pgb_lat"
  local n
  n=$(wc -l <"$WORK/pgb_lat")
  pct() { awk -v n="$n" -v p="$1" 'BEGIN { r = int(n * p / 100); if (r < n * p / 100) r++; if (r < 1) r = 1 } NR == r { printf "%.3f", $1 / 1000; exit }' "$WORK/pgb_lat"; }
  local secs
  secs=$DURATION_S
  [[ -n ${PGB_TX:-} ]] && secs=$(awk '{ s += $1 } END { printf "%.3f", s / 1e6 }' "$WORK/pgb_lat")
  jq -nc --arg name "$label" --argjson c "$c" --argjson n "$n" --argjson s "$secs" \
    --argjson p50 "$(pct 50)" --argjson p95 "$(pct 95)" --argjson p99 "$(pct 99)" \
    --argjson max "$(tail -1 "$WORK/pgb_lat" | awk '{printf "%.3f", $1 / 1000}')" \
    --argjson mean "$(awk '{s += $1} END {printf "%.3f", s / NR / 1000}' "$WORK/pgb_lat")" \
    --argjson failed "${failed:-0}" \
    '{"tool": "pgbench", "label": $name, "workload": "pgbench", "concurrency": $c,
      "seconds": $s, "calls": $n, "ok": ($n - $failed), "errors": {"failed": $failed},
      "calls_per_s": ($n / $s), "ok_per_s": (($n - $failed) / $s), "mean_ms": $mean,
      "p50_ms": $p50, "p95_ms": $p95, "p99_ms": $p99, "max_ms": $max}' >>"$RESULTS"
}

# The server's peak resident memory while a command runs, in MB.
with_rss() {
  local file=$WORK/rss
  : >"$file"
  (while kill -0 "$SERVER_PID" 2>/dev/null; do
    awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status" >>"$file" 2>/dev/null
    sleep 0.5
  done) &
  local sampler=$!
  "$@"
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  sort -n "$file" | tail -1 | awk '{printf "%.1f", $1 / 1024}'
}

seed() {
  log "seeding $1 cases"
  local t0=$SECONDS
  "$LOAD" seed --database="$DB" --cases="$1" --audit_events="${2:-0}" \
    --audit_key_dir="$WORK/audit-keys" --tokens_out="$WORK/tokens.json" --targets_out="$WORK/targets.json" \
    >>"$WORK/seed.log" 2>&1 || die "seeding failed: $(tail -5 "$WORK/seed.log")"
  SEEDED=$1
  SEED_TIME=$((SECONDS - t0))
}

ids() {
  SP_ID=$(psql_ -d casebridge -At -c "SELECT id FROM agencies WHERE code = 'SP'")
  OFFICER_ID=$(psql_ -d casebridge -At -c "SELECT id FROM users WHERE username = 'pc.hughes'")
}

# The floor under VerifyAuditLog: PostgreSQL sending the rows it reads (the
# seals joined to their events, in sealed order, binary) to psql, which
# throws them away; and the events alone, unjoined. No hashing, no checks.
verify_baselines() {
  local t0 t1 n
  n=$(psql_ -d casebridge -At -c "SELECT count(*) FROM audit_seals")
  for kind in join events; do
    local sql
    if [[ $kind == join ]]; then
      sql="COPY (SELECT s.seq, s.event_id, s.content_hash, s.chain_hash, s.mac AS seal_mac, e.*
            FROM audit_seals s LEFT JOIN audit_events e ON e.id = s.event_id ORDER BY s.seq)
            TO STDOUT (FORMAT binary)"
    else
      sql="COPY audit_events TO STDOUT (FORMAT binary)"
    fi
    log "baseline: read the audit log ($kind)"
    t0=$(date +%s.%N)
    psql_ -d casebridge -c "$sql" >/dev/null
    t1=$(date +%s.%N)
    jq -nc --arg l "verify-baseline-$kind" --argjson n "$n" \
      --argjson s "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" \
      '{"label": $l, "rows": $n, "seconds": $s, "rows_per_s": ($n / $s)}' >>"$RESULTS"
  done
}

# Chains the seeded events with the server's own sealer code: SEAL_S, SEAL_RATE.
seal_log() {
  log "sealing the audit log"
  local t0=$SECONDS
  "$LOAD" seal --database="$DB" --audit_key_dir="$WORK/audit-keys" >>"$WORK/seal.log" 2>&1 ||
    die "seal failed: $(tail -5 "$WORK/seal.log")"
  SEAL_S=$((SECONDS - t0))
  SEAL_RATE=$(grep -o '[0-9]* events chained in [0-9.]* s' "$WORK/seal.log" | tail -1 |
    awk '{ if ($5 > 0) printf "%.0f", $1 / $5; else print 0 }')
}

# The last step of every mode: the whole log verified after its baselines,
# the server stopped, the figures kept (so `--report` can write the table
# again later) and the table written.
verify_and_report() {
  verify_baselines
  load "verify" --workload=verify --concurrency=1 --calls=1 --warmup=0s
  stop_server
  AUDIT_TOTAL=$(psql_ -d casebridge -At -c "SELECT count(*) FROM audit_events")
  DB_SIZE=$(psql_ -d casebridge -At -c "SELECT pg_size_pretty(pg_database_size('casebridge'))")
  LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
  declare -p MODE DURATION WARMUP CASES_SMALL CASES_LARGE AUDIT_EVENTS CONCURRENCY \
    PEAK_C HALF_RATE SEED_SMALL_S SEED_LARGE_S SEAL_S SEAL_RATE AUDIT_TOTAL DB_SIZE \
    FDATASYNC_MS LOAD_START LOAD_END REV DIRTY >"$WORK/meta.env"
  write_report
}

if [[ $MODE == audit ]]; then
  seed "$CASES_SMALL" "$AUDIT_EVENTS"
  SEED_SMALL_S=$SEED_TIME
  SEED_LARGE_S=$SEED_TIME
  LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
  seal_log
  psql_ -d casebridge -c "VACUUM (ANALYZE)" -c "CHECKPOINT"
  start_server
  PEAK_C=0 HALF_RATE=0 FDATASYNC_MS=
  verify_and_report
  exit 0
fi

# --- 1. small database: throughput at each concurrency -------------------
seed "$CASES_SMALL"
SEED_SMALL_S=$SEED_TIME
ids
psql_ -d casebridge -c "CHECKPOINT"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
# The disk's flush time bounds every durable commit (and so read latency).
FDATASYNC_MS=$("$PG_BIN/pg_test_fsync" -s 1 -f "$WORK/fsync.test" 2>/dev/null |
  awk '/^ +fdatasync/ { printf "%.2f", $(NF-1) / 1000; exit }')
rm -f "$WORK/fsync.test"
start_server
for c in "${CONCURRENCY[@]}"; do
  load "echo-c$c" --workload=echo --concurrency="$c" --duration="$DURATION"
  pgb "pgbench-read-c$c" "$c" getcase_audit.sql
  pgb "pgbench-write-c$c" "$c" addincident.sql updatecase.sql
  load "read-c$c" --workload=read --concurrency="$c" --duration="$DURATION"
  load "write-c$c" --workload=write --concurrency="$c" --duration="$DURATION"
  RSS_MIXED_C=$(with_rss load "mixed-c$c" --workload=mixed --concurrency="$c" --duration="$DURATION")
  echo "{\"label\": \"rss-mixed-c$c\", \"rss_mb\": $RSS_MIXED_C}" >>"$RESULTS"
  load "partner-c$c" --workload=partner --concurrency="$c" --duration="$DURATION"
done

# p99 at half the peak read throughput.
PEAK_READ=$(jq -r --arg l "read-c$PEAK_C" 'select(.label == $l) | .ok_per_s' "$RESULTS")
HALF_RATE=$(awk -v p="$PEAK_READ" 'BEGIN { printf "%.0f", p / 2 }')
load "read-half-peak" --workload=read --concurrency="$PEAK_C" --rate="$HALF_RATE" \
  --duration="$DURATION"

# --- 2. latency at the small size ---------------------------------------
load "getcase-small" --workload=getcase --concurrency=1 --calls="$LATENCY_CALLS"
load "listcases-small" --workload=listcases --concurrency=1 --calls="$LATENCY_CALLS"
load "listcases-partner-small" --workload=listcases-partner --concurrency=1 --calls="$LATENCY_CALLS"
PGB_TX=$LATENCY_CALLS pgb "getcase-sql-small" 1 getcase_sql.sql
stop_server

# --- 3. large database: seal the seeded audit events, then the latencies -
seed "$CASES_LARGE" "$AUDIT_EVENTS"
SEED_LARGE_S=$SEED_TIME
seal_log
# Settle: no checkpoint or autovacuum of the seeding in the measurements.
psql_ -d casebridge -c "VACUUM (ANALYZE) audit_pending" -c "CHECKPOINT"
start_server
load "getcase-large" --workload=getcase --concurrency=1 --calls="$LATENCY_CALLS"
load "listcases-large" --workload=listcases --concurrency=1 --calls="$LATENCY_CALLS"
load "listcases-partner-large" --workload=listcases-partner --concurrency=1 --calls="$LATENCY_CALLS"
PGB_TX=$LATENCY_CALLS pgb "getcase-sql-large" 1 getcase_sql.sql

# --- 4. the audit chain: verify all of it -------------------------------
verify_and_report
