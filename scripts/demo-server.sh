#!/usr/bin/env bash
# demo-server.sh: the server half of `make demo`.
#
#   scripts/demo-server.sh [BUILD_DIR]     # BUILD_DIR defaults to build
#
#   1. starts BUILD_DIR/bin/cxlabd on a fresh data dir var/demo (free gRPC
#      and HTTP ports; its output goes to var/cxlabd.log) and waits for
#      "http listening on";
#   2. with the admin key from var/demo/admin.key: cxlab apply -f
#      experiments, cxlab start homepage_recommendations (a draft), cxlab list
#      experiments;
#   3. cxlab simulate --server: 100,000 synthetic visitors assigned through
#      gRPC (AssignBatch), the split per experiment with the SRM check. The
#      server assigns at its own clock (AssignRequest has no "now"), so
#      unlike the offline commands this step is not pinned to a date;
#   4. cxlab simulate --scenario experiments/scenarios/sports-shop.yaml
#      --visitors 20000 --seed 7: the scenario's visitors with exposures at
#      simulated visit times over the past 14 days and their events
#      (docs/simulator.md), then the statistics of every running experiment;
#      then cxlab verify, which must print "ok";
#   5. cxlab report: the significance reports of checkout_redesign (with
#      the breakdown by persona segment), aa_randomization_check and
#      homepage_hero_banner in the terminal, and each as a self-contained
#      HTML file var/report-KEY.html (--html), whose paths it prints;
#   6. cxlab content for three personas (the slots' contents, the rule and
#      persona that chose them), then cxlab bandit: the recommendation
#      block's learned weights per persona once a re-weighting (every 6 s)
#      has seen the simulated traffic;
#   7. cxlab changes --limit 5: the newest audit records;
#   8. the HTTP side: an OpenFeature (OFREP) evaluation with curl, the first
#      lines of /metrics, and the URL of the web reports (/ui);
#   9. on a terminal (or with DEMO_KEEP=1), leaves the daemon running so the
#      web reports can be opened, and prints how to stop it; otherwise (CI,
#      a pipe, DEMO_KEEP=0) SIGTERM, and waits for it to stop cleanly.
# The daemon is stopped when a step fails (trap), and the script then exits
# non-zero. Run from anywhere; paths are relative to the repository.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
build="${1:-build}"
cxlab="$build/bin/cxlab"
cxlabd="$build/bin/cxlabd"
data=var/demo
log=var/cxlabd.log
pid=""

for bin in "$cxlab" "$cxlabd"; do
  [[ -x "$bin" ]] || { echo "demo-server.sh: $bin not built" >&2; exit 1; }
done

# Stops the daemon: SIGTERM, then up to 15 s for a clean exit, then SIGKILL.
stop_daemon() {
  [[ -n "$pid" ]] || return 0
  local rc=0 i
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "demo-server.sh: cxlabd did not stop within 15 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" || rc=$?
  pid=""
  return "$rc"
}
trap 'stop_daemon || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A daemon left running by a previous demo (DEMO_KEEP) holds var/demo.
if [[ -f var/cxlabd.pid ]]; then
  old="$(cat var/cxlabd.pid)"
  if kill -0 "$old" 2>/dev/null &&
      grep -q cxlabd "/proc/$old/cmdline" 2>/dev/null; then
    echo "== stopping the cxlabd of the previous demo (pid $old)"
    kill -TERM "$old" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
      kill -0 "$old" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f var/cxlabd.pid
fi
rm -rf "$data"
mkdir -p var
echo "== cxlabd: a fresh data dir $data, a free port, output in $log"
"$cxlabd" --data_dir "$data" --grpc_port 0 --http_port 0 >"$log" 2>&1 &
pid=$!
echo "$pid" >var/cxlabd.pid
for ((i = 0; i < 200; i++)); do
  grep -qs '^http listening on ' "$log" && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "demo-server.sh: cxlabd exited during startup:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
port="$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$log")"
if [[ -z "$port" ]]; then
  echo "demo-server.sh: cxlabd did not print 'listening on' within 20 s" >&2
  cat "$log" >&2
  exit 1
fi
server="127.0.0.1:$port"
http="$(sed -n 's/^http listening on //p' "$log")"
echo "cxlabd (pid $pid) listening on $server (gRPC) and $http (HTTP);" \
  "admin key in $data/admin.key"

cx() {
  echo "\$ cxlab $*"
  "$cxlab" --server "$server" --key-file "$data/admin.key" "$@"
}

