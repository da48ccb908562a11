#!/usr/bin/env bash
# End-to-end test of the `casebridge` CLI against a real casebridge-server on
# an embedded PostgreSQL (a throwaway data dir, --seed-demo, a free port).
#
#   cli_e2e_test.sh walkthrough  SERVER_BINARY BUILD_DIR README
#       runs exactly the README's walkthrough block (between the markers
#       <!-- walkthrough:start --> and <!-- walkthrough:end -->) as a new user
#       would, from a fresh directory, then checks its key outputs;
#   cli_e2e_test.sh exit-codes   SERVER_BINARY BUILD_DIR README
#       checks usage errors, every exit code, and --help on every command.
set -uo pipefail

mode=$1
server_binary=$(readlink -f "$2")
build_dir=$(readlink -f "$3")
readme=$(readlink -f "$4")
cli="$build_dir/clients/casebridge"

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

work=$(mktemp -d /tmp/casebridge-e2e.XXXXXX)
chmod 755 "$work"  # the embedded PostgreSQL runs as a non-root user under root
# `casebridge enrol --save` keeps its token here, not in the real ~/.config.
export XDG_CONFIG_HOME="$work/config"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null
  fi
  if ((failures > 0)) && [[ -f "$work/server.log" ]]; then
    echo "--- server log (last 30 lines) ---" >&2
    tail -30 "$work/server.log" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port_is_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Starts the server on a free port; the data dir is $work/.casebridge, where
# `casebridge --as` finds demo-tokens.json from $work.
start_server() {
  local attempt port
  for attempt in 1 2 3; do
    port=$((20000 + RANDOM % 30000))
    port_is_free "$port" || continue
    "$server_binary" --data-dir="$work/.casebridge" --seed-demo \
      --listen="127.0.0.1:$port" >"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 240); do
      if grep -q "press Ctrl-C" "$work/server.log"; then
        export CASEBRIDGE_SERVER="127.0.0.1:$port"
        return 0
      fi
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -TERM "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=""
  done
  echo "could not start casebridge-server; log:" >&2
  cat "$work/server.log" >&2
  exit 1
}

# expect_exit CODE FRAGMENT -- COMMAND...: runs the command, checks the exit
# code and that stdout+stderr contain FRAGMENT (empty: no check).
expect_exit() {
  local want=$1 fragment=$2
  shift 3
  local out got
  out=$("$@" 2>&1)
  got=$?
  if [[ "$got" != "$want" ]]; then
    fail "exit $got (want $want): $*"$'\n'"$out"
  elif [[ -n "$fragment" && "$out" != *"$fragment"* ]]; then
    fail "output lacks \"$fragment\": $*"$'\n'"$out"
  fi
}

# contains TEXT FRAGMENT WHAT / lacks TEXT FRAGMENT WHAT
contains() { [[ "$1" == *"$2"* ]] || fail "$3: no \"$2\" in:"$'\n'"$1"; }
matches() { grep -Eq -- "$2" <<<"$1" || fail "$3: nothing matches /$2/ in:"$'\n'"$1"; }
lacks() { [[ "$1" != *"$2"* ]] || fail "$3: \"$2\" must not appear in:"$'\n'"$1"; }

# output_of TRANSCRIPT COMMAND_PREFIX: what the first command of the
# walkthrough starting with COMMAND_PREFIX printed (the lines after its `set
# -x` trace, up to the next trace line).
output_of() {
  awk -v prefix="+ $2" '
    index($0, prefix) == 1 && !found { found = 1; inside = 1; next }
    inside && /^\+/ { exit }
    inside { print }' <<<"$1"
}

extract_walkthrough() {
  awk '/<!-- walkthrough:start -->/ { inside = 1; next }
       /<!-- walkthrough:end -->/ { inside = 0 }
       inside && /^```sh/ { code = 1; next }
       inside && /^```/ { code = 0; next }
       inside && code { print }' "$readme"
}

