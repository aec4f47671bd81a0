#!/usr/bin/env bash
# track_load.sh: the gRPC load benchmark of EventService.Track — events/s
# and the latency per Track call of `cxlab bench track`, with a running
# experiment whose metrics read the tracked events, so every call updates
# per-unit metric states and cell aggregates, not just the raw log. Not a
# ctest test (it needs a quiet machine); assign_load.sh runs it at its end
# against its own daemon.
#
#   tests/bench/track_load.sh [BUILD_DIR]        # BUILD_DIR defaults to build
#
# What it does:
#   1. starts BUILD_DIR/bin/cxlabd on a fresh temporary data dir and applies
#      experiments/ (among them the running free_shipping_threshold, whose
#      metrics conversion/revenue read event "purchase", property "amount");
#   2. exposes the units bench-0 .. bench-<UNITS-1> with a short
#      `cxlab bench assign --batch 100` (Assign logs exposures), then
#      `cxlab stats` (which flushes the server's exposure queue);
#   3. runs cxlab bench track --batch BATCH --duration DURATION: unique event
#      ids, purchase/page_view alternating, for random exposed units;
#   4. prints `cxlab stats --experiment free_shipping_threshold` (half the
#      bench units are in it: layer range [0, 0.5); revenue, conversion and
#      average_order_value read the purchases) and runs
#      `cxlab verify` (aggregates equal a recompute from the raw log);
#   5. stops the daemon and deletes the data dir — also on failure or Ctrl-C.
# With CXLAB_SERVER and CXLAB_KEY both set it benchmarks that server instead
# (which must already hold experiments/) and starts, applies and stops
# nothing.
#
# Knobs (environment): DURATION (10 s), WARMUP (1 s), TRACK_BATCH (1000
# events per call), TRACK_CONNECTIONS (2), TRACK_CONCURRENCY (4 calls in
# flight), TRACK_UNITS (10000 exposed units), OUTPUT (table or json).
#
# The client runs on the same machine as the daemon and shares its cores:
# the figures are a lower bound for the server alone.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-${repo}/build}"
cxlab="${build}/bin/cxlab"
cxlabd="${build}/bin/cxlabd"

duration="${DURATION:-10}"
warmup="${WARMUP:-1}"
batch="${TRACK_BATCH:-1000}"
connections="${TRACK_CONNECTIONS:-2}"
concurrency="${TRACK_CONCURRENCY:-4}"
units="${TRACK_UNITS:-10000}"
output="${OUTPUT:-table}"
experiment="free_shipping_threshold"

name="track_load"
# shellcheck source=tests/bench/daemon.sh
source "$(dirname "${BASH_SOURCE[0]}")/daemon.sh"

cli=("${cxlab}" --server "${server}" --key "${key}")

echo
echo "== expose bench-0 .. bench-$((units - 1)): cxlab bench assign" \
  "--batch 100 --units ${units}"
"${cli[@]}" bench assign --batch 100 --units "${units}" --connections 1 \
  --concurrency 2 --warmup 0 --duration 1 --output json >/dev/null
"${cli[@]}" stats --experiment "${experiment}" >/dev/null

track_flags=(--batch "${batch}" --duration "${duration}" --warmup "${warmup}"
             --connections "${connections}" --concurrency "${concurrency}"
             --units "${units}" --output "${output}")
echo
echo "== Track: cxlab bench track ${track_flags[*]}"
"${cli[@]}" bench track "${track_flags[@]}"

echo
echo "== cxlab stats --experiment ${experiment}"
"${cli[@]}" stats --experiment "${experiment}"
echo
echo "== cxlab verify"
"${cli[@]}" verify
