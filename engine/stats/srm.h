// Copyright 2026 The cxlab Authors.
//
// Sample ratio mismatch: Pearson's chi-square goodness-of-fit test of the
// units each variant received against the configured weights. A tiny p-value
// means the assignment or the logging is broken and the experiment's results
// cannot be trusted.
//
//   ASSIGN_OR_RETURN(SrmResult r, CheckSampleRatio({5000, 5200}, {0.5, 0.5}));
//   // r.p_value = 0.04767..., r.mismatch = false (threshold 0.001)
//
// chi² = Σ (observed_i - expected_i)² / expected_i, expected_i = N w_i / Σw,
// over the variants with a positive weight; dof = (their number) - 1;
// p = P(chi²_dof > chi²).
//
// Thread-safety: pure function, safe to call concurrently.

#ifndef CXLAB_ENGINE_STATS_SRM_H_
#define CXLAB_ENGINE_STATS_SRM_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/stats/warnings.h"

namespace cxlab::engine::stats {

// p-values below this flag a mismatch (DESIGN §6).
inline constexpr double kSrmThreshold = 0.001;

struct SrmResult {
  std::optional<double> chi_squared;
  std::optional<double> p_value;
  int dof = 0;
  bool mismatch = false;  // p_value < threshold
  std::vector<Warning> warnings;
};

// Tests `units` (units per variant) against `weights` (configured weights,
// normalised by their sum). With no units at all nothing is set
// (kSrmNoUnits). Units in a variant of weight 0 are impossible under the
// configuration: p_value is 0, chi_squared unset, mismatch set
// (kSrmUnexpectedUnits). InvalidArgument when the spans differ in length or
// hold fewer than two variants, a count is negative, a weight is negative or
// not finite, all weights are 0, or threshold is outside (0, 1).
absl::StatusOr<SrmResult> CheckSampleRatio(absl::Span<const int64_t> units,
                                           absl::Span<const double> weights,
                                           double threshold = kSrmThreshold);

}  // namespace cxlab::engine::stats

#endif  // CXLAB_ENGINE_STATS_SRM_H_
