#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang,
# -fsanitize=fuzzer,address,undefined, into build-fuzz/) and runs each for
# SECONDS seconds, then prints executions per target. Exits non-zero when a
# target crashed, leaked, timed out or failed a FUZZ_CHECK; the reproducer is
# left in build-fuzz/fuzz-out/<target>/ (see docs/testing.md for turning it
# into a regression test).
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]    # default 60 s, every target
#   make fuzz SECONDS=30                        # the same through make
#
# Each target fuzzes over a working corpus build-fuzz/fuzz-corpus/<target>
# (kept between runs, so local runs build on earlier ones) seeded from
# tests/fuzz/corpus/<target> and tests/fuzz/regressions/<target>, which are
# only read, with the dictionary tests/fuzz/dict/<target>.dict when there is
# one. Environment: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_JOBS
# (build parallelism, default 2), CXX (default clang++).
set -euo pipefail

seconds="${1:-60}"
if [[ $# -gt 0 ]]; then shift; fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${FUZZ_BUILD_DIR:-${root}/build-fuzz}"
jobs="${FUZZ_JOBS:-2}"
cxx="${CXX:-clang++}"
fuzz_src="${root}/tests/fuzz"

if ! command -v "${cxx}" >/dev/null 2>&1; then
  echo "fuzz: ${cxx} not found; run scripts/install-deps (clang, libclang-rt-14-dev)" >&2
  exit 2
fi

if [[ $# -gt 0 ]]; then
  targets=("$@")
else
  targets=()
  for f in "${fuzz_src}"/*_fuzz_test.cc; do
    name="$(basename "${f}" _fuzz_test.cc)"
    targets+=("${name}")
  done
fi

cmake -S "${root}" -B "${build}" -G Ninja \
  -DCMAKE_CXX_COMPILER="${cxx}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DCXLAB_FUZZ=ON -DCXLAB_BUILD_BENCHMARKS=OFF >/dev/null
build_targets=()
for t in "${targets[@]}"; do build_targets+=("${t}_fuzzer"); done
cmake --build "${build}" -j"${jobs}" --target "${build_targets[@]}"

export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

declare -A execs rate status
failed=0
for t in "${targets[@]}"; do
  corpus="${build}/fuzz-corpus/${t}"
  out="${build}/fuzz-out/${t}"
  log="${build}/fuzz-out/${t}.log"
  mkdir -p "${corpus}" "${out}" "${fuzz_src}/corpus/${t}" \
           "${fuzz_src}/regressions/${t}"
  dict=()
  if [[ -f "${fuzz_src}/dict/${t}.dict" ]]; then
    dict=(-dict="${fuzz_src}/dict/${t}.dict")
  fi
  echo "== fuzz ${t}: ${seconds} s"
  rc=0
  "${build}/fuzz/${t}_fuzzer" "${dict[@]}" \
    -max_total_time="${seconds}" -timeout=30 -rss_limit_mb=2560 \
    -print_final_stats=1 -artifact_prefix="${out}/" \
    "${corpus}" "${fuzz_src}/corpus/${t}" "${fuzz_src}/regressions/${t}" \
    >"${log}" 2>&1 || rc=$?
  execs[${t}]="$(sed -n 's/^stat::number_of_executed_units: *//p' "${log}" | tail -1)"
  rate[${t}]="$(sed -n 's/^stat::average_exec_per_sec: *//p' "${log}" | tail -1)"
  if [[ ${rc} -eq 0 ]]; then
    status[${t}]="ok"
  else
    status[${t}]="FAILED (exit ${rc})"
    failed=1
    echo "fuzz ${t}: FAILED; log ${log}; reproducer(s):" >&2
    ls "${out}" >&2 || true
    grep -E "ERROR|FUZZ_CHECK|runtime error|SUMMARY" "${log}" | head -20 >&2 || true
  fi
done

echo
printf '%-18s %14s %10s %8s  %s\n' target executions exec/s corpus status
for t in "${targets[@]}"; do
  n="$(find "${build}/fuzz-corpus/${t}" -type f | wc -l)"
  printf '%-18s %14s %10s %8s  %s\n' "${t}" "${execs[${t}]:-?}" \
    "${rate[${t}]:-?}" "${n}" "${status[${t}]}"
done
exit "${failed}"
