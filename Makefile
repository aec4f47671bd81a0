# cxlab: a thin wrapper over CMake (the build) and scripts/install-deps.
#
# On a fresh Debian 12 machine:
#   make demo   # installs what is missing, builds, runs the engine demo end to end
#   make test   # installs, builds, runs every test
#
# CI runs `make test` with CI set, which turns compiler warnings into errors.

BUILD_DIR  := build
BUILD_TYPE := Release
JOBS       := 2
CXLAB      := $(BUILD_DIR)/bin/cxlab
BENCHMARK  := $(BUILD_DIR)/tests/bench/engine_benchmark
STATS_BENCHMARK  := $(BUILD_DIR)/tests/bench/stats_benchmark
REPORT_BENCHMARK := $(BUILD_DIR)/tests/bench/report_benchmark
METRICS_BENCHMARK := $(BUILD_DIR)/tests/bench/metrics_benchmark
JSON_BENCHMARK := $(BUILD_DIR)/tests/bench/proto_json_benchmark
FORMAT_DIRS := engine clients tests

# CI=true (any value but empty, 0 or false) builds with -Werror.
ifneq ($(filter-out 0 false,$(CI)),)
WERROR := ON
else
WERROR := OFF
endif

.PHONY: help deps build test demo bench format clean fuzz test-asan

help:
	@echo "cxlab make targets:"
	@echo "  make deps    install missing Debian 12 packages (scripts/install-deps)"
	@echo "  make build   deps, then configure and build into $(BUILD_DIR)/ (CMake + Ninja, $(BUILD_TYPE))"
	@echo "  make test    build, then run every test with ctest"
	@echo "  make demo    build, validate experiments/, evaluate one visitor, then start"
	@echo "               cxlabd, apply experiments/ and assign 100,000 visitors over gRPC"
	@echo "  make bench   build, then run the engine, stats and report benchmarks and the"
	@echo "               gRPC load benchmarks; the report benchmark first ingests 10^7 events"
	@echo "               (minutes; REPORT_BENCH_EVENTS=N ingests N instead), and wrk against"
	@echo "               the HTTP gateway (/v1/assign, OFREP bulk) at 16 and 64 connections"
	@echo "  make format  clang-format -i every *.h and *.cc under $(FORMAT_DIRS)"
	@echo "  make clean   remove $(BUILD_DIR)/"
	@echo "  make fuzz    build the libFuzzer targets (clang, build-fuzz/) and run each"
	@echo "               for SECONDS seconds (default 60); see docs/testing.md"
	@echo "  make test-asan  build with ASan + UBSan (build-asan/) and run the unit,"
	@echo "               integration and e2e suites"
	@echo "  make bazel-test  the secondary Bazel build (bazel/README.md): install Debian's"
	@echo "               Bazel 4.2.3 if missing (scripts/install-bazel), bazel test //... offline"
	@echo "Set CI=true to build with -DCXLAB_WERROR=ON."

