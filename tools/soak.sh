#!/usr/bin/env bash
# soak.sh: a soak test of cxlabd — assign, track and report load at a FIXED
# rate (not maximum throughput) for MINUTES, sampling the daemon's RSS, the
# latency and the errors of each request stream every 10 s.
#
#   tools/soak.sh MINUTES [OUT_DIR]
#   tools/soak.sh --help
#
# What it does:
#   1. starts cxlabd (BUILD_DIR/bin/cxlabd, BUILD_DIR defaulting to build, or
#      $CXLABD / $CXLAB) on a fresh temporary data dir with --grpc_port 0
#      --http_port 0 and a random admin key, and applies experiments/;
#   2. runs tools/soak_load.py, which drives over HTTP/JSON, each stream in
#      its own process with THREADS keep-alive connections on a fixed
#      schedule:
#        assign  POST /v1/assign           ASSIGN_RATE calls/s (500), units
#                                          soak-0 .. soak-<UNITS-1> in turn
#        track   POST /v1/events           TRACK_RATE calls/s (100) of
#                                          TRACK_BATCH events (10), unique ids
#        report  GET /v1/reports/{key}     REPORT_RATE calls/s (1), the
#                                          running experiments in turn
#      and every INTERVAL seconds (10) appends a row to OUT_DIR/soak.csv:
#      elapsed_s, time_utc, rss_kib (VmRSS of cxlabd), its CPU % and
#      threads, the load average, how late the sample was taken (a stalled
#      machine), per stream requests/errors/p50/p99/max latency (ms) of the
#      window, how late the generator sent against its schedule (lag), and
#      from /metrics: events accepted, new exposures, exposure queue length,
#      exposures dropped, RocksDB sst and memtable bytes (sums over column
#      families);
#   3. writes OUT_DIR/summary.txt (RSS after warm-up, growth %, errors,
#      p99 per stream, targets met or not), OUT_DIR/soak.svg (RSS, RocksDB
#      memtables and p99 over time; also soak.png when rsvg-convert is
#      installed), errors.log (the first 200 failed requests),
#      error_counts.txt and metrics.txt (the last /metrics scrape);
#      python3 tools/soak_plot.py OUT_DIR [--warmup S] redoes summary and plot;
#   4. stops cxlabd with SIGTERM (its log is OUT_DIR/cxlabd.log), deletes
#      the data dir (KEEP_DATA=1 keeps it) — also on failure or Ctrl-C.
#
# Targets: RSS growth after the warm-up (WARMUP, the first 60 s, excluded)
# under 10 % (max vs first row after warm-up), zero errors (a failed
# connection, a status other than 200, a track call not accepting every
# event, an exposure dropped by the daemon), p99 steady (per stream, the
# median window p99 of the last third <= 1.5 x that of the first third).
# Exit status 0 when all are met, 1 when not, 2 on bad usage, 130 on Ctrl-C.
#
# OUT_DIR defaults to var/soak-<UTC timestamp>/ (var/ is git-ignored).
# Knobs (environment): ASSIGN_RATE (500), TRACK_RATE (100), TRACK_BATCH
# (10), REPORT_RATE (1), THREADS (4 per stream), UNITS (20000), INTERVAL
# (10), WARMUP (60), BUILD_DIR (build), CXLABD, CXLAB, CXLABD_FLAGS (extra
# daemon flags), KEEP_DATA (0). Pick rates the machine sustains with
# headroom: the generator is Python and shares the cores with the daemon;
# summary.txt warns when a stream fell below 97 % of its target rate, and
# the lag columns show a generator starved of CPU.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") usage >&2; exit 2 ;;
esac
minutes="$1"
if ! [[ "${minutes}" =~ ^[0-9]+([.][0-9]+)?$ ]] || [[ "${minutes}" =~ ^0+([.]0*)?$ ]]; then
  echo "soak: MINUTES must be a positive number, got '${minutes}'" >&2
  exit 2
fi

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-${repo}/build}"
cxlabd="${CXLABD:-${build}/bin/cxlabd}"
cxlab="${CXLAB:-${build}/bin/cxlab}"
out="${2:-${repo}/var/soak-$(date -u +%Y%m%dT%H%M%SZ)}"
python="${PYTHON:-python3}"

for binary in "${cxlabd}" "${cxlab}"; do
  if [[ ! -x "${binary}" ]]; then
    echo "soak: ${binary} not found; build first (make build)" >&2
    exit 2
  fi
