#!/usr/bin/env bash
# End-to-end test of cxlabd and the cxlab CLI as real processes:
#
#   1. start cxlabd on a fresh data dir (port 0; the port is read from its
#      "listening on" line, the admin key from DATA_DIR/admin.key);
#   2. cxlab apply -f experiments/, cxlab start homepage_recommendations;
#   3. assign 50 units (cxlab assign --output json) and record the config
#      (cxlab list ... --output json for every kind, and the audit log);
#   4. the HTTP port (read from "http listening on"): /healthz, /readyz,
#      /metrics after the traffic, and /v1/assign answering as the CLI did;
#   5. SIGTERM the daemon: it must exit 0 after printing "stopped";
#   6. restart it on the same data dir and check that the assignments and
#      the config are byte-for-byte identical, and that applying
#      experiments/ again changes nothing but the one started experiment.
#
# Usage: e2e_test.sh CXLABD CXLAB SOURCE_DIR   (ctest passes all three)
# The daemon is always killed and the temporary directory removed on exit.
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 CXLABD CXLAB SOURCE_DIR" >&2
  exit 2
fi
CXLABD=$1
CXLAB=$2
SOURCE_DIR=$3

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cxlab_e2e.XXXXXX")
DATA="$TMP/data"
PID=""
SERVER=""
HTTP=""

cleanup() {
  if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then
    kill -KILL "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
  echo "e2e_test: FAIL: $*" >&2
  for log in "$TMP"/cxlabd-*.log; do
    [[ -f "$log" ]] && { echo "--- $log" >&2; cat "$log" >&2; }
  done
  exit 1
}

# start_daemon LOG: starts cxlabd on $DATA and sets PID, SERVER and HTTP.
start_daemon() {
  local log=$1
  "$CXLABD" --data_dir "$DATA" --grpc_port 0 --http_port 0 >"$log" 2>&1 &
  PID=$!
  local i
  for ((i = 0; i < 200; i++)); do
    grep -qs '^http listening on ' "$log" && break
    kill -0 "$PID" 2>/dev/null || fail "cxlabd exited during startup"
    sleep 0.1
  done
  local port
  port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$log")
  [[ -n "$port" ]] || fail "no 'listening on' line within 20 s"
  SERVER="127.0.0.1:$port"
  HTTP=$(sed -n 's/^http listening on //p' "$log")
  [[ -n "$HTTP" ]] || fail "no 'http listening on' line"
}

# http METHOD PATH [BODY]: the status and body of one HTTP request with the
# admin key (python3's urllib: no curl needed), as "STATUS BODY".
http() {
  /usr/bin/python3 - "$HTTP" "$@" "$(cat "$DATA/admin.key")" <<'PY'
import sys, urllib.request, urllib.error
host, method, path = sys.argv[1], sys.argv[2], sys.argv[3]
body = sys.argv[4].encode() if len(sys.argv) > 5 else None
key = sys.argv[-1]
req = urllib.request.Request(f"http://{host}{path}", data=body, method=method,
                             headers={"X-API-Key": key})
try:
    with urllib.request.urlopen(req, timeout=10) as r:
        print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
PY
}

# stop_daemon LOG: SIGTERM, then checks the exit code and the last words.
stop_daemon() {
  local log=$1 rc=0
  kill -TERM "$PID"
  wait "$PID" || rc=$?
  PID=""
  [[ $rc -eq 0 ]] || fail "cxlabd exited with $rc after SIGTERM"
  grep -q '^cxlabd: stopped$' "$log" || fail "cxlabd did not print 'stopped'"
}

cx() {
  "$CXLAB" --server "$SERVER" --key-file "$DATA/admin.key" "$@"
}

# record DIR: the assignments of 50 units and the config, as JSON.
record() {
  local dir=$1 i
  mkdir -p "$dir"
  for ((i = 0; i < 50; i++)); do
    cx assign --unit "visitor-$i" --id "device=dev-$i" \
      --attr "visits=$((i % 5))" --attr "cart.items=$((i % 3))" \
      --attr "last_visit_days=$((i % 40))" --attr platform=ios \
      --attr app_version=4.3.0 --output json >>"$dir/assignments.json"
  done
  # Personalized contents (the bandit-backed slot is sticky once exposed).
  for ((i = 0; i < 10; i++)); do
    cx content --unit "visitor-$i" --attr "visits=$((i % 5))" \
      --attr 'interests=["running"]' --output json >>"$dir/content.json"
  done
  cx bandit recommendation_block_bandit --output json >"$dir/bandit.json" ||
    fail "cxlab bandit failed"
  local kind
  for kind in experiments segments groups metrics layers holdouts slots; do
    cx list "$kind" --output json >"$dir/$kind.json"
  done
  cx changes --limit 1000 --output json >"$dir/changes.json"
}

