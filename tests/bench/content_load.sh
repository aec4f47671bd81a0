#!/usr/bin/env bash
# content_load.sh: the gRPC load benchmark of PersonalizationService.GetContent
# with 20 slots x 10 rules (issue 6). Not a ctest test (it needs a quiet
# machine); `make bench` runs it.
#
#   tests/bench/content_load.sh [BUILD_DIR]      # BUILD_DIR defaults to build
#
# What it does:
#   1. starts BUILD_DIR/bin/cxlabd on a fresh temporary data dir and applies
#      experiments/ (daemon.sh);
#   2. applies 10 persona segments and 20 slots of 10 rules each (written to
#      the data dir): rule r of slot s (priority 10 r) targets persona
#      (s + r) % 10, every third rule adds a condition, rule 9 has no persona
#      but a condition, and rule 0 of every other slot is backed by a running
#      experiment (3 variants, the control without payload, 80 % coverage) —
#      the shape of the engine benchmark BM_ChooseContent20Slots10Rules;
#   3. runs cxlab bench content --slot bench.slot_0 ... --slot bench.slot_19:
#      GetContent calls for the bench-N units (attributes country,
#      device.type, visits), exposures logged as in production;
#   4. stops the daemon and deletes the data dir — also on failure or Ctrl-C.
# With CXLAB_SERVER and CXLAB_KEY both set it benchmarks that server instead
# (which must already hold the bench slots) and starts, applies and stops
# nothing.
#
# Knobs (environment): DURATION (10 s), WARMUP (1 s), CONNECTIONS (4),
# CONCURRENCY (16 calls in flight), OUTPUT (table or json).
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
connections="${CONNECTIONS:-4}"
concurrency="${CONCURRENCY:-16}"
output="${OUTPUT:-table}"

name="content_load"
# shellcheck source=tests/bench/daemon.sh
source "$(dirname "${BASH_SOURCE[0]}")/daemon.sh"

# The bench units send country, device.type and visits (bench_command.cc).
personas=(
  '{visits: {$gt: 8}}'
  '{country: US}'
  '{device.type: mobile}'
  '{visits: {$lt: 3}}'
  '{country: {$in: [DE, FR]}}'
  '{device.type: desktop}'
  '{country: GB, visits: {$gte: 5}}'
  '{country: NL}'
  '{device.type: tablet, visits: {$gt: 4}}'
  '{country: {$in: [ES, IT]}}'
)

content() {  # SLOT RULE
  echo "{headline: \"Offer $1-$2 for you\", image: /img/hero/$1-$2.jpg, cta: {text: Shop now, href: /shop/$2}, badges: [new, sale]}"
}

if [[ -n "${data_dir}" ]]; then
  defs="${data_dir}/bench-slots"
  mkdir -p "${defs}"
  {
    for p in "${!personas[@]}"; do
      echo "kind: segment"
      echo "key: bench_persona_${p}"
      echo "condition: ${personas[$p]}"
      echo "---"
    done
    for s in $(seq 0 19); do
      if (( s % 2 == 0 )); then
        echo "kind: experiment"
        echo "key: bench_content_exp_${s}"
        echo "status: running"
        echo "coverage: 0.8"
        echo "variants:"
        echo "  - key: control"
        echo "  - {key: bold, payload: $(content "${s}" 101)}"
        echo "  - {key: calm, payload: $(content "${s}" 102)}"
        echo "---"
      fi
      echo "kind: slot"
      echo "key: bench.slot_${s}"
      echo "default_content: $(content "${s}" 99)"
      echo "rules:"
      for r in $(seq 0 9); do
        echo "  - key: rule_${r}"
        echo "    priority: $(( 10 * r ))"
        echo "    content: $(content "${s}" "${r}")"
        if (( r < 9 )); then
          echo "    segments: [bench_persona_$(( (s + r) % 10 ))]"
        else
          echo "    condition: {country: GB}"
        fi
        if (( r % 3 == 1 )); then echo "    condition: {visits: {\$gt: 0}}"; fi
        if (( r == 0 && s % 2 == 0 )); then
          echo "    experiment: bench_content_exp_${s}"
        fi
      done
      echo "---"
    done
  } > "${defs}/bench-slots.yaml"
  echo "== cxlab apply -f bench-slots.yaml (20 slots x 10 rules)"
  "${cxlab}" --server "${server}" --key "${key}" apply -f "${defs}" >/dev/null
fi

slot_flags=()
for s in $(seq 0 19); do slot_flags+=(--slot "bench.slot_${s}"); done
flags=(--duration "${duration}" --warmup "${warmup}"
       --connections "${connections}" --concurrency "${concurrency}"
       --output "${output}")

echo
echo "== GetContent: cxlab bench content ${flags[*]} --slot bench.slot_0..19"
"${cxlab}" --server "${server}" --key "${key}" bench content "${flags[@]}" \
  "${slot_flags[@]}"