done
mkdir -p "${out}"
out="$(cd "${out}" && pwd)"

daemon_pid=""
load_pid=""
data_dir=""
# shellcheck disable=SC2317  # cleanup runs from the EXIT trap
cleanup() {
  local status=$?
  if [[ -n "${load_pid}" ]] && kill -0 "${load_pid}" 2>/dev/null; then
    kill -TERM "${load_pid}" 2>/dev/null || true
    wait "${load_pid}" 2>/dev/null || true
  fi
  if [[ -n "${daemon_pid}" ]] && kill -0 "${daemon_pid}" 2>/dev/null; then
    kill -TERM "${daemon_pid}" 2>/dev/null || true
    wait "${daemon_pid}" 2>/dev/null || true
  fi
  if [[ -n "${data_dir}" && "${KEEP_DATA:-0}" != 1 ]]; then
    rm -rf "${data_dir}"
  elif [[ -n "${data_dir}" ]]; then
    echo "soak: data dir kept: ${data_dir}"
  fi
  exit "${status}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== soak: ${minutes} min, output in ${out}"
echo "   $(uptime)"
uptime_start="$(uptime)"

data_dir="$(mktemp -d "${TMPDIR:-/tmp}/cxlab-soak.XXXXXX")"
key="soak-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
echo "== starting ${cxlabd} on ${data_dir}"
# shellcheck disable=SC2086  # CXLABD_FLAGS is a list of flags
CXLAB_ADMIN_KEY="${key}" "${cxlabd}" --data_dir "${data_dir}/db" \
  --grpc_port 0 --http_port 0 ${CXLABD_FLAGS:-} >"${out}/cxlabd.log" 2>&1 &
daemon_pid=$!
server=""
http_server=""
for _ in $(seq 1 300); do
  server="$(sed -n 's/^listening on //p' "${out}/cxlabd.log")"
  http_server="$(sed -n 's/^http listening on //p' "${out}/cxlabd.log")"
  [[ -n "${server}" && -n "${http_server}" ]] && break
  if ! kill -0 "${daemon_pid}" 2>/dev/null; then break; fi
  sleep 0.1
done
if [[ -z "${server}" || -z "${http_server}" ]]; then
  echo "soak: cxlabd did not start:" >&2
  cat "${out}/cxlabd.log" >&2
  exit 1
fi
echo "   pid ${daemon_pid}, listening on ${server} (gRPC), ${http_server} (HTTP)"

echo "== cxlab apply -f experiments"
(cd "${repo}" && "${cxlab}" --server "${server}" --key "${key}" \
  apply -f experiments | tail -n 1)

echo "== load and sampling (tools/soak_load.py)"
set +e
CXLAB_KEY="${key}" "${python}" "${repo}/tools/soak_load.py" \
  --http "${http_server}" --pid "${daemon_pid}" --minutes "${minutes}" \
  --out "${out}" --interval "${INTERVAL:-10}" --warmup "${WARMUP:-60}" \
  --assign-rate "${ASSIGN_RATE:-500}" --track-rate "${TRACK_RATE:-100}" \
  --track-batch "${TRACK_BATCH:-10}" --report-rate "${REPORT_RATE:-1}" \
  --threads "${THREADS:-4}" --units "${UNITS:-20000}" &
load_pid=$!
wait "${load_pid}"
load_status=$?
load_pid=""
set -e

uptime_end="$(uptime)"
du_data="$(du -sh "${data_dir}/db" 2>/dev/null | cut -f1)"
echo "== stopping cxlabd"
kill -TERM "${daemon_pid}" 2>/dev/null || true
daemon_status=0
wait "${daemon_pid}" || daemon_status=$?
daemon_pid=""
{
  echo "data dir at the end: ${du_data:-?}; cxlabd exit status ${daemon_status}"
  echo "machine at start: ${uptime_start# }"
  echo "machine at end:   ${uptime_end# }"
  if [[ "${daemon_status}" -ne 0 ]]; then
    echo "SOAK FAILED: cxlabd exited with status ${daemon_status} on SIGTERM" \
      "(see cxlabd.log)"
  fi
} | tee -a "${out}/summary.txt"
if [[ "${daemon_status}" -ne 0 ]]; then load_status=1; fi
echo "== ${out}: soak.csv soak.svg$([[ -f "${out}/soak.png" ]] && echo ' soak.png') summary.txt cxlabd.log"
exit "${load_status}"