deps:
	scripts/install-deps
	scripts/install-node-deps

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	    -DCXLAB_WERROR=$(WERROR)
	cmake --build $(BUILD_DIR) -j$(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(JOBS)

# The offline steps pin the clock (--now) so their output is the same on
# every run and every day; drop --now to evaluate at the current time. The
# server steps (scripts/demo-server.sh) run at the server's clock.
DEMO_NOW := 2026-12-01T12:00:00Z

demo: build
	@echo "== cxlab validate: check every definition in experiments/"
	$(CXLAB) validate -f experiments
	@echo
	@echo "== cxlab eval: one returning family visitor who runs, with a full cart"
	$(CXLAB) eval -f experiments --unit visitor-42 --now $(DEMO_NOW) \
	    --attr visits=3 --attr last_visit_days=12 --attr household.children=2 \
	    --attr age=38 --attr cart.items=2 --attr 'interests=["running"]' \
	    --attr device.type=mobile
	@echo
	scripts/demo-server.sh $(BUILD_DIR)

# Engine and engine/stats micro-benchmarks; GetReport/GetTimeSeries in
# process at 10^4, 10^5, 10^6 and 10^7 events (ingested into a temporary data
# dir as it goes, minutes; REPORT_BENCH_EVENTS=N sets the largest); then the
# gRPC load benchmark (starts cxlabd on a temporary data dir, applies
# experiments/, runs `cxlab bench assign` for Assign and AssignBatch, stops
# the daemon) and the GetContent one (20 slots x 10 rules, `cxlab bench
# content`).
bench: build
	$(BENCHMARK) --benchmark_min_time=0.5
	$(STATS_BENCHMARK) --benchmark_min_time=0.5
	$(REPORT_BENCHMARK) --benchmark_min_time=0.5
	$(METRICS_BENCHMARK) --benchmark_min_time=0.5
	$(JSON_BENCHMARK) --benchmark_min_time=0.5
	tests/bench/assign_load.sh $(BUILD_DIR)
	tests/bench/content_load.sh $(BUILD_DIR)
	tests/bench/http_load.sh $(BUILD_DIR)

format:
	@command -v clang-format >/dev/null 2>&1 || \
	    { echo "make format: clang-format not found (apt-get install clang-format)" >&2; exit 1; }
	find $(FORMAT_DIRS) \( -name '*.h' -o -name '*.cc' \) -type f -print0 \
	    | xargs -0 -r clang-format -i

# Fuzzing (docs/testing.md): tests/fuzz/run.sh builds every libFuzzer target
# into build-fuzz/ (clang, -fsanitize=fuzzer,address,undefined) and runs
# each for SECONDS seconds over a copy of its seed corpus, printing the
# executions per target; a crash fails it and leaves the reproducer in
# build-fuzz/fuzz-out/. CI runs SECONDS=30.
SECONDS ?= 60
fuzz:
	scripts/install-deps
	FUZZ_JOBS=$(JOBS) tests/fuzz/run.sh $(SECONDS)

# AddressSanitizer + UBSan (GCC) in build-asan/: the unit, integration and
# e2e suites (not the Node, Python and browser tests, nor the benchmarks).
# Leaks are checked (LeakSanitizer) with tests/asan/lsan.supp for
# third-party leaks only. Never -Werror: the instrumentation makes GCC warn
# falsely (-Wmaybe-uninitialized inside Abseil); `make test` checks warnings.
# ASAN_SUITE=unit (what CI runs, see .ci/run) builds and runs only the
# in-process suites: tests/{unit,conformance,stats,storage,convert,render}
# and the fuzz replays.
ASAN_BUILD_DIR := build-asan
ASAN_SUITE ?= all
ASAN_UNIT_DIRS := unit conformance stats storage convert render fuzz
ASAN_ENV := ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=1:check_initialization_order=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/asan/lsan.supp:print_suppressions=0
test-asan:
	scripts/install-deps
	cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCXLAB_ASAN=ON \
	    -DCXLAB_BUILD_BENCHMARKS=OFF -DCXLAB_WERROR=OFF
ifeq ($(ASAN_SUITE),unit)
	$(ASAN_ENV) cmake --build $(ASAN_BUILD_DIR) -j$(JOBS) \
	    --target $(foreach d,$(ASAN_UNIT_DIRS),tests/$(d)/all)
	set -e; for d in $(ASAN_UNIT_DIRS); do \
	  $(ASAN_ENV) ctest --test-dir $(ASAN_BUILD_DIR)/tests/$$d \
	      --output-on-failure -j$(JOBS) \
	      -E '^(hashing_doc_vectors|stats_scipy_vectors_reproduce)$$'; \
	done
else
	$(ASAN_ENV) cmake --build $(ASAN_BUILD_DIR) -j$(JOBS)
	$(ASAN_ENV) ctest --test-dir $(ASAN_BUILD_DIR) --output-on-failure -j$(JOBS) \
	    -LE 'web|clients|python|bench-smoke' \
	    -E '^(hashing_doc_vectors|stats_scipy_vectors_reproduce)$$'
endif

clean:
	rm -rf $(BUILD_DIR)

# The secondary Bazel build (bazel/README.md): Debian's bazel-bootstrap
# (4.2.3), installed on demand by scripts/install-bazel and never by `make
# deps`; the same modules and C++ tests as CMake (checked first by
# bazel/check_cmake_sync.py), built offline against the Debian libraries of
# scripts/install-deps. Bazel's output and caches live under ~/.cache/bazel;
# BAZEL_STARTUP='--output_user_root=DIR' moves them.
BAZEL         := bazel
BAZEL_STARTUP :=
BAZEL_FLAGS   := --jobs=$(JOBS) --local_test_jobs=$(JOBS)
.PHONY: bazel-test
bazel-test:
	scripts/install-deps
	scripts/install-bazel
	bazel/check_cmake_sync.py $(BAZEL) $(BAZEL_STARTUP)
	$(BAZEL) $(BAZEL_STARTUP) test $(BAZEL_FLAGS) //...