# --- first run ---------------------------------------------------------------
start_daemon "$TMP/cxlabd-1.log"
grep -q '^admin key created: its secret is in ' "$TMP/cxlabd-1.log" ||
  fail "no admin key printed on a new data dir"
[[ -s "$DATA/admin.key" ]] || fail "no $DATA/admin.key"
if grep -qF "$(cat "$DATA/admin.key")" "$TMP/cxlabd-1.log"; then
  fail "the admin key's secret appears in the daemon's output"
fi

[[ "$(cx health)" == "SERVING" ]] || fail "health is not SERVING"
cx apply -f "$SOURCE_DIR/experiments" >"$TMP/apply-1.txt" ||
  fail "apply failed"
grep -q '^created experiment homepage_recommendations$' "$TMP/apply-1.txt" ||
  fail "apply did not create homepage_recommendations"
cx start homepage_recommendations >"$TMP/start.txt" || fail "start failed"
grep -q ': running' "$TMP/start.txt" || fail "start did not run it"

record "$TMP/before"
grep -q '"experimentKey":"homepage_recommendations","variantKey"' \
  "$TMP/before/assignments.json" ||
  fail "nobody was assigned to the started experiment"

# --- the HTTP port -------------------------------------------------------------
[[ "$(http GET /healthz)" == "200 ok" ]] || fail "/healthz is not 200 ok"
[[ "$(http GET /readyz)" == "200 ready" ]] || fail "/readyz is not 200 ready"
# Into a file first: `grep -q` exits at the first match, and with pipefail
# the writer's broken pipe would fail the pipeline.
http GET /metrics >"$TMP/metrics.txt"
grep -q '^cxlab_assignments_total{' "$TMP/metrics.txt" ||
  fail "/metrics has no assignment counts after the traffic"
cli_variant=$(cx assign --unit visitor-3 --attr visits=3 --output json |
  sed -n 's/.*"experimentKey":"homepage_recommendations","variantKey":"\([^"]*\)".*/\1/p')
http_answer=$(http POST /v1/assign \
  '{"unit":{"unitId":"visitor-3","attributes":{"visits":3}},"experimentKeys":["homepage_recommendations"]}')
[[ "$http_answer" == 200* ]] || fail "/v1/assign: $http_answer"
[[ "$http_answer" == *"\"variantKey\":\"$cli_variant\""* ]] ||
  fail "/v1/assign answered $http_answer, the CLI $cli_variant"
[[ $(wc -l <"$TMP/before/assignments.json") -eq 50 ]] ||
  fail "expected 50 assignment documents"

stop_daemon "$TMP/cxlabd-1.log"

# --- restart on the same data dir ----------------------------------------------
start_daemon "$TMP/cxlabd-2.log"
if grep -q '^admin key' "$TMP/cxlabd-2.log"; then
  fail "a new admin key was generated on restart"
fi
record "$TMP/after"
for f in assignments content experiments segments groups metrics layers \
  holdouts slots changes; do
  diff -u "$TMP/before/$f.json" "$TMP/after/$f.json" >&2 ||
    fail "$f differ after the restart"
done

# Applying the same files again would change nothing but the started
# experiment, whose stored status (running) no longer matches the file
# (draft): the server refuses that transition, and so the whole apply.
if cx apply -f "$SOURCE_DIR/experiments" >"$TMP/apply-2.txt" \
  2>"$TMP/apply-2.err"; then
  fail "re-applying a draft over a running experiment succeeded"
fi
grep -q '^cxlab: [A-Z_]*: experiment homepage_recommendations: ' \
  "$TMP/apply-2.err" || fail "unexpected apply error: $(cat "$TMP/apply-2.err")"

stop_daemon "$TMP/cxlabd-2.log"
echo "e2e_test: PASS (50 assignments and the config identical after restart)"
