// Copyright 2026 The cxlab Authors.
//
// Multiple-testing corrections: adjusted p-values, returned in input order,
// for a family of tests (DESIGN §6: every variant x non-guardrail metric).
//
//   ASSIGN_OR_RETURN(std::vector<double> adj,
//                    AdjustPValues({0.01, 0.04, 0.03}, Correction::kHolm));
//
// With p_(1) <= ... <= p_(m) the sorted p-values (ties keep input order):
//   Holm-Bonferroni     adj_(i) = max_{j <= i} min(1, (m - j + 1) p_(j))
//                       (controls the family-wise error rate);
//   Benjamini-Hochberg  adj_(i) = min_{j >= i} min(1, m p_(j) / j)
//                       (controls the false discovery rate).
// An adjusted p-value is never below its raw p-value.
//
// Thread-safety: pure functions, safe to call concurrently.

#ifndef CXLAB_ENGINE_STATS_MULTIPLE_TESTING_H_
#define CXLAB_ENGINE_STATS_MULTIPLE_TESTING_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace cxlab::engine::stats {

enum class Correction {
  kNone,               // adjusted = raw
  kHolm,               // Holm-Bonferroni
  kBenjaminiHochberg,  // Benjamini-Hochberg
};

// "none", "holm", "bh"; and back (InvalidArgument on an unknown name).
absl::string_view CorrectionName(Correction c);
absl::StatusOr<Correction> ParseCorrection(absl::string_view name);

// Adjusted p-values of `p_values`, in input order (empty in, empty out).
// InvalidArgument naming the index when a p-value is NaN or outside [0, 1].
absl::StatusOr<std::vector<double>> AdjustPValues(
    absl::Span<const double> p_values, Correction correction);

}  // namespace cxlab::engine::stats

#endif  // CXLAB_ENGINE_STATS_MULTIPLE_TESTING_H_