echo
echo "== cxlab apply: every definition in experiments/, in one atomic write"
cx apply -f experiments
echo
echo "== cxlab start: homepage_recommendations is a draft in experiments/"
cx start homepage_recommendations
echo
echo "== cxlab list experiments"
cx list experiments
echo
echo "== cxlab simulate --server: 100,000 visitors assigned through gRPC" \
  "(AssignBatch), at the server's clock; a split check, so no exposures" \
  "are logged"
cx simulate --visitors 100000
echo
echo "== cxlab simulate --scenario: 20,000 visitors of the sports-shop" \
  "scenario with their exposures and events (purchases, surveys, tickets)."
cx simulate --scenario experiments/scenarios/sports-shop.yaml \
  --visitors 20000 --seed 7
echo
echo "== cxlab verify: every aggregate equals a recompute from the raw log"
cx verify
echo
echo "== cxlab report: which variant won, by how much, for which persona," \
  "and how sure we are (SRM check first; the breakdown by persona segment)"
cx report checkout_redesign --by-segment \
  --html var/report-checkout_redesign.html
for key in aa_randomization_check homepage_hero_banner; do
  echo
  echo "== cxlab report $key"
  cx report "$key" --html "var/report-$key.html"
done
echo
echo "HTML reports (self-contained: open them in any browser, offline):"
for key in checkout_redesign aa_randomization_check homepage_hero_banner; do
  echo "  $repo/var/report-$key.html"
done
echo
echo "== cxlab content: the homepage of three visitors (one per persona)"
cx content --unit demo-family --attr age=38 --attr household.children=2 \
  --slot home.hero --slot home.recommendations --no-exposure
cx content --unit demo-runner --attr 'interests=["running"]' \
  --slot home.hero --slot home.recommendations --no-exposure
cx content --unit demo-newcomer --attr visits=1 \
  --slot home.hero --slot checkout.hint --no-exposure
echo
echo "== cxlab bandit: the recommendation block's weights per persona"
echo "   (re-weighted every 6 s from the live aggregates; waiting for one"
echo "   that has seen the simulated traffic)"
for ((i = 0; i < 40; i++)); do
  if cx bandit recommendation_block_bandit --output json |
      grep -Eq '"conversions":\[[^]]*"[1-9]'; then
    break
  fi
  sleep 0.5
done
cx bandit recommendation_block_bandit --history 0
echo
echo "== cxlab changes: the newest audit records"
cx changes --limit 5
echo
key="$(cat "$data/admin.key")"
echo "== OpenFeature: checkout_redesign as a flag, over OFREP (HTTP/JSON)"
ofrep=(curl -s -H "Authorization: Bearer $key"
  "http://$http/ofrep/v1/evaluate/flags/checkout_redesign"
  -d '{"context": {"targetingKey": "visitor-42", "visits": 3, "last_visit_days": 12, "cart": {"items": 2}, "device": {"type": "mobile"}}}')
echo "\$ curl -s -H 'Authorization: Bearer \$(cat $data/admin.key)' \\"
echo "    http://$http/ofrep/v1/evaluate/flags/checkout_redesign \\"
echo "    -d '{\"context\": {\"targetingKey\": \"visitor-42\", \"visits\": 3, \"last_visit_days\": 12, \"cart\": {\"items\": 2}, \"device\": {\"type\": \"mobile\"}}}'"
if command -v curl >/dev/null 2>&1; then
  "${ofrep[@]}"
  echo
  echo
  echo "== GET /metrics (Prometheus): assignments and events so far"
  curl -s "http://$http/metrics" |
    grep -E '^cxlab_(events_total|config_version)|^cxlab_assignments_total\{experiment="checkout_redesign"' || true
else
  echo "(curl is not installed: run the command above with any HTTP client)"
fi
echo
echo "== Web reports: http://$http/ui (sign in with the admin key in" \
  "$data/admin.key)"
keep="${DEMO_KEEP:-}"
if [[ -z "$keep" ]]; then
  if [[ -t 1 ]]; then keep=1; else keep=0; fi
fi
if [[ "$keep" == 1 ]]; then
  echo "   cxlabd keeps running (pid $pid) so you can open them; stop it with:"
  echo "   kill $pid"
  pid=""  # the exit trap leaves it alone
  exit 0
fi
echo
echo "== cxlabd: SIGTERM (DEMO_KEEP=1 leaves it running for the web reports)"
stop_daemon
tail -n 2 "$log"
