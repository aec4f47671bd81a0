// Copyright 2026 The cxlab Authors.
//
// Warnings: why a statistic was left unset. Degenerate data (an empty arm,
// zero variance, a control mean of 0 ...) never produces NaN or infinity in
// engine/stats; the affected fields stay std::nullopt and a Warning says why,
// with a code a program can branch on and a sentence a person can read.
//
//   for (const Warning& w : comparison.warnings) {
//     if (w.code == WarningCode::kZeroControlMean) ...  // no relative lift
//     std::cout << WarningCodeName(w.code) << ": " << w.message << "\n";
//   }
//
// Thread-safety: plain values and pure functions.

#ifndef CXLAB_ENGINE_STATS_WARNINGS_H_
#define CXLAB_ENGINE_STATS_WARNINGS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace cxlab::engine::stats {

enum class WarningCode {
  kNoUnits,            // an arm has no units: its mean is undefined
  kTooFewUnits,        // an arm has one unit: its variance is undefined
  kNoConversions,      // binomial/retention arm where no unit converted
  kZeroVariance,       // every unit of an arm has the same value
  kZeroDenominator,    // ratio arm whose denominators sum to 0
  kZeroControlMean,    // control mean is 0: relative lift is undefined
  kZeroStandardError,  // both arms have zero variance: no test is possible
  kCupedNoCovariance,  // CUPED asked for but the covariate (or the metric)
                       // has no variance: theta = 0, nothing adjusted
  kCupedUnsupported,   // CUPED asked for a ratio metric: not adjusted
  kPriorNotScaled,     // proper prior on relative lift cannot be scaled to
                       // the absolute effect (control mean 0): flat prior
  kNumericalFailure,   // a computation produced a non-finite number
  kNoTraffic,          // power: no observed traffic, days left unknown
  kUndefinedTarget,    // power: target effect undefined (control mean 0 or
                       // zero variance)
  kSrmNoUnits,         // SRM: no units at all, nothing to test
  kSrmUnexpectedUnits  // SRM: units in a variant configured with weight 0
};

// Stable snake_case name of a code ("zero_control_mean"), for logs and APIs.
absl::string_view WarningCodeName(WarningCode code);

// One warning: a code and a human-readable message naming what it concerns
// (for example "variant 1: no units").
struct Warning {
  WarningCode code;
  std::string message;

  bool operator==(const Warning& o) const {
    return code == o.code && message == o.message;
  }
};

// True when `warnings` holds at least one warning with `code`.
bool HasWarning(const std::vector<Warning>& warnings, WarningCode code);

}  // namespace cxlab::engine::stats

#endif  // CXLAB_ENGINE_STATS_WARNINGS_H_
