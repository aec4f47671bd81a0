// Copyright 2026 The cxlab Authors.
//
// `cxlab simulate`: runs N synthetic visitors through every running
// experiment and compares the observed split with the configured weights —
// the offline check that targeting, coverage, layers and allocation behave
// as intended before anything ships (and what `make demo` runs).
//
//   SimulateOptions options;
//   options.path = "experiments";
//   options.visitors = 100000;
//   int code = RunSimulate(options, std::cout, std::cerr);
//
// Visitor ids are "<seed_prefix>0" .. "<seed_prefix>N-1"; their attributes
// come from SyntheticVisitors, so the output is a pure function of the
// definitions, the flags and the evaluation time.
//
// Thread-safety: RunSimulate keeps no state; it reads the file system and,
// when `now` is unset, the system clock.

#ifndef CXLAB_CLIENTS_CPP_CLI_SIMULATE_COMMAND_H_
#define CXLAB_CLIENTS_CPP_CLI_SIMULATE_COMMAND_H_

#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/definitions.h"
#include "engine/evaluator.h"

namespace cxlab::cli {

struct SimulateOptions {
  // A definitions file or a directory of them (-f).
  std::string path;
  // Number of synthetic visitors (--visitors), >= 1.
  int64_t visitors = 100000;
  // Visitor id prefix (--seed-prefix).
  std::string seed_prefix = "visitor-";
  // RFC 3339 evaluation time (--now); unset means the system clock.
  std::optional<std::string> now;
};

// The result of Pearson's chi-square goodness-of-fit test.
struct ChiSquareResult {
  double statistic = 0;
  int df = 0;          // 0 when the test does not apply (one variant, n = 0)
  double p_value = 1;  // upper tail; 0 when a zero-weight variant got units
};

// Tests `observed` counts against `weights` (relative; variants with weight
// 0 are excluded unless they received units, which makes p = 0).
ChiSquareResult ChiSquareTest(const std::vector<int64_t>& observed,
                              const std::vector<double>& weights);

// The p-value below which a split is flagged as a sample ratio mismatch.
inline constexpr double kSrmThreshold = 0.001;

// The number of engine::Reason values (kMissingUnitId is the last).
inline constexpr int kNumReasons =
    static_cast<int>(engine::Reason::kMissingUnitId) + 1;

// What the simulated visitors got in one experiment.
struct SplitTally {
  // Per variant: visitors hashed into it (reason kAssigned only).
  std::vector<int64_t> assigned;
  // Every other outcome, indexed by engine::Reason.
  std::array<int64_t, kNumReasons> reasons{};
  // Online only: answers whose reason has no engine counterpart (an
  // experiment deleted during the run: REASON_UNKNOWN_EXPERIMENT).
  int64_t unknown = 0;
};

// Prints one experiment's block of the simulate output (shared by the
// offline and the online mode): a header naming the unit type, coverage,
// layer, segments and condition; the table of variant, configured weight,
// expected share of enrolled, observed count and observed share; the
// enrolled count out of `visitors`; the not-enrolled counts by reason; and
// the chi-square line.
void PrintSplit(const engine::ExperimentDef& def, const SplitTally& tally,
                int64_t visitors, std::ostream& out);

// Checks --visitors: InvalidArgument "--visitors must be between 1 and
// 100000000, got N".
absl::Status CheckVisitors(int64_t visitors);

// Simulates and prints, per running experiment, a table (variant, configured
// weight, expected share of enrolled, observed count, observed share), the
// number enrolled, the not-enrolled counts by reason, and the chi-square
// statistic and p-value of the split with an "SRM" flag when p < 0.001.
// Returns kExitOk, or kExitUsage after a message on `err` for bad flags or
// definitions that do not load.
int RunSimulate(const SimulateOptions& options, std::ostream& out,
                std::ostream& err);

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_SIMULATE_COMMAND_H_