run_walkthrough() {
  extract_walkthrough >"$work/walkthrough.sh"
  if [[ ! -s "$work/walkthrough.sh" ]]; then
    fail "no walkthrough block between the markers in $readme"
    return
  fi
  # As a new user would, from the checkout: `build/` is where ./dev builds.
  ln -s "$build_dir" "$work/build"
  {
    echo 'set -euo pipefail'
    echo 'set -x'
    cat "$work/walkthrough.sh"
    echo 'set +x'
    echo 'declare -p CASE FULL INTERIM ITEM >"$WALKTHROUGH_VARS"'
  } >"$work/run.sh"
  local status
  (cd "$work" && env -u CASEBRIDGE_TOKEN WALKTHROUGH_VARS="$work/vars.sh" \
    PATH="/usr/bin:/bin" bash "$work/run.sh") >"$work/transcript.txt" 2>&1
  status=$?
  local transcript
  transcript=$(cat "$work/transcript.txt")
  if ((status != 0)); then
    fail "the walkthrough failed (exit $status); transcript:"$'\n'"$transcript"
    return
  fi
  echo "--- walkthrough transcript ---"
  cat "$work/transcript.txt"

  # What the README promises the walkthrough shows.
  contains "$transcript" "FIXATED, OBSESSED, UNWANTED, REPEATED (4 of 4)" "FOUR pattern"
  matches "$transcript" "^Risk level: +HIGH" "HIGH risk on the case"
  matches "$transcript" "Highest-risk indicator: +YES" "highest-risk indicator"
  contains "$transcript" "ESCALATING" "escalation"
  contains "$transcript" "[MARAC_REFERRAL]" "MARAC recommendation"
  matches "$transcript" "^View: +SAFEGUARDING" "partners' view"
  contains "$transcript" "audit log verified" "audit verify"
  contains "$transcript" "witnessed head:" "audit verify checks the witnessed head"
  contains "$transcript" "signature checked" "audit head checks the signature offline"
  matches "$transcript" "^proved: in the signed tree of [0-9]+ events" "audit prove"
  contains "$transcript" "consistent with the saved head of" "audit verify --since"
  # The SPO: the interim order granted and in force, then served with the
  # defendant's notification due; the full application still pending.
  matches "$transcript" "^Status: +GRANTED" "the interim order is granted"
  matches "$transcript" "^In force: +yes, until [0-9]{4}-" "the interim order is in force"
  matches "$transcript" "^Notification: +DUE by .*within 3 days of service" \
    "the notification clock after service"
  matches "$transcript" "^[0-9a-f]{8} +INTERIM +SERVED +yes +[0-9-]{10} +DUE by" \
    "order list: the interim order served and in force"
  matches "$transcript" "^[0-9a-f]{8} +FULL +APPLIED +no" "order list: the full application"
  # Charging: in the CPS queue awaiting a decision, then CHARGED.
  matches "$transcript" "^SP-[0-9]{4}-[0-9]{6} +[0-9a-f]{8} +GREEN_PRIORITY +AWAITING_DECISION" \
    "the CPS queue shows the file awaiting a decision"
  matches "$transcript" "^SP-[0-9]{4}-[0-9]{6} +[0-9a-f]{8} +GREEN_PRIORITY +DECIDED .*CHARGED: s\.4A stalking" \
    "the CPS queue shows the file CHARGED"
  matches "$transcript" "^Action item: +\[[0-9a-f]{8}\] COMPLETED" "police completed the action item"
  matches "$transcript" "^First hearing: +[0-9-]{10} at North Staffordshire Justice Centre" \
    "first hearing"
  # Safeguarding: the shares the actions made, each partner's work list.
  matches "$transcript" "^SOTCC +safeguarding action +SAFEGUARDING" "council share by action"
  matches "$transcript" "^NSCHT +safeguarding action +SAFEGUARDING" "health share by action"
  matches "$transcript" "^CPSWM +charging referral +PROSECUTION" "CPS share by referral"
  matches "$transcript" "SP-[0-9]{4}-[0-9]{6} +HIGH +housing move +OPEN +[0-9-]{10} \(in 14 days\)" \
    "the council's work list: case, risk, due date"
  matches "$transcript" "SP-[0-9]{4}-[0-9]{6} +HIGH +gp alert +OPEN +[0-9-]{10} \(in 7 days\)" \
    "the health trust's work list"
  contains "$transcript" "no open work for your agency" "the council's completed action left its list"
  contains "$transcript" "(refused, as it should be)" "partners may not read incidents"
  # The restricted address: restricting it listed the text to rewrite; a flag
  # reason naming the street was refused; partners read the zone described.
  contains "$transcript" "The address is now restricted" "restricting lists text to rewrite"
  matches "$transcript" "^cases/[0-9a-f-]+/incidents/[0-9a-f-]+ +location +the " \
    "the incident's place is listed for rewriting"
  contains "$transcript" "(refused: partners read flag reasons)" \
    "a flag reason naming the restricted street is refused"
  contains "$transcript" "(not shared with the county council)" "an agency without a share sees nothing"
  # Administration: the new officer enrolled herself; the others were refused.
  matches "$transcript" "^User: +pc\.jones " "the enrolled officer's own token says who she is"
  matches "$transcript" "^Origin: +enrolment" "her token came from her enrolment code"
  contains "$transcript" "(refused: not the council's officer)" "a council administrator cannot enrol police"
  contains "$transcript" "(refused: a token is its owner's)" "no administrator issues a token for another"
  [[ $(stat -c %a "$XDG_CONFIG_HOME/casebridge/token" 2>/dev/null) == 600 ]] ||
    fail "the saved token is readable by its owner only"

  # shellcheck disable=SC1091
  source "$work/vars.sh"
  local out
  export PATH="$build_dir/clients:$PATH"
  cd "$work" || return
  # What the council saw while it had work on the case (the transcript).
  out=$(output_of "$transcript" "casebridge --as council.patel case get")
  contains "$out" "SAFEGUARDING" "council sees the safeguarding view"
  contains "$out" "HIGH" "council sees the risk level"
  lacks "$out" "Sam Carter" "council never sees the suspect"
  lacks "$out" "bus stop" "council never sees incident narratives"
  out=$(output_of "$transcript" "casebridge --as council.patel order list")
  contains "$out" "Not to contact Alex Morgan" "council sees the SPO terms in force"
  lacks "$out" "Carter" "council never sees the defendant"
  lacks "$out" "FULL" "council never sees the pending application"
  out=$(output_of "$transcript" "casebridge --as nhs.morgan case get")
  matches "$out" "^View: +SAFEGUARDING" "health sees the safeguarding view"
  lacks "$out" "Carter" "health never sees the suspect"
  contains "$transcript" "(the share ended with the work)" \
    "the council's share ended with its last action"
  expect_exit 3 "not found" -- casebridge --as county.evans case get "$CASE"
  out=$(casebridge --as auditor.shah audit who-saw "$CASE" 2>&1) || fail "who-saw"
  contains "$out" "council.patel" "who-saw lists the council"
  contains "$out" "nhs.morgan" "who-saw lists health"
  contains "$out" "pc.hughes" "who-saw lists the officer"
  contains "$out" "cps.okafor" "who-saw lists the prosecutor"
  contains "$out" "isac.lewis" "who-saw lists the victim service"
  out=$(casebridge --as pc.hughes share list "$CASE" 2>&1) || fail "share list"
  matches "$out" "^SVG +victim.services referral +SAFEGUARDING" "victim service share by referral"

  # The council and the health trust finished their work: nothing open, and
  # with it their shares ended; the actions stay on the case for the police.
  local partner
  for partner in council.patel nhs.morgan; do
    out=$(casebridge --as "$partner" action mine 2>&1) || fail "$partner action mine"
    contains "$out" "no open work for your agency" "$partner has no open work left"
    expect_exit 3 "not found" -- casebridge --as "$partner" case get "$CASE"
    expect_exit 3 "not found" -- casebridge --as "$partner" action list "$CASE"
  done
  out=$(casebridge --as pc.hughes action list "$CASE" 2>&1) || fail "police action list"
  [[ $(grep -c "COMPLETED" <<<"$out") == 2 ]] ||
    fail "police see both partners' actions completed:"$'\n'"$out"

  # The victim service still has the case: the safeguarding view, the terms of
  # the SPO in force, never the defendant, the application or the suspect;
  # charging and incidents are refused.
  partner=isac.lewis
  out=$(casebridge --as "$partner" case get "$CASE" -o json 2>&1) || fail "$partner case get"
  contains "$out" '"view": "CASE_VIEW_SAFEGUARDING"' "$partner gets the safeguarding view (JSON)"
  contains "$out" "07700 900123" "$partner sees the safe contact number"
  lacks "$out" "Carter" "$partner never sees the suspect"
  lacks "$out" "bus stop" "$partner never sees incident narratives"
  lacks "$out" "regret" "$partner never sees incident narratives"
  lacks "$out" "Bramble" "$partner never sees the restricted address"
  lacks "$out" "4QX" "$partner never sees the restricted postcode"
  out=$(casebridge --as "$partner" order list "$CASE" 2>&1) || fail "$partner order list"
  contains "$out" "Not to contact Alex Morgan" "$partner sees the SPO terms in force"
  lacks "$out" "Carter" "$partner never sees the defendant"
  lacks "$out" "FULL" "$partner never sees the pending application"
  out=$(casebridge --as "$partner" order get "$INTERIM" -o json 2>&1) || fail "$partner order get"
  lacks "$out" "Carter" "$partner never sees the defendant (JSON)"
  lacks "$out" "grounds" "$partner never sees the grounds (JSON)"
  contains "$out" "within 100 metres of the protected person's home" \
    "$partner sees the exclusion zone described, never an address"
  expect_exit 3 "may not" -- casebridge --as "$partner" incident list "$CASE"
  expect_exit 3 "may not" -- casebridge --as "$partner" charging list
  expect_exit 3 "" -- casebridge --as "$partner" charging get "$CASE"
  expect_exit 3 "may not" -- casebridge --as "$partner" order history "$INTERIM"

  # The police and the CPS see the whole order and file.
  out=$(casebridge --as pc.hughes order get "$INTERIM" 2>&1) || fail "order get"
  matches "$out" "^Status: +SERVED" "the interim order is served"
  contains "$out" "Sam Carter" "police see the defendant"
  out=$(casebridge --as pc.hughes order history "$INTERIM" 2>&1) || fail "order history"
  matches "$out" "grant +APPLIED +GRANTED" "order history records the grant"
  out=$(casebridge --as cps.okafor charging progress "$CASE" 2>&1) || fail "charging progress"
  matches "$out" "^Stage: +DECIDED" "progress: decided"
  matches "$out" "^Decision: +CHARGED: s\.4A" "progress: charged"
  matches "$out" "^Ancillary orders: +restraining order" "progress: restraining order sought"
  out=$(casebridge --as cps.okafor charging list --awaiting-decision 2>&1) ||
    fail "charging list --awaiting-decision"
  contains "$out" "no charging files" "a charged file no longer awaits a decision"
  out=$(casebridge --as pc.hughes case get "$CASE" -o json 2>&1) || fail "case get json"
  contains "$out" '"riskLevel": "RISK_LEVEL_HIGH"' "JSON output"
  contains "$out" '"highestRiskIndicator": true' "JSON pattern"
}

