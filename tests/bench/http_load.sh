#!/usr/bin/env bash
# http_load.sh: the HTTP/JSON gateway under load with wrk (Debian `wrk`),
# next to the gRPC figure of the same daemon and config. Not a ctest test
# (it needs a quiet machine and takes about a minute); `make bench` runs it.
#
#   tests/bench/http_load.sh [BUILD_DIR]        # BUILD_DIR defaults to build
#
# What it does:
#   1. starts BUILD_DIR/bin/cxlabd on a fresh temporary data dir with gRPC and
#      HTTP on free ports (tests/bench/daemon.sh) and applies experiments/;
#   2. generates and applies 100 more running experiments (two variants
#      with payloads, no targeting), so each request evaluates every running
#      experiment of experiments/ plus 100;
#   3. runs wrk (2 threads) for DURATION seconds against POST /v1/assign and
#      against the OFREP bulk endpoint POST /ofrep/v1/evaluate/flags, at each
#      of CONNECTIONS_LIST open connections (tests/bench/http_load.lua makes
#      the bodies: 100,000 rotating units with attributes);
#   4. runs cxlab bench assign (gRPC Assign, all running experiments) against
#      the same daemon for comparison;
#   5. prints one table and stops the daemon — also on failure or Ctrl-C.
# With CXLAB_SERVER, CXLAB_HTTP and CXLAB_KEY set it benchmarks that server
# instead and starts, generates and applies nothing.
#
# Knobs (environment): DURATION (10 s), CONNECTIONS_LIST ("16 64"),
# GENERATED (100 experiments), UNITS (100000).
#
# wrk and the daemon share the machine's cores: the figures are a lower
# bound for the server alone.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-${repo}/build}"
cxlab="${build}/bin/cxlab"
cxlabd="${build}/bin/cxlabd"
duration="${DURATION:-10}"
connections_list="${CONNECTIONS_LIST:-16 64}"
generated="${GENERATED:-100}"
export UNITS="${UNITS:-100000}"

if ! command -v wrk >/dev/null 2>&1; then
  echo "http_load: wrk not found; install it with scripts/install-deps" >&2
  exit 2
fi

name="http_load"
# shellcheck source=tests/bench/daemon.sh
source "$(dirname "${BASH_SOURCE[0]}")/daemon.sh"
if [[ -z "${http_server}" ]]; then
  echo "http_load: no HTTP address (set CXLAB_HTTP)" >&2
  exit 2
fi

if [[ -n "${data_dir}" && "${generated}" -gt 0 ]]; then
  gen_dir="${data_dir}/generated"
  mkdir -p "${gen_dir}"
  for i in $(seq -w 1 "${generated}"); do
    cat >"${gen_dir}/bench_${i}.yaml" <<YAML
kind: experiment
key: bench_generated_${i}
name: Generated experiment ${i}
status: running
variants:
  - {key: control, weight: 0.5, payload: {color: grey, size: ${i}}}
  - {key: treatment, weight: 0.5, payload: {color: green, size: ${i}}}
metrics: [conversion]
---
YAML
  done
  echo "== cxlab apply: ${generated} generated running experiments"
  "${cxlab}" --server "${server}" --key "${key}" apply -f "${gen_dir}" |
    tail -n 1
fi
running="$("${cxlab}" --server "${server}" --key "${key}" list experiments |
  grep -c running || true)"
echo "   running experiments: ${running}"

export CXLAB_KEY="${key}"
results=()
run_wrk() {  # KIND PATH CONNECTIONS
  local out
  out="$(KIND="$1" wrk -t2 -c"$3" -d"${duration}s" --timeout 5s \
    -s "${repo}/tests/bench/http_load.lua" "http://${http_server}$2")"
  echo "${out}" | grep -v '^RESULT'
  local line
  line="$(echo "${out}" | sed -n 's/^RESULT //p')"
  results+=("$(printf '%-34s %4s  %s' "POST $2" "$3" "${line}")")
}

for c in ${connections_list}; do
  echo
  echo "== wrk POST /v1/assign, ${c} connections, ${duration} s"
  run_wrk assign /v1/assign "${c}"
  echo
  echo "== wrk POST /ofrep/v1/evaluate/flags (bulk), ${c} connections"
  run_wrk ofrep /ofrep/v1/evaluate/flags "${c}"
done

echo
echo "== gRPC Assign on the same daemon: cxlab bench assign --concurrency 16"
"${cxlab}" --server "${server}" --key "${key}" bench assign \
  --duration "${duration}" --warmup 1 --connections 4 --concurrency 16

echo
echo "== HTTP summary ($(nproc) cores, ${running} running experiments)"
printf '%-34s %4s  %s\n' "endpoint" "conn" "result"
for r in "${results[@]}"; do echo "${r}"; done