run_exit_codes() {
  export PATH="$build_dir/clients:$PATH"
  unset CASEBRIDGE_TOKEN
  cd "$work" || return

  # The bare command and groups list what is there; every command has --help
  # with an example.
  expect_exit 0 "Subcommands:" -- casebridge
  expect_exit 0 "Exit codes:" -- casebridge --help
  local group command
  for group in case incident risk share order charging action audit admin; do
    local listing
    listing=$(casebridge "$group" 2>&1) || fail "casebridge $group exits non-zero"
    contains "$listing" "Subcommands:" "casebridge $group lists its commands"
    while read -r command; do
      expect_exit 0 "Example:" -- casebridge "$group" "$command" --help
    done < <(awk '/^Subcommands:/ { s = 1; next } s && /^  [a-z]/ { print $1 } s && /^$/ { exit }' <<<"$listing")
  done

  # Usage errors: exit 2.
  expect_exit 2 "not expected" -- casebridge bogus
  expect_exit 2 "CASE is required" -- casebridge --as pc.hughes case get
  expect_exit 2 "is not a case" -- casebridge --as pc.hughes case get not-a-case
  expect_exit 2 "" -- casebridge --output=xml --as pc.hughes case list
  expect_exit 2 "who are you" -- casebridge case list
  expect_exit 2 "no user \"nobody\"" -- casebridge --as nobody case list
  expect_exit 2 "--token or --as, not both" -- casebridge --as pc.hughes --token x case list
  expect_exit 2 "--when is required" -- casebridge --as pc.hughes incident add SP-2026-000001

  local case_name
  case_name=$(casebridge --as pc.hughes case create --victim "Jo Bloggs" --suspect "A Person" \
    --relationship stranger -o name) || fail "case create"
  expect_exit 2 "field: --when" -- \
    casebridge --as pc.hughes incident add "$case_name" --when "whenever"
  expect_exit 2 "is not one of" -- \
    casebridge --as pc.hughes incident add "$case_name" --when now --behaviour folowing
  expect_exit 2 "--dash-yes" -- casebridge --as pc.hughes risk record "$case_name" --dash-yes 40
  # The server's INVALID_ARGUMENT: exit 2 with the field.
  expect_exit 2 "field: incident.occur_time" -- \
    casebridge --as pc.hughes incident add "$case_name" --when "tomorrow 10:00"
  expect_exit 2 "field: assessment.rationale" -- \
    casebridge --as pc.hughes risk record "$case_name" --judgement high
  expect_exit 0 "" -- casebridge --as pc.hughes incident add "$case_name" --when "3h ago" \
    --behaviour calls --note "Twenty missed calls"

  # Not found, denied, unauthenticated: exit 3.
  expect_exit 3 "not found" -- casebridge --as pc.hughes case get SP-2026-999999
  expect_exit 3 "not found" -- casebridge --as county.evans case get "$case_name"
  expect_exit 3 "" -- casebridge --as council.patel case flag "$case_name" --type weapons --reason "x"
  local helps
  helps=$(grep -c "" <<<"$(casebridge case --help)")
  ((helps > 5)) || fail "casebridge case --help is too short"
  expect_exit 3 "" -- casebridge --as pc.hughes admin users
  expect_exit 3 "hint:" -- casebridge --token not-a-real-token case list

  # Conflicts: exit 5.
  expect_exit 5 "" -- casebridge --as pc.hughes case close "$case_name" --reason "x" --etag 999
  expect_exit 5 "allowed: CloseCase" -- casebridge --as pc.hughes case reopen "$case_name" --reason "x"

  # Server unavailable: exit 4.
  local closed=1
  while ! port_is_free "$closed"; do closed=$((closed + 1)); done
  expect_exit 4 "cannot reach the Casebridge server" -- \
    casebridge --server "127.0.0.1:$closed" --as pc.hughes case list

  # Every service is offered: the order, charging and action groups work
  # (an empty list is not an error).
  expect_exit 0 "no orders" -- casebridge --as pc.hughes order list
  expect_exit 0 "no charging files" -- casebridge --as cps.okafor charging list
  expect_exit 0 "no open work for your agency" -- casebridge --as council.patel action mine

  # Orders: usage errors, the server's field, illegal moves, ids by prefix.
  expect_exit 2 "--kind is required" -- casebridge --as pc.hughes order consider "$case_name"
  expect_exit 2 "--kind: \"partial\" is not one of" -- \
    casebridge --as pc.hughes order consider "$case_name" --kind partial
  local order
  order=$(casebridge --as pc.hughes order consider "$case_name" --kind full \
    --defendant "A Person" --protects "Jo Bloggs" -o name) || fail "order consider"
  expect_exit 2 "field: terms" -- casebridge --as pc.hughes order apply "$order" --court "Court A"
  expect_exit 5 "allowed events: DRAFT_APPLICATION, DECIDE_NOT_TO_PURSUE, APPLY" -- \
    casebridge --as pc.hughes order hearing "$order" --at "in 7 days 10:00" --court "Court A"
  expect_exit 2 "at least 4 characters" -- casebridge --as pc.hughes order get abc
  expect_exit 3 "no order" -- casebridge --as pc.hughes order get ffffffff
  expect_exit 0 "CONSIDERED" -- \
    casebridge --as pc.hughes order get "$(basename "$order" | cut -c1-8)"
  expect_exit 0 "APPLIED" -- casebridge --as pc.hughes order apply "$order" --court "Court A" \
    --term "Not to contact Jo Bloggs" --until "in 2 years"
  expect_exit 0 " 10:00" -- \
    casebridge --as pc.hughes order hearing "$order" --at "in 7 days 10:00" --court "Court A"
  expect_exit 3 "not found" -- casebridge --as council.patel order get "$order"
  expect_exit 3 "" -- casebridge --as cps.okafor order consider "$case_name" --kind full

  # Charging: required options, the urgency order of the CPS queue, a second
  # decision refused, partners refused.
  expect_exit 2 "--summary is required" -- casebridge --as pc.hughes charging submit \
    "$case_name" --suspect 1 --bail not-arrested --offence s2
  expect_exit 2 "--offence: \"s9\" is not one of" -- casebridge --as pc.hughes charging submit \
    "$case_name" --suspect 1 --bail not-arrested --offence s9 --summary "x"
  local urgent
  urgent=$(casebridge --as pc.hughes case create --victim "Kim Doe" --suspect "B Person" \
    --relationship ex-intimate -o name) || fail "case create"
  expect_exit 0 "GREEN" -- casebridge --as pc.hughes charging submit "$case_name" --suspect 1 \
    --bail not-arrested --offence s2 --summary "Routine"
  expect_exit 0 "RED" -- casebridge --as pc.hughes charging submit "$urgent" --suspect 1 \
    --bail in-custody --urgency red --offence s4a --summary "In custody"
  out=$(casebridge --as cps.okafor charging list --awaiting-decision) || fail "CPS queue"
  [[ $(awk '$4 == "AWAITING_DECISION" { printf "%s ", $3 }' <<<"$out") == "RED GREEN " ]] ||
    fail "the CPS queue puts the RED file first:"$'\n'"$out"
  expect_exit 0 "CHARGED: s.4A" -- casebridge --as cps.okafor charging decide "$urgent" \
    --charge s4a --rationale "Full Code Test met"
  expect_exit 5 "" -- casebridge --as cps.okafor charging decide "$urgent" \
    --charge s4a --rationale "Again"
  expect_exit 3 "" -- casebridge --as pc.hughes charging decide "$case_name" \
    --nfa evidential --rationale "Police may not decide"
  expect_exit 3 "may not" -- casebridge --as council.patel charging list

  # Safeguarding: MARAC needs HIGH risk; then the agreed actions reach each
  # agency's work list; a partner cannot touch another agency's action.
  expect_exit 5 "needs the case's risk level to be HIGH" -- casebridge --as pc.hughes action \
    marac "$case_name" --date "in 7 days" --reason "Escalating"
  expect_exit 0 "" -- casebridge --as pc.hughes risk record "$case_name" --dash-yes 15
  expect_exit 0 "Actions agreed:" -- casebridge --as pc.hughes action marac "$case_name" \
    --date "in 7 days" --reason "HIGH risk, escalating" \
    --action "SOTCC alarm-or-lock-change tomorrow: Fit new locks" \
    --action "NSCHT gp-alert in 7 days: Alert the GP"
  expect_exit 2 "AGENCY TYPE DUE: what" -- casebridge --as pc.hughes action marac "$case_name" \
    --date "in 7 days" --reason "x" --action "SOTCC lock change"
  out=$(casebridge --as council.patel action mine) || fail "council action mine"
  matches "$out" "HIGH +alarm or lock change +OPEN +[0-9-]{10} \(tomorrow\)" \
    "the MARAC action is on the council's list"
  local health_action
  health_action=$(casebridge --as nhs.morgan action mine -o name) || fail "health action mine"
  expect_exit 3 "" -- casebridge --as council.patel action complete "$health_action" --outcome "x"
  expect_exit 0 "IN_PROGRESS" -- casebridge --as nhs.morgan action update \
    "$(basename "$health_action" | cut -c1-8)" --status in-progress --notes "GP surgery called"
  expect_exit 5 "" -- casebridge --as nhs.morgan action complete "$health_action" \
    --outcome "Done" --etag 1
  expect_exit 2 "--outcome is required" -- casebridge --as nhs.morgan action complete "$health_action"

  # Audit checkpoints: saved to a file, verified against later.
  expect_exit 0 "saved to" -- casebridge --as auditor.shah audit checkpoint --save cp.json
  expect_exit 0 "passes through the checkpoint" -- \
    casebridge --as auditor.shah audit verify --checkpoint cp.json
  echo '{"sequence": "1"}' >bad-cp.json
  expect_exit 2 "field: checkpoint.chain_hash" -- \
    casebridge --as auditor.shah audit verify --checkpoint bad-cp.json
  expect_exit 2 "field: --checkpoint" -- \
    casebridge --as auditor.shah audit verify --checkpoint no-such-file.json
  expect_exit 3 "" -- casebridge --as council.patel audit verify

  # Proofs checked offline: keys an auditor did not keep, or a head that
  # is not the log's, fail; a keys file that is not one is a usage error.
  expect_exit 0 "saved to" -- casebridge --as auditor.shah audit keys --save keys.txt
  expect_exit 0 "signature checked" -- \
    casebridge --as auditor.shah audit head --keys keys.txt --save head.txt
  echo "ed25519 00000000000000000000000000000000 $(head -c 32 /dev/zero | base64) 0" >other-keys.txt
  expect_exit 1 "not among the keys you keep" -- \
    casebridge --as auditor.shah audit head --keys other-keys.txt
  echo "not keys" >garbage-keys.txt
  expect_exit 2 "field: --keys" -- casebridge --as auditor.shah audit head --keys garbage-keys.txt
  expect_exit 0 "consistent with the saved head" -- \
    casebridge --as auditor.shah audit verify --since head.txt --keys keys.txt
  sed 's/^v1 \([0-9]*\) /v1 1\1 /' head.txt >forged-head.txt
  expect_exit 1 "does not check" -- \
    casebridge --as auditor.shah audit verify --since forged-head.txt --keys keys.txt
  expect_exit 2 "field: sequence" -- casebridge --as auditor.shah audit prove 0 --keys keys.txt

  # Output formats.
  out=$(casebridge --as pc.hughes case list -o name) || fail "case list -o name"
  contains "$out" "$case_name" "-o name lists names"
  out=$(casebridge --as pc.hughes case list --output=json) || fail "case list json"
  contains "$out" '"cases": [' "JSON list"
}

start_server
case "$mode" in
  walkthrough) run_walkthrough ;;
  exit-codes) run_exit_codes ;;
  *)
    echo "unknown mode $mode" >&2
    exit 2
    ;;
esac
if ((failures > 0)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "cli e2e $mode: all checks passed"
